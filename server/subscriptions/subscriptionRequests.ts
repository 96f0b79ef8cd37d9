import type { PlanChoice } from './planChoice';
import type { Actor } from '../auth/actor';
import { authorizeAccount, requirePlatformAdmin } from '../auth/authorization';
import { NotFoundError } from '../errors';
import { withIdempotency, type IdempotentAttempt } from '../idempotency/idempotentRequests';
import { cancelSubscription, resumeSubscription } from './cancellation';
import type { CancellationRefund } from './cancellationRefunds';
import { findCurrentSubscription } from './currentSubscription';
import { cancelScheduledPlanChange, changePlan } from './planChanges';
import type { PlanChangeKind } from './planChangeKind';
import { changeSeats } from './seats';
import { Subscription } from './Subscription';
import { startTrial } from './trials';

/** What a change to an account's subscription answers. */
export interface SubscriptionChange {
  /** The subscription after the change (for a cancellation at once: the ended one). */
  subscription: Subscription;
  /** The account's current subscription now. */
  currentSubscription: Subscription;
  kind: PlanChangeKind | null;
  effectiveAt: Date | null;
}

/** What the change itself returns: ids and values only, so that its replay can be saved as JSON. */
interface ChangeResult {
  subscriptionId: string;
  kind?: PlanChangeKind;
  effectiveAt?: string;
}

interface ChangeRequest {
  actor: Actor;
  accountId: string;
  idempotencyKey?: string | null;
}

/*
 * The subscription changes as the API asks for them: each is safe to retry under the caller's
 * idempotency key (a retry answers the first call's change, decision 017), and answers the subscription
 * it changed and the account's current one, as they stand now.
 */

export function requestTrial({ actor, idempotencyKey, ...input }: ChangeRequest & PlanChoice) {
  return changeSubscription({ actor, idempotencyKey, operation: 'startTrial', input }, () =>
    startTrial({ actor, ...input }),
  );
}

export function requestPlanChange({
  actor,
  idempotencyKey,
  ...input
}: ChangeRequest & PlanChoice & { seats?: number | null; prorationDate?: number | null }) {
  return changeSubscription({ actor, idempotencyKey, operation: 'changePlan', input }, (attempt) =>
    changePlan({ actor, attempt, ...input }),
  );
}

export function requestScheduledChangeCancellation({ actor, idempotencyKey, ...input }: ChangeRequest) {
  return changeSubscription({ actor, idempotencyKey, operation: 'cancelScheduledPlanChange', input }, () =>
    cancelScheduledPlanChange({ actor, ...input }),
  );
}

export function requestSeatChange({
  actor,
  idempotencyKey,
  ...input
}: ChangeRequest & { seats: number; prorationDate?: number | null }) {
  return changeSubscription({ actor, idempotencyKey, operation: 'changeSeats', input }, () =>
    changeSeats({ actor, ...input }),
  );
}

/** Cancelling at once is for platform admins only, and so is its replay. */
export function requestCancellation({
  actor,
  idempotencyKey,
  ...input
}: ChangeRequest & {
  atPeriodEnd?: boolean | null;
  reason?: string | null;
  refund?: CancellationRefund | null;
}) {
  return changeSubscription(
    {
      actor,
      idempotencyKey,
      operation: 'cancelSubscription',
      input,
      platformAdminOnly: input.atPeriodEnd === false,
    },
    () =>
      cancelSubscription({
        actor,
        ...input,
        atPeriodEnd: input.atPeriodEnd ?? true,
        refund: input.refund ?? 'none',
      }),
  );
}

export function requestResumption({ actor, idempotencyKey, ...input }: ChangeRequest) {
  return changeSubscription({ actor, idempotencyKey, operation: 'resumeSubscription', input }, () =>
    resumeSubscription({ actor, ...input }),
  );
}

/** Runs a change under the caller's key, then loads what it answers from the ids it saved. */
async function changeSubscription(
  {
    actor,
    idempotencyKey,
    operation,
    input,
    platformAdminOnly = false,
  }: {
    actor: Actor;
    idempotencyKey: string | null | undefined;
    operation: string;
    input: { accountId: string };
    platformAdminOnly?: boolean;
  },
  change: (attempt: IdempotentAttempt | null) => Promise<ChangeResult>,
): Promise<SubscriptionChange> {
  const result = await withIdempotency({
    actor,
    idempotencyKey,
    operation,
    input,
    authorize: async () => {
      if (platformAdminOnly) requirePlatformAdmin(actor);
      await authorizeAccount({ actor, accountId: input.accountId, permission: 'billing.manage' });
    },
    work: change,
  });
  const [subscription, currentSubscription] = await Promise.all([
    Subscription.query().findById(result.subscriptionId),
    findCurrentSubscription({ accountId: input.accountId }),
  ]);
  if (!subscription || !currentSubscription) throw new NotFoundError('Subscription');
  return {
    subscription,
    currentSubscription,
    kind: result.kind ?? null,
    effectiveAt: result.effectiveAt ? new Date(result.effectiveAt) : null,
  };
}
