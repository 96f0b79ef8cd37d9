import type { RelationMappings } from 'objection';
import { Plan } from '../catalog/Plan';
import { BaseModel } from '../db/BaseModel';

export const SUBSCRIPTION_STATUSES = [
  'trialing',
  'active',
  'past_due',
  'canceled',
  'expired',
  'incomplete',
  'paused',
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/**
 * Statuses in which a subscription is the account's current one (a unique index allows one). An
 * `incomplete` one, whose first payment has not gone through, is recorded but is not current yet.
 */
export const CURRENT_STATUSES: readonly SubscriptionStatus[] = ['trialing', 'active', 'past_due', 'paused'];

export class Subscription extends BaseModel {
  static override tableName = 'subscriptions';

  id!: string;
  accountId!: string;
  planId!: string;
  status!: SubscriptionStatus;
  /** Seats on per-seat plans; 1 otherwise. */
  quantity!: number;
  currentPeriodStart!: Date;
  /** null for plans that never renew (lifetime). */
  currentPeriodEnd!: Date | null;
  trialStart!: Date | null;
  trialEnd!: Date | null;
  cancelAtPeriodEnd!: boolean;
  canceledAt!: Date | null;
  endedAt!: Date | null;
  cancellationReason!: string | null;
  scheduledPlanId!: string | null;
  scheduledQuantity!: number | null;
  scheduledChangeAt!: Date | null;
  gracePeriodEndsAt!: Date | null;
  pausedAt!: Date | null;
  stripeSubscriptionId!: string | null;
  stripeSyncedAt!: Date | null;
  /** The custom contract this subscription bills, when a platform admin set one up (server/contracts/). */
  contractId!: string | null;
  /** Where local periods (free plan, card-less trial) are counted from; Stripe keeps its own. */
  billingCycleAnchor!: Date | null;
  /** When the subscription began; its periods move on, this does not. */
  startedAt!: Date;
  createdAt!: Date;
  updatedAt!: Date;

  plan?: Plan;
  scheduledPlan?: Plan | null;

  static override get relationMappings(): RelationMappings {
    return {
      plan: {
        relation: BaseModel.BelongsToOneRelation,
        modelClass: Plan,
        join: { from: 'subscriptions.planId', to: 'plans.id' },
      },
      scheduledPlan: {
        relation: BaseModel.BelongsToOneRelation,
        modelClass: Plan,
        join: { from: 'subscriptions.scheduledPlanId', to: 'plans.id' },
      },
    };
  }
}
