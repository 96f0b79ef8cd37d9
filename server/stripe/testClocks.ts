import type Stripe from 'stripe';
import { ConflictError } from '../errors';
import { stripe } from './client';
import { callStripe } from './errors';

/**
 * Stripe's test clocks, for accounts moved through time (server/testClocks/). Times are Dates here;
 * Stripe counts whole seconds.
 */
export interface StripeTestClock {
  id: string;
  frozenTime: Date;
  status: Stripe.TestHelpers.TestClock.Status;
}

const READY_TIMEOUT_MS = 30_000;

export async function createStripeTestClock({
  frozenTime,
  name,
  idempotencyKey,
}: {
  frozenTime: Date;
  name: string;
  idempotencyKey: string;
}): Promise<StripeTestClock> {
  const clock = await callStripe('create the test clock', () =>
    stripe().testHelpers.testClocks.create(
      { frozen_time: toStripeTime(frozenTime), name: name.slice(0, 300) },
      { idempotencyKey },
    ),
  );
  return plain(clock);
}

export async function retrieveStripeTestClock(clockId: string): Promise<StripeTestClock> {
  return plain(
    await callStripe('read the test clock', () => stripe().testHelpers.testClocks.retrieve(clockId)),
  );
}

/**
 * Moves the clock to `to` and waits until Stripe has done everything that fell due (it answers at once
 * with `advancing`, then works). A clock already there, or past it, is left as it is.
 */
export async function advanceStripeTestClock(clockId: string, to: Date): Promise<StripeTestClock> {
  const current = await waitUntilReady(clockId);
  if (current.frozenTime.getTime() >= toStripeTime(to) * 1000) return current;
  await callStripe('advance the test clock', () =>
    stripe().testHelpers.testClocks.advance(clockId, { frozen_time: toStripeTime(to) }),
  );
  return waitUntilReady(clockId);
}

async function waitUntilReady(clockId: string): Promise<StripeTestClock> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (let pause = 5; ; pause = Math.min(pause * 2, 500)) {
    const clock = await retrieveStripeTestClock(clockId);
    if (clock.status === 'ready') return clock;
    if (clock.status === 'internal_failure')
      throw new ConflictError('Stripe could not advance the test clock: it reports an internal failure.');
    if (Date.now() > deadline)
      throw new ConflictError('Stripe is still advancing the test clock; advance again in a moment.');
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/**
 * When Stripe will next act on a customer's invoices by itself: a renewal's draft finalized and charged,
 * a failed payment retried. A clock stopping there applies what happened at the time it happened.
 */
export async function upcomingStripeInvoiceMoments(customerId: string): Promise<Date[]> {
  const moments: Date[] = [];
  for (const status of ['draft', 'open'] as const) {
    const invoices = await callStripe('list the invoices', () =>
      stripe().invoices.list({ customer: customerId, status, limit: 100 }),
    );
    for (const invoice of invoices.data)
      for (const at of [invoice.automatically_finalizes_at, invoice.next_payment_attempt])
        if (at) moments.push(new Date(at * 1000));
  }
  return moments;
}

/** Every event stamped between `from` and `to` (inclusive; no end when `to` is null), oldest first. */
export async function listStripeEventsCreated({
  from,
  to,
}: {
  from: Date;
  to: Date | null;
}): Promise<Stripe.Event[]> {
  return callStripe('list the events', async () => {
    const found: Stripe.Event[] = [];
    const created = { gte: toStripeTime(from), ...(to && { lte: Math.ceil(to.getTime() / 1000) }) };
    for await (const event of stripe().events.list({ created, limit: 100 })) found.push(event);
    // Stripe lists newest first.
    return found.reverse();
  });
}

function plain(clock: Stripe.TestHelpers.TestClock): StripeTestClock {
  return { id: clock.id, frozenTime: new Date(clock.frozen_time * 1000), status: clock.status };
}

function toStripeTime(time: Date): number {
  return Math.floor(time.getTime() / 1000);
}
