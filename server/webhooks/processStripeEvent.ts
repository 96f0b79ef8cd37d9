import type Stripe from 'stripe';
import { atSimulatedTime, now } from '../clock';
import { Model } from 'objection';
import { forgetEntitlements } from '../entitlements/entitlementProfile';
import { STRIPE_EVENT_HANDLERS } from './handlers';
import { accountClockTime } from '../testClocks/accountTime';
import { StripeEvent } from './StripeEvent';

export type ProcessingOutcome = 'processed' | 'ignored' | 'duplicate';

/**
 * Applies one Stripe event exactly once. The event's row in `stripe_events` is written in the same
 * transaction as its effect: a second delivery (even one arriving at the same moment, on another
 * server process) waits on that row, then finds it processed and does nothing. A failing handler rolls
 * its effect back, is recorded as failed with its error, and rethrows so the route answers 500 and
 * Stripe retries. `replay` re-applies an event already processed (handlers converge, so it is safe).
 */
export async function processStripeEvent({
  event,
  replay = false,
}: {
  event: Stripe.Event;
  replay?: boolean;
}): Promise<ProcessingOutcome> {
  const handler = STRIPE_EVENT_HANDLERS[event.type];
  let accountId: string | null = null;
  // An event about an account on a test clock is applied at the clock's time (server/testClocks/). Read
  // before the transaction: inside it, a read on a second connection could wait for a pool that every
  // delivery waiting on this event's row or account lock already holds.
  const clockTime = await accountClockTime({ stripeCustomerId: customerOf(event) });
  try {
    return await Model.knex().transaction(async (trx) => {
      await trx('stripeEvents').insert(eventRow(event)).onConflict('id').ignore();
      const row = await StripeEvent.query(trx).findById(event.id).forUpdate().throwIfNotFound();
      if (!replay && (row.status === 'processed' || row.status === 'ignored')) return 'duplicate';

      const result = handler
        ? await atSimulatedTime(clockTime, () => handler({ trx, event }))
        : { accountId: null, ignored: `no handler for ${event.type}` };
      accountId = result.accountId;
      const ignored = result.ignored !== undefined;
      await StripeEvent.query(trx)
        .findById(event.id)
        .patch({
          status: ignored ? 'ignored' : 'processed',
          accountId: result.accountId,
          attempts: row.attempts + 1,
          lastError: result.ignored ?? null,
          processedAt: now(),
        });
      return ignored ? 'ignored' : 'processed';
    });
  } catch (error) {
    await recordFailure(event, error);
    throw error;
  } finally {
    if (accountId) forgetEntitlements(accountId);
  }
}

/** The Stripe customer an event's object belongs to, as the payload says (enough to pick a clock). */
function customerOf(event: Stripe.Event): string | null {
  const object = event.data.object as { object?: string; id?: string; customer?: unknown };
  if (object.object === 'customer') return object.id ?? null;
  const { customer } = object;
  if (typeof customer === 'string') return customer;
  if (customer && typeof customer === 'object' && 'id' in customer) return String(customer.id);
  return null;
}

async function recordFailure(event: Stripe.Event, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await Model.knex()('stripeEvents')
    .insert({ ...eventRow(event), status: 'failed', attempts: 1, lastError: message })
    .onConflict('id')
    .merge({
      status: Model.knex().raw(
        `case when stripe_events.status = 'processed' then stripe_events.status else 'failed' end`,
      ),
      attempts: Model.knex().raw('stripe_events.attempts + 1'),
      lastError: message,
    });
}

function eventRow(event: Stripe.Event) {
  return {
    id: event.id,
    type: event.type,
    apiVersion: event.api_version,
    livemode: event.livemode,
    payload: event,
    status: 'received',
    stripeCreatedAt: new Date(event.created * 1000),
  };
}
