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
import { withAccountId } from '../accountReference';
import type { Resolvers } from '../generated/resolvers';
import { loadFound } from '../loaders';
import { money } from '../money';

export const subscriptionResolvers: Resolvers = {
  Query: {
    previewPlanChange: async (_parent, args, { actor }) =>
      previewPlanChange({ actor, ...(await withAccountId(actor, args)) }),
  },
  Mutation: {
    startTrial: async (_parent, { input }, { actor }) =>
      requestTrial({ actor, ...(await withAccountId(actor, input)) }),
    changePlan: async (_parent, { input }, { actor }) =>
      requestPlanChange({ actor, ...(await withAccountId(actor, input)) }),
    cancelScheduledPlanChange: async (_parent, { input }, { actor }) =>
      requestScheduledChangeCancellation({ actor, ...(await withAccountId(actor, input)) }),
    changeSeats: async (_parent, { input }, { actor }) =>
      requestSeatChange({ actor, ...(await withAccountId(actor, input)) }),
    cancelSubscription: async (_parent, { input }, { actor }) =>
      requestCancellation({ actor, ...(await withAccountId(actor, input)) }),
    resumeSubscription: async (_parent, { input }, { actor }) =>
      requestResumption({ actor, ...(await withAccountId(actor, input)) }),
    openBillingPortal: async (_parent, { input }, { actor, throttle }) => {
      await throttle('billingPortal');
      return openBillingPortal({ actor, ...(await withAccountId(actor, input)) });
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
