import type { Logger } from '../logger';
import { listStripeEventsSince } from '../stripe/testClocks';
import { processStripeEvent } from './processStripeEvent';

/**
 * Applies the Stripe events made since `since` without waiting for their webhooks: a test clock's
 * advance (server/testClocks/) must see Stripe's renewal applied before it runs the jobs that follow
 * it. Each event is applied exactly once whichever way it arrives, so the webhook that delivers it later
 * changes nothing. One that fails is recorded as failed and retried by the job, as a failed delivery is.
 */
export async function applyStripeEventsSince({
  since,
  logger,
}: {
  since: Date;
  logger?: Logger;
}): Promise<void> {
  for (const event of await listStripeEventsSince(since)) {
    try {
      await processStripeEvent({ event });
    } catch (error) {
      logger?.warn(
        { err: error, eventId: event.id, type: event.type },
        'a Stripe event failed during an advance',
      );
    }
  }
}
