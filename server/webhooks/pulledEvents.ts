import type { Logger } from '../logger';
import { listStripeEventsCreated } from '../stripe/testClocks';
import { processStripeEvent } from './processStripeEvent';

/**
 * Applies the Stripe events one step of a test clock's advance made, without waiting for their webhooks:
 * the advance must see Stripe's renewal applied before it runs the jobs that follow it
 * (server/testClocks/). Stripe may stamp such events with the real time of the step, or (as the
 * emulator does for objects on a clock) with the clock's time, which lies after the step's start;
 * both ranges are read, so earlier steps' events are not read again. Each event is applied exactly
 * once whichever way it arrives, so the webhook that delivers it later changes nothing. One that fails
 * is recorded as failed and retried by the job, as a failed delivery is.
 */
export async function applyStripeEventsOfStep({
  realStart,
  clockStart,
  logger,
}: {
  realStart: Date;
  clockStart: Date;
  logger?: Logger;
}): Promise<void> {
  const realTime = await listStripeEventsCreated({ from: realStart, to: new Date() });
  const clockTime = await listStripeEventsCreated({ from: clockStart, to: null });
  const seen = new Set<string>();
  for (const event of [...realTime, ...clockTime]) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
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
