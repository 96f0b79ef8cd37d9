import type { Subscription } from './Subscription';

export interface ScheduledChange {
  planId: string;
  quantity: number;
  effectiveAt: Date;
}

/**
 * The change a subscription waits for at the end of its period (a downgrade), or null: a change that
 * names no plan or no seats keeps the current ones.
 */
export function scheduledChangeOf(
  subscription: Pick<
    Subscription,
    'planId' | 'quantity' | 'scheduledPlanId' | 'scheduledQuantity' | 'scheduledChangeAt'
  >,
): ScheduledChange | null {
  if (!subscription.scheduledChangeAt) return null;
  return {
    planId: subscription.scheduledPlanId ?? subscription.planId,
    quantity: subscription.scheduledQuantity ?? subscription.quantity,
    effectiveAt: subscription.scheduledChangeAt,
  };
}

/** A subscription's fields with no change scheduled: what undoing, replacing or applying one leaves. */
export const NO_SCHEDULED_CHANGE = {
  scheduledPlanId: null,
  scheduledQuantity: null,
  scheduledChangeAt: null,
} as const;
