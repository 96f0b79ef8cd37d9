/**
 * Which credits are spent first. Grants are consumed by priority (a lower number first: a plan's
 * allowance at priority 0 goes before purchased credits at priority 10), then by the earliest expiry
 * (credits that never expire last, so nothing expires that could have been spent), then the oldest;
 * the id only makes the order total.
 */
export interface SpendableGrant {
  id: string;
  remaining: number;
  priority: number;
  expiresAt: Date | null;
  createdAt: Date;
}

/** Milli-credits taken from (negative) or written off a grant by one ledger entry. */
export interface Allocation {
  grantId: string;
  amount: number;
}

export function compareSpendingOrder(a: SpendableGrant, b: SpendableGrant): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const aExpiry = a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const bExpiry = b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (aExpiry !== bExpiry) return aExpiry < bExpiry ? -1 : 1;
  if (a.createdAt.getTime() !== b.createdAt.getTime()) return a.createdAt.getTime() - b.createdAt.getTime();
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The allocations that take `amount` milli-credits from grants already in spending order, or null
 * when together they hold less. Nothing is changed: the caller applies the allocations.
 */
export function drawDown(grants: readonly SpendableGrant[], amount: number): Allocation[] | null {
  const allocations: Allocation[] = [];
  let outstanding = amount;
  for (const grant of grants) {
    if (outstanding === 0) break;
    const taken = Math.min(grant.remaining, outstanding);
    if (taken === 0) continue;
    allocations.push({ grantId: grant.id, amount: -taken });
    outstanding -= taken;
  }
  return outstanding === 0 ? allocations : null;
}
