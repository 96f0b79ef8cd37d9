import { openBillingPortal } from '../../subscriptions/billingPortal';
import { isTrialWithoutCard } from '../../subscriptions/managedSubscription';
import { previewPlanChange } from '../../subscriptions/planChanges';
import { scheduledChangeOf } from '../../subscriptions/scheduledChange';
import {
  requestCancellation,
  requestPlanChange,
  requestResumption,
  requestScheduledChangeCancellation,
  requestSeatChange,
  requestTrial,
} from '../../subscriptions/subscriptionRequests';
import type { Resolvers } from '../generated/resolvers';
import { loadFound } from '../loaders';
import { money } from '../money';

export const subscriptionResolvers: Resolvers = {
  Query: {
    previewPlanChange: (_parent, args, { actor }) => previewPlanChange({ actor, ...args }),
  },
  Mutation: {
    startTrial: (_parent, { input }, { actor }) => requestTrial({ actor, ...input }),
    changePlan: (_parent, { input }, { actor }) => requestPlanChange({ actor, ...input }),
    cancelScheduledPlanChange: (_parent, { input }, { actor }) =>
      requestScheduledChangeCancellation({ actor, ...input }),
    changeSeats: (_parent, { input }, { actor }) => requestSeatChange({ actor, ...input }),
    cancelSubscription: (_parent, { input }, { actor }) => requestCancellation({ actor, ...input }),
    resumeSubscription: (_parent, { input }, { actor }) => requestResumption({ actor, ...input }),
    openBillingPortal: async (_parent, { input }, { actor, throttle }) => {
      await throttle('billingPortal');
      return openBillingPortal({ actor, ...input });
    },
  },
  Account: {
    subscription: async (account, _args, { loaders }) =>
      (await loaders.currentSubscriptionByAccountId.load(account.id)) ?? null,
  },
  BillingSubscription: {
    plan: (subscription, _args, { loaders }) => loadFound(loaders.planById, subscription.planId, 'Plan'),
    scheduledChange: async (subscription, _args, { loaders }) => {
      const change = scheduledChangeOf(subscription);
      return change && { ...change, plan: await loadFound(loaders.planById, change.planId, 'Plan') };
    },
    trialWithoutCard: (subscription) => isTrialWithoutCard(subscription),
  },
  PlanChangePreview: {
    amountDueNow: (preview) => money(preview.amountDueNow, preview.currency),
    lines: (preview) =>
      preview.lines.map((line) => ({ ...line, amount: money(line.amount, preview.currency) })),
  },
  SubscriptionStatus: {
    TRIALING: 'trialing',
    ACTIVE: 'active',
    PAST_DUE: 'past_due',
    CANCELED: 'canceled',
    EXPIRED: 'expired',
    INCOMPLETE: 'incomplete',
    PAUSED: 'paused',
  },
  PlanChangeKind: { UPGRADE: 'upgrade', DOWNGRADE: 'downgrade', SEATS: 'seats' },
  CancellationRefund: { NONE: 'none', PRORATED: 'prorated', FULL: 'full' },
};
