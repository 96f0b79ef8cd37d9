import { Model } from 'objection';
import { systemActor } from '../../server/auth/actor';
import { ManualClock, useClock } from '../../server/clock';
import { ValidationError } from '../../server/errors';
import { deliverPartnerWebhooks, RETRY_DELAYS_MS } from '../../server/partnerWebhooks/delivery';
import {
  createWebhookEndpoint,
  rotateWebhookEndpointSecret,
  updateWebhookEndpoint,
} from '../../server/partnerWebhooks/endpoints';
import type { PartnerEventType } from '../../server/partnerWebhooks/eventTypes';
import { recordPartnerEvent } from '../../server/partnerWebhooks/events';
import { useSettings } from '../../server/settings';
import { createAccount, createUser } from '../factories';
import { useTestDatabase } from '../support/database';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';

/**
 * Delivery of the partner outbox, driven by running the job's function and moving the clock: order per
 * account, retries with the same webhook-id on the backoff schedule, disabling an endpoint that keeps
 * failing, secret rotation, refusing private addresses, and bounded tries.
 */
const db = useTestDatabase();
const actor = systemActor('test');
const LIMITS = { allowPrivateAddresses: true, timeoutMs: 2_000, maxResponseBytes: 64 * 1024 };
let clock: ManualClock;
let restoreClock: () => void;
let restoreSettings: () => void;
let receiver: WebhookReceiver;

beforeEach(async () => {
  clock = new ManualClock(new Date('2026-03-01T12:00:00Z'));
  restoreClock = useClock(clock);
  restoreSettings = useSettings({ partnerWebhooks: LIMITS });
  receiver = await startWebhookReceiver();
  // Each test starts with no endpoint, so earlier tests' events and deliveries do not reach it.
  await db.knex('webhookEndpoints').delete();
  await db.knex('partnerEvents').update({ fannedOutAt: new Date() });
});

afterEach(async () => {
  await receiver.close();
  restoreSettings();
  restoreClock();
});

async function endpointFor(options: { accountId?: string; url?: string; eventTypes?: string[] } = {}) {
  const created = await createWebhookEndpoint({ actor, url: options.url ?? receiver.url, ...options });
  receiver.secrets.push(created.secret);
  return created;
}

function event(accountId: string, payload: Record<string, unknown>, type: PartnerEventType = 'invoice.paid') {
  return Model.knex().transaction((trx) => recordPartnerEvent({ trx, accountId, type, payload }));
}

/** An account whose own events (its creation, its free plan) are out of the way: these tests write their own. */
async function anAccount(options: Parameters<typeof createAccount>[0] = {}) {
  const account = await createAccount(options);
  await db.knex('partnerEvents').where({ accountId: account.id }).update({ fannedOutAt: new Date() });
  return account;
}

const run = () => deliverPartnerWebhooks({ limits: { ...LIMITS } });
const acceptedOf = (accountId: string) =>
  receiver.accepted.filter((delivery) => delivery.event.accountId === accountId).map((d) => d.event.data.n);

describe('partner webhook delivery', () => {
  it('delivers every event once, verified, in order per account; a receiver that fails and recovers gets the rest in order, with the same webhook-id', async () => {
    const [first, second] = [await anAccount(), await anAccount()];
    await endpointFor();
    for (const n of [1, 2, 3]) await event(first.id, { n });
    for (const n of [1, 2]) await event(second.id, { n });
    let failed = false;
    receiver.respond = (delivery, response) => {
      if (delivery.event.accountId === first.id && !failed) {
        failed = true;
        return response.writeHead(500).end('not now');
      }
      response.writeHead(204).end();
    };

    expect(await run()).toMatchObject({ fannedOut: 5, succeeded: 2, failed: 1 });
    expect(acceptedOf(second.id)).toEqual([1, 2]);
    // The first account's later events wait behind the one that failed.
    expect(acceptedOf(first.id)).toEqual([]);
    expect(await run()).toMatchObject({ succeeded: 0, failed: 0 });

    clock.advance(RETRY_DELAYS_MS[0]!);
    expect(await run()).toMatchObject({ succeeded: 3, failed: 0 });
    expect(acceptedOf(first.id)).toEqual([1, 2, 3]);
    const firstEvent = receiver.received.filter(
      (delivery) => delivery.event.accountId === first.id && delivery.event.data.n === 1,
    );
    expect(firstEvent).toHaveLength(2);
    expect(firstEvent[0]!.id).toBe(firstEvent[1]!.id);
    expect(firstEvent[0]!.id).toBe(firstEvent[0]!.event.id);
    expect(receiver.received.every((delivery) => delivery.verifiedWith.length === 1)).toBe(true);
    // Each account's own first events (its creation, its free plan) are 1 and 2.
    expect(receiver.accepted.map((delivery) => delivery.event.sequence)).toEqual([3, 4, 3, 4, 5]);
    expect(await run()).toMatchObject({ fannedOut: 0, succeeded: 0, failed: 0 });
  });

  it('sends only the types an endpoint wants and only its account’s events', async () => {
    const [mine, other] = [await anAccount(), await anAccount()];
    await endpointFor({ accountId: mine.id, eventTypes: ['subscription.updated'] });
    await event(mine.id, { n: 1 }, 'invoice.paid');
    await event(mine.id, { n: 2 }, 'subscription.updated');
    await event(other.id, { n: 3 }, 'subscription.updated');
    await run();
    expect(receiver.accepted.map((delivery) => [delivery.event.type, delivery.event.data.n])).toEqual([
      ['subscription.updated', 2],
    ]);
  });

  it('retries on the backoff schedule as the clock moves, then fails the delivery and disables the endpoint', async () => {
    const account = await anAccount({ billingEmail: 'partner-ops@customer.test' });
    const { endpoint } = await endpointFor({ accountId: account.id });
    receiver.respond = (_delivery, response) => response.writeHead(503).end('down');
    await event(account.id, { n: 1 });

    const tries = () => receiver.received.length;
    await run();
    for (const [index, delay] of RETRY_DELAYS_MS.entries()) {
      const delivery = await db.knex('webhookDeliveries').where({ endpointId: endpoint.id }).first();
      expect({ index, status: delivery.status, next: delivery.nextAttemptAt }).toEqual({
        index,
        status: 'pending',
        next: new Date(clock.now().getTime() + delay),
      });
      clock.advance(delay - 1000);
      await run();
      expect(tries()).toBe(index + 1);
      clock.advance(1000);
      await run();
      expect(tries()).toBe(index + 2);
    }
    const delivery = await db.knex('webhookDeliveries').where({ endpointId: endpoint.id }).first();
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: RETRY_DELAYS_MS.length + 1 });
    const attempts = await db.knex('webhookDeliveryAttempts').where({ deliveryId: delivery.id });
    expect(attempts).toHaveLength(RETRY_DELAYS_MS.length + 1);
    expect(attempts[0]).toMatchObject({ statusCode: 503, responseExcerpt: 'down', error: 'HTTP 503' });

    const disabled = await db.knex('webhookEndpoints').where({ id: endpoint.id }).first();
    expect(disabled).toMatchObject({ enabled: false, disabledReason: 'Every delivery failed for 3 days.' });
    expect(
      await db.knex('auditLog').where({ action: 'webhook_endpoint.disabled', targetId: endpoint.id }),
    ).toHaveLength(1);
    expect(
      await db.knex('notifications').where({ accountId: account.id, kind: 'webhook_endpoint_disabled' }),
    ).toHaveLength(1);

    // A disabled endpoint hears of nothing; enabled again, it hears of what happens from then on.
    receiver.respond = (_delivery, response) => response.writeHead(200).end();
    await event(account.id, { n: 2 });
    await run();
    expect(receiver.accepted).toEqual([]);
    const enabled = await updateWebhookEndpoint({ actor, id: endpoint.id, enabled: true });
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null });
    await event(account.id, { n: 3 });
    await run();
    expect(acceptedOf(account.id)).toEqual([3]);
  });

  it('tells the platform administrators when a platform-wide endpoint is disabled', async () => {
    const admin = await createUser({ isPlatformAdmin: true });
    const account = await anAccount();
    const { endpoint } = await endpointFor();
    receiver.respond = (_delivery, response) => response.writeHead(500).end();
    await event(account.id, { n: 1 });
    await run();
    for (const delay of RETRY_DELAYS_MS) {
      clock.advance(delay);
      await run();
    }
    expect(await db.knex('webhookEndpoints').where({ id: endpoint.id }).first()).toMatchObject({
      enabled: false,
    });
    expect(
      await db.knex('notifications').where({ userId: admin.id, kind: 'webhook_endpoint_disabled' }),
    ).toEqual([expect.objectContaining({ recipient: admin.email, accountId: null })]);
  });

  it('signs with both secrets for a day after a rotation, then with the new one only', async () => {
    const account = await anAccount();
    const { endpoint } = await endpointFor();
    const rotated = await rotateWebhookEndpointSecret({ actor, id: endpoint.id });
    expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(rotated.secret).not.toBe(receiver.secrets[0]);
    receiver.secrets.push(rotated.secret);

    await event(account.id, { n: 1 });
    await run();
    expect(receiver.accepted.map((delivery) => delivery.verifiedWith)).toEqual([[0, 1]]);
    expect(receiver.accepted[0]!.signature.split(' ')).toHaveLength(2);

    clock.advance(24 * 60 * 60 * 1000);
    await event(account.id, { n: 2 });
    await run();
    expect(receiver.received.map((delivery) => delivery.verifiedWith)).toEqual([[0, 1], [1]]);
  });

  describe('private addresses', () => {
    const privateUrls = [
      'http://127.0.0.1:8080/hooks',
      'http://localhost/hooks',
      'http://10.1.2.3/hooks',
      'http://192.168.0.10/hooks',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hooks',
      'http://[fd00::1]/hooks',
      'http://[::ffff:10.0.0.1]/hooks',
    ];

    it.each(privateUrls)('refuses %s when they are not allowed, writing nothing', async (url) => {
      const restore = useSettings({ partnerWebhooks: { ...LIMITS, allowPrivateAddresses: false } });
      try {
        const refusal = await createWebhookEndpoint({ actor, url }).catch((error: unknown) => error);
        expect(refusal).toBeInstanceOf(ValidationError);
        expect((refusal as ValidationError).fieldErrors).toEqual({
          url: 'must not point to a private, loopback or link-local address',
        });
        expect(await db.knex('webhookEndpoints').count()).toEqual([{ count: 0 }]);
      } finally {
        restore();
      }
    });

    it('checks the address a name resolves to when it delivers, and an address saved while allowed', async () => {
      const account = await anAccount();
      const port = new URL(receiver.url).port;
      await endpointFor({ url: `http://localhost:${port}/hooks` });
      await endpointFor();
      await event(account.id, { n: 1 });
      const refused = await deliverPartnerWebhooks({ limits: { ...LIMITS, allowPrivateAddresses: false } });
      expect(refused).toMatchObject({ succeeded: 0, failed: 2 });
      expect(receiver.received).toEqual([]);
      const errors = (await db.knex('webhookDeliveryAttempts').orderBy('error')).map((row) => row.error);
      expect(errors).toEqual([
        '127.0.0.1 is a private address',
        expect.stringMatching(/^localhost resolves to (127\.0\.0\.1|::1), a private address$/),
      ]);

      clock.advance(RETRY_DELAYS_MS[0]!);
      expect(await run()).toMatchObject({ succeeded: 2 });
    });
  });

  it('cuts off a slow and a huge receiver at their limits without holding up the others', async () => {
    const account = await anAccount();
    const slow = await startWebhookReceiver();
    const huge = await startWebhookReceiver();
    try {
      slow.respond = () => undefined; // never answers
      huge.respond = (_delivery, response) => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.write('x'.repeat(8 * 1024));
        response.write('y'.repeat(8 * 1024));
      }; // and never ends
      const slowEndpoint = await endpointFor({ url: slow.url });
      const hugeEndpoint = await endpointFor({ url: huge.url });
      await endpointFor();
      await event(account.id, { n: 1 });

      const outcome = await deliverPartnerWebhooks({
        limits: { allowPrivateAddresses: true, timeoutMs: 300, maxResponseBytes: 4 * 1024 },
      });
      expect(outcome).toMatchObject({ succeeded: 2, failed: 1 });
      expect(acceptedOf(account.id)).toEqual([1]);
      const attemptOf = async (endpointId: string) =>
        db
          .knex('webhookDeliveryAttempts')
          .join('webhookDeliveries', 'webhookDeliveries.id', 'webhookDeliveryAttempts.deliveryId')
          .where({ endpointId })
          .first();
      expect(await attemptOf(slowEndpoint.endpoint.id)).toMatchObject({
        statusCode: null,
        error: 'timed out after 300 ms',
      });
      const cut = await attemptOf(hugeEndpoint.endpoint.id);
      expect(cut).toMatchObject({ statusCode: 200, error: 'response cut off after 4096 bytes' });
      expect(cut.responseExcerpt).toBe('x'.repeat(1024));
    } finally {
      await slow.close();
      await huge.close();
    }
  });
});
