import type Stripe from 'stripe';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { NotFoundError } from '../errors';
import { paginateNewestFirst, type Page } from '../pagination';
import { processStripeEvent } from './processStripeEvent';
import { StripeEvent, type StripeEventStatus } from './StripeEvent';

export type StripeEventPage = Page<StripeEvent>;

export async function listStripeEvents({
  actor,
  first,
  after,
  status,
  type,
}: {
  actor: Actor;
  first?: number | null;
  after?: string | null;
  status?: StripeEventStatus | null;
  type?: string | null;
}): Promise<StripeEventPage> {
  requirePlatformAdmin(actor);
  const query = StripeEvent.query();
  if (status) query.where({ status });
  if (type) query.where({ type });
  return paginateNewestFirst({
    query,
    timestampColumn: 'stripe_events.received_at',
    timestampOf: (event) => event.receivedAt,
    first,
    after,
    idPattern: /^evt_[A-Za-z0-9_]{1,250}$/,
  });
}

/** One stored event with its payload as Stripe sent it; null when we never received it. */
export async function findStripeEvent({
  actor,
  eventId,
}: {
  actor: Actor;
  eventId: string;
}): Promise<StripeEvent | null> {
  requirePlatformAdmin(actor);
  return (await StripeEvent.query().findById(eventId)) ?? null;
}

/** Applies a stored event again, for an admin fixing what a failed or missed delivery left behind. */
export async function replayStripeEvent({
  actor,
  eventId,
}: {
  actor: Actor;
  eventId: string;
}): Promise<StripeEvent> {
  requirePlatformAdmin(actor);
  const stored = await StripeEvent.query().findById(eventId);
  if (!stored) throw new NotFoundError('Stripe event');
  await processStripeEvent({ event: stored.payload as unknown as Stripe.Event, replay: true }).catch(
    () => undefined,
  );
  return StripeEvent.query().findById(eventId).throwIfNotFound();
}
