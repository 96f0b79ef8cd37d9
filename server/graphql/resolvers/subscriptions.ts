import type { Actor } from '../../auth/actor';
import { authorizeAccount, requirePlatformAdmin } from '../../auth/authorization';
import { checkEntitlement, listEntitlements } from '../../entitlements/entitlements';
import { registerResource, releaseResource, resourceCheck } from '../../entitlements/resources';
import { NotFoundError } from '../../errors';
import {
  withIdempotency,
  withIdempotentAnswer,
  type IdempotentAttempt,
} from '../../idempotency/idempotentRequests';
import { openBillingPortal } from '../../subscriptions/billingPortal';
import { cancelSubscription, resumeSubscription } from '../../subscriptions/cancellation';
import { cancelScheduledPlanChange, changePlan, previewPlanChange } from '../../subscriptions/planChanges';
import type { PlanChangeKind } from '../../subscriptions/planChangeKind';
import { changeSeats } from '../../subscriptions/seats';
import { startTrial } from '../../subscriptions/trials';
import type { Resolvers } from '../generated/resolvers';
import type { Loaders } from '../loaders';

interface ChangeResult {
  subscriptionId: string;
  kind?: PlanChangeKind;
  effectiveAt?: string;
}

/** Runs a subscription mutation idempotently and loads the payload from what it saved (ids only). */
async function subscriptionChange(
  {
    actor,
    loaders,
    operation,
    input,
    platformAdminOnly = false,
  }: {
    actor: Actor;
    loaders: Loaders;
    operation: string;
    input: { idempotencyKey?: string | null; accountId: string } & Record<string, unknown>;
    /** The change is for platform admins only (cancelling at once), so its replay is too. */
    platformAdminOnly?: boolean;
  },
  work: (attempt: IdempotentAttempt | null) => Promise<ChangeResult>,
) {
  const { idempotencyKey, ...request } = input;
  const result = await withIdempotency({
    actor,
    idempotencyKey,
    operation,
    input: request,
    authorize: async () => {
      if (platformAdminOnly) requirePlatformAdmin(actor);
      await authorizeAccount({ actor, accountId: input.accountId, permission: 'billing.manage' });
    },
    work,
  });
  const [subscription, currentSubscription] = await Promise.all([
    loaders.subscriptionById.load(result.subscriptionId),
    loaders.currentSubscriptionByAccountId.load(input.accountId),
  ]);
  if (!subscription || !currentSubscription) throw new NotFoundError('Subscription');
  return {
    subscription,
    currentSubscription,
    kind: result.kind ?? null,
    effectiveAt: result.effectiveAt ? new Date(result.effectiveAt) : null,
  };
}

export const subscriptionResolvers: Resolvers = {
  Query: {
    entitlement: (_parent, { accountId, externalId, featureKey }, { actor }) =>
      checkEntitlement({ actor, accountId, externalId, featureKey }),
    previewPlanChange: (_parent, args, { actor }) => previewPlanChange({ actor, ...args }),
  },
  Account: {
    entitlements: (account, _args, { actor }) => listEntitlements({ actor, accountId: account.id }),
  },
  Mutation: {
    startTrial: (_parent, { input }, { actor, loaders }) =>
      subscriptionChange({ actor, loaders, operation: 'startTrial', input }, () =>
        startTrial({ actor, accountId: input.accountId, planId: input.planId }),
      ),
    changePlan: (_parent, { input }, { actor, loaders }) =>
      subscriptionChange({ actor, loaders, operation: 'changePlan', input }, (attempt) =>
        changePlan({
          actor,
          attempt,
          accountId: input.accountId,
          planId: input.planId,
          seats: input.seats,
          prorationDate: input.prorationDate,
        }),
      ),
    cancelScheduledPlanChange: (_parent, { input }, { actor, loaders }) =>
      subscriptionChange({ actor, loaders, operation: 'cancelScheduledPlanChange', input }, () =>
        cancelScheduledPlanChange({ actor, accountId: input.accountId }),
      ),
    changeSeats: (_parent, { input }, { actor, loaders }) =>
      subscriptionChange({ actor, loaders, operation: 'changeSeats', input }, () =>
        changeSeats({
          actor,
          accountId: input.accountId,
          seats: input.seats,
          prorationDate: input.prorationDate,
        }),
      ),
    cancelSubscription: (_parent, { input }, { actor, loaders }) =>
      subscriptionChange(
        {
          actor,
          loaders,
          operation: 'cancelSubscription',
          input,
          platformAdminOnly: input.atPeriodEnd === false,
        },
        () =>
          cancelSubscription({
            actor,
            accountId: input.accountId,
            atPeriodEnd: input.atPeriodEnd ?? true,
            reason: input.reason,
          }),
      ),
    resumeSubscription: (_parent, { input }, { actor, loaders }) =>
      subscriptionChange({ actor, loaders, operation: 'resumeSubscription', input }, () =>
        resumeSubscription({ actor, accountId: input.accountId }),
      ),
    openBillingPortal: async (_parent, { input }, { actor, throttle }) => {
      await throttle('billingPortal');
      return openBillingPortal({ actor, ...input });
    },
    // Keyed by the partner's own resource id, these are idempotent by nature. With a key, a retry also
    // does not act again: a register retried after the resource was released does not bring it back.
    // A replay answers what the first call did, with the entitlement as it stands now.
    registerResource: (_parent, { input: { idempotencyKey, ...input } }, { actor }) =>
      withIdempotentAnswer({
        actor,
        idempotencyKey,
        operation: 'registerResource',
        input,
        authorize: () =>
          authorizeAccount({
            actor,
            accountId: input.accountId,
            externalId: input.externalId,
            permission: 'entitlements.manage',
          }),
        work: () => registerResource({ actor, ...input }),
        keep: ({ created }) => ({ created }),
        replay: async ({ created }) => ({ created, check: await resourceCheck({ actor, ...input }) }),
      }),
    releaseResource: async (_parent, { input: { idempotencyKey, ...input } }, { actor }) => {
      const { check } = await withIdempotentAnswer({
        actor,
        idempotencyKey,
        operation: 'releaseResource',
        input,
        authorize: () =>
          authorizeAccount({
            actor,
            accountId: input.accountId,
            externalId: input.externalId,
            permission: 'entitlements.manage',
          }),
        work: () => releaseResource({ actor, ...input }),
        keep: ({ released }) => ({ released }),
        replay: async ({ released }) => ({ released, check: await resourceCheck({ actor, ...input }) }),
      });
      return check;
    },
  },
  PlanChangePreview: {
    amountDueNow: (preview) => ({ amount: preview.amountDueNow, currency: preview.currency }),
    lines: (preview) =>
      preview.lines.map((line) => ({ ...line, amount: { amount: line.amount, currency: preview.currency } })),
  },
};
