import type { BillingInterval } from './catalog/Plan';

/**
 * Billing periods, computed the way Stripe computes them: from the anchor, not from the previous period,
 * so a subscription anchored on Jan 31 renews Feb 28 (or 29), then Mar 31. All in UTC.
 */
export function periodEnd({
  anchor,
  interval,
  periods = 1,
}: {
  anchor: Date;
  interval: Exclude<BillingInterval, 'lifetime'>;
  periods?: number;
}): Date {
  const months = interval === 'year' ? 12 * periods : periods;
  return addMonthsClamped(anchor, months);
}

export function addMonthsClamped(date: Date, months: number): Date {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDayOfTargetMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(date.getUTCDate(), lastDayOfTargetMonth);
  return new Date(
    Date.UTC(
      year,
      month,
      day,
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds(),
    ),
  );
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 24 * 60 * 60 * 1000);
}
