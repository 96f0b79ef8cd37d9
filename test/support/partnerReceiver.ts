import { systemActor } from '../../server/auth/actor';
import { deliverPartnerWebhooks } from '../../server/partnerWebhooks/delivery';
import { createWebhookEndpoint } from '../../server/partnerWebhooks/endpoints';
import { useSettings } from '../../server/settings';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from './webhookReceiver';

export const PARTNER_WEBHOOK_LIMITS = {
  allowPrivateAddresses: true,
  timeoutMs: 5_000,
  maxResponseBytes: 64 * 1024,
};

/**
 * A partner's receiver for a test file, subscribed to every event type through an endpoint for all
 * accounts; `run` is the delivery job, `receivedBy` what reached the receiver for one account.
 */
export function usePartnerReceiver() {
  const holder = {} as { receiver: WebhookReceiver; restoreSettings: () => void };
  beforeAll(async () => {
    holder.restoreSettings = useSettings({ partnerWebhooks: PARTNER_WEBHOOK_LIMITS });
    holder.receiver = await startWebhookReceiver();
    const { secret } = await createWebhookEndpoint({ actor: systemActor('test'), url: holder.receiver.url });
    holder.receiver.secrets.push(secret);
  });
  afterAll(async () => {
    await holder.receiver.close();
    holder.restoreSettings();
  });
  return {
    get receiver() {
      return holder.receiver;
    },
    run: () => deliverPartnerWebhooks({ limits: PARTNER_WEBHOOK_LIMITS }),
    receivedBy: (accountId: string): Array<ReceivedWebhook['event']> =>
      holder.receiver.accepted
        .filter((delivery) => delivery.event.accountId === accountId)
        .map((delivery) => delivery.event),
  };
}

/** Delivered in sequence from 1, with no gap and none twice. */
export function expectInSequence(events: Array<{ sequence: number | null; id: string }>) {
  expect(events.map((event) => event.sequence)).toEqual(events.map((_event, index) => index + 1));
  expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
}
