import type Stripe from 'stripe';
import type { Logger } from '../logger';
import { processStripeEvent } from './processStripeEvent';
import { StripeEvent } from './StripeEvent';

const MAX_ATTEMPTS = 10;

/**
 * Stripe retries failed deliveries for days, but gives up eventually, and a fix may land after it has.
 * This job re-applies failed events with a growing pause between attempts (the handlers converge on
 * Stripe's current state, so a late application is still right), up to ten attempts in all.
 */
export async function retryFailedStripeEvents({
  logger,
}: {
  logger: Logger;
}): Promise<{ retried: number; processed: number }> {
  const failed = await StripeEvent.query()
    .where({ status: 'failed' })
    .where('attempts', '<', MAX_ATTEMPTS)
    .whereRaw(`updated_at < now() - make_interval(mins => power(2, attempts)::int)`)
    .orderBy('receivedAt')
    .limit(100);
  let processed = 0;
  for (const event of failed) {
    try {
      await processStripeEvent({ event: event.payload as unknown as Stripe.Event });
      processed += 1;
    } catch (error) {
      logger.warn({ err: error, eventId: event.id }, 'a failed Stripe event failed again');
    }
  }
  return { retried: failed.length, processed };
}
