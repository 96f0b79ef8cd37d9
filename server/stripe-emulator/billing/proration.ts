/**
 * Proration, exact to the cent. Stripe prorates by the seconds left in the current period:
 *
 *   credit = -round(old_unit_amount × old_quantity × (period_end − t) / (period_end − period_start))
 *   charge =  round(new_unit_amount × new_quantity × (period_end − t) / (period_end − period_start))
 *
 * where t is the proration date (now unless `proration_date` is given). Each line is rounded on its
 * own, half away from zero, with integer arithmetic so no floating point error can shift a cent.
 */
export function prorate(amount: number, remainingSeconds: number, periodSeconds: number): number {
  if (periodSeconds <= 0 || remainingSeconds <= 0) return 0;
  const remaining = Math.min(remainingSeconds, periodSeconds);
  const numerator = BigInt(Math.abs(amount)) * BigInt(remaining);
  const denominator = BigInt(periodSeconds);
  let quotient = numerator / denominator;
  if ((numerator % denominator) * 2n >= denominator) quotient += 1n;
  const magnitude = Number(quotient);
  return amount < 0 ? -magnitude : magnitude;
}

export interface ProrationInput {
  periodStart: number;
  periodEnd: number;
  prorationDate: number;
  oldAmount: number;
  newAmount: number;
}

export interface ProrationResult {
  credit: number;
  charge: number;
}

export function prorationFor(input: ProrationInput): ProrationResult {
  const period = input.periodEnd - input.periodStart;
  const at = Math.max(input.periodStart, Math.min(input.prorationDate, input.periodEnd));
  const remaining = input.periodEnd - at;
  return {
    credit: 0 - prorate(input.oldAmount, remaining, period),
    charge: prorate(input.newAmount, remaining, period),
  };
}
