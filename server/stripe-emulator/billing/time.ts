import type Stripe from 'stripe';
import type { Store } from '../store/store';

export const DAY = 86_400;
export const HOUR = 3_600;

export function realNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** The current time for objects on a test clock (its frozen time) or in real time (`null`). */
export function clockNow(store: Store, clockId: string | null): number {
  if (!clockId) return realNow();
  return store.get('test_helpers.test_clock', clockId)?.frozen_time ?? realNow();
}

/** The test clock a customer lives on; everything billed to a customer shares its clock. */
export function customerClock(
  store: Store,
  customer: string | { id: string } | null | undefined,
): string | null {
  if (!customer) return null;
  const id = typeof customer === 'string' ? customer : customer.id;
  const found = store.get('customer', id);
  const clock = found?.test_clock;
  if (!clock) return null;
  return typeof clock === 'string' ? clock : clock.id;
}

export function nowForCustomer(store: Store, customer: string | { id: string } | null | undefined): number {
  return clockNow(store, customerClock(store, customer));
}

/** Which clock an arbitrary stored object follows: its own `test_clock`, or its customer's. */
export function clockOfObject(
  store: Store,
  object: { test_clock?: unknown; customer?: unknown } | object,
): string | null {
  const withClock = object as {
    test_clock?: string | { id: string } | null;
    customer?: string | { id: string } | null;
  };
  if (withClock.test_clock)
    return typeof withClock.test_clock === 'string' ? withClock.test_clock : withClock.test_clock.id;
  if (withClock.customer) return customerClock(store, withClock.customer);
  return null;
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * The end of the `n`th billing period after `anchor`. Months are counted from the anchor each time and
 * clamped to the month's length, so a subscription anchored on the 31st bills on Feb 28 and then Mar 31,
 * as Stripe does.
 */
export function periodBoundary(
  anchor: number,
  interval: Stripe.Price.Recurring.Interval,
  intervalCount: number,
  n: number,
): number {
  const steps = intervalCount * n;
  switch (interval) {
    case 'day':
      return anchor + steps * DAY;
    case 'week':
      return anchor + steps * 7 * DAY;
    case 'month':
    case 'year': {
      const start = new Date(anchor * 1000);
      const months = interval === 'month' ? steps : steps * 12;
      const totalMonths = start.getUTCMonth() + months;
      const year = start.getUTCFullYear() + Math.floor(totalMonths / 12);
      const month = ((totalMonths % 12) + 12) % 12;
      const day = Math.min(start.getUTCDate(), daysInMonth(year, month));
      return Math.floor(
        Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds()) / 1000,
      );
    }
    default:
      throw new Error(`Unsupported recurring interval ${interval}`);
  }
}

/** The first period boundary after `after`, counting from the billing cycle anchor. */
export function nextPeriodEnd(
  anchor: number,
  interval: Stripe.Price.Recurring.Interval,
  intervalCount: number,
  after: number,
): number {
  let n = 1;
  let end = periodBoundary(anchor, interval, intervalCount, n);
  while (end <= after) {
    n += 1;
    end = periodBoundary(anchor, interval, intervalCount, n);
  }
  return end;
}

/** The billing period, counted from the anchor, that contains `at` (start inclusive, end exclusive). */
export function periodAround(
  anchor: number,
  interval: Stripe.Price.Recurring.Interval,
  intervalCount: number,
  at: number,
): { start: number; end: number } {
  let n = 0;
  let start = anchor;
  let end = periodBoundary(anchor, interval, intervalCount, 1);
  while (end <= at) {
    n += 1;
    start = end;
    end = periodBoundary(anchor, interval, intervalCount, n + 1);
  }
  return { start, end };
}
