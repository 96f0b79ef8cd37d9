import type Stripe from 'stripe';
import type { Logger } from '../logger';
import { stripeEventLag, stripeEvents } from '../observability/metrics';
import { processStripeEvent } from './processStripeEvent';
import { verifyStripeDelivery } from './signature';
import type { StripeWebhookReceiver } from './stripeWebhookRoute';

/**
 * What POST /webhooks/stripe does with a delivery: 400 (and nothing written) unless the signature is
 * valid and current; 200 once the event is applied, or was already; 500 if applying it failed, so that
 * Stripe delivers it again.
 */
export function createStripeWebhookReceiver({
  stripe,
  secret,
  logger,
}: {
  stripe: Stripe;
  secret: string | undefined;
  logger: Logger;
}): StripeWebhookReceiver {
  return {
    async receive({ rawBody, signature }) {
      if (!secret)
        return {
          status: 400,
          body: { error: { code: 'BAD_USER_INPUT', message: 'Webhook signing secret is not configured.' } },
        };
      const verified = verifyStripeDelivery({ stripe, rawBody, signature, secret });
      if (!verified.ok) {
        logger.warn({ reason: verified.reason }, 'refused a Stripe webhook delivery');
        return { status: 400, body: { error: { code: 'BAD_USER_INPUT', message: verified.reason } } };
      }
      const { event } = verified;
      try {
        const outcome = await processStripeEvent({ event });
        logger.info({ eventId: event.id, type: event.type, outcome }, 'Stripe event');
        stripeEvents.inc({ type: event.type, outcome: String(outcome) });
        stripeEventLag.observe(Math.max(0, Date.now() / 1000 - event.created));
        return { status: 200, body: { received: true, outcome } };
      } catch (error) {
        stripeEvents.inc({ type: event.type, outcome: 'failed' });
        logger.error(
          { err: error, eventId: event.id, type: event.type },
          'Stripe event handler failed; Stripe will retry',
        );
        return {
          status: 500,
          body: {
            error: { code: 'INTERNAL', message: 'The event could not be processed; it will be retried.' },
          },
        };
      }
    },
  };
}
