/**
 * Monthly recurring revenue of one subscription, in minor units: a yearly price counts as a twelfth of
 * itself a month. Rounded half up per subscription, in integers only.
 */
export function monthlyRecurringRevenue({
  priceAmount,
  quantity,
  billingInterval,
}: {
  priceAmount: number;
  quantity: number;
  billingInterval: string;
}): number {
  const months = billingInterval === 'year' ? 12 : billingInterval === 'month' ? 1 : 0;
  if (months === 0) return 0;
  const total = priceAmount * quantity;
  return Math.floor((2 * total + months) / (2 * months));
}
