import { deliverPartnerWebhooks } from '../../server/partnerWebhooks/delivery';
import { useSettings } from '../../server/settings';
import { submitCheckoutForm, TEST_CARDS } from '../../server/stripe-emulator/testing';
import { createMember, createPartnerKey } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { deliverEvent, eventsAfter, newestEventId } from '../support/eventPermutations';
import type { Caller } from '../support/testApp';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';

/**
 * Partner webhooks end to end: endpoints managed through the API, money flows walked through the
 * Stripe emulator writing their events to the outbox, and the job delivering them to a receiver that
 * verifies each with the standardwebhooks package.
 */
const stack = useBillingStack();
const LIMITS = { allowPrivateAddresses: true, timeoutMs: 5_000, maxResponseBytes: 64 * 1024 };
let receiver: WebhookReceiver;
let partner: Caller;
let restoreSettings: () => void;

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url eventTypes enabled accountId } }
}`;

beforeAll(async () => {
  restoreSettings = useSettings({ partnerWebhooks: LIMITS });
  receiver = await startWebhookReceiver();
  partner = { apiKey: (await createPartnerKey({ scopes: ['webhooks:read', 'webhooks:write'] })).secret };
  const created = await stack.app.graphql(CREATE, { input: { url: receiver.url } }, partner);
  expect(created.errors).toBeUndefined();
  receiver.secrets.push(created.data!.createWebhookEndpoint.secret);
});

afterAll(async () => {
  await receiver.close();
  restoreSettings();
});

const run = () => deliverPartnerWebhooks({ limits: LIMITS });
const receivedBy = (accountId: string) =>
  receiver.accepted.filter((delivery) => delivery.event.accountId === accountId).map((d) => d.event);

async function planId(key: string): Promise<string> {
  return (await stack.knex('plans').where({ key, active: true }).first()).id;
}

describe('managing endpoints', () => {
  it('shows the secret once, as a whsec_ secret, and lists endpoints without it', async () => {
    expect(receiver.secrets[0]).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const listed = await stack.app.graphql('{ webhookEndpoints { id url eventTypes enabled } }', {}, partner);
    expect(listed.data!.webhookEndpoints).toEqual([
      { id: expect.any(String), url: receiver.url, eventTypes: [], enabled: true },
    ]);
    expect(JSON.stringify(listed)).not.toContain('whsec_');
  });

  it.each([
    [{ url: 'ftp://partner.test/hooks' }, 'url', 'must be an absolute http(s) URL'],
    [{ url: '/relative/hooks' }, 'url', 'must be an absolute http(s) URL'],
    [
      { url: 'https://partner.test/hooks', eventTypes: ['invoice.paid', 'nope'] },
      'eventTypes',
      expect.stringContaining('unknown event type "nope"'),
    ],
    [
      { url: 'https://partner.test/hooks', description: 'x'.repeat(501) },
      'description',
      'must be at most 500 characters',
    ],
  ])('refuses %j naming %s, writing nothing', async (input, field, problem) => {
    const before = await stack.knex('webhookEndpoints').count();
    const audit = await stack.knex('auditLog').count();
    const refused = await stack.app.graphql(CREATE, { input }, partner);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { [field]: problem },
    });
    expect(await stack.knex('webhookEndpoints').count()).toEqual(before);
    expect(await stack.knex('auditLog').count()).toEqual(audit);
  });

  it('refuses a private address when they are not allowed, naming the url', async () => {
    const restore = useSettings({ partnerWebhooks: { ...LIMITS, allowPrivateAddresses: false } });
    try {
      const refused = await stack.app.graphql(CREATE, { input: { url: 'http://10.0.0.7/hooks' } }, partner);
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: { url: 'must not point to a private, loopback or link-local address' },
      });
    } finally {
      restore();
    }
  });

  it('sends a test event now, and replays an event with the same webhook-id', async () => {
    const { data } = await stack.app.graphql('{ webhookEndpoints { id } }', {}, partner);
    const endpointId = data!.webhookEndpoints[0].id;
    const sent = await stack.app.graphql(
      `mutation($id: ID!) { sendTestWebhook(endpointId: $id) {
        id status event { id type } attempts { statusCode latencyMs error }
      } }`,
      { id: endpointId },
      partner,
    );
    expect(sent.errors).toBeUndefined();
    const delivery = sent.data!.sendTestWebhook;
    expect(delivery).toMatchObject({
      status: 'SUCCEEDED',
      event: { type: 'webhook.test' },
      attempts: [{ statusCode: 200, error: null }],
    });
    expect(receiver.accepted.at(-1)!.id).toBe(delivery.event.id);

    const replayed = await stack.app.graphql(
      'mutation($id: ID!) { replayWebhookEvent(eventId: $id) { status attemptCount } }',
      { id: delivery.event.id },
      partner,
    );
    expect(replayed.data!.replayWebhookEvent).toEqual([{ status: 'PENDING', attemptCount: 0 }]);
    await run();
    expect(receiver.accepted.slice(-2).map((received) => received.id)).toEqual([
      delivery.event.id,
      delivery.event.id,
    ]);

    const log = await stack.app.graphql(
      `query($id: ID!) { webhookDeliveries(endpointId: $id, first: 5) {
        edges { node { status event { type } attempts { statusCode } } }
      } }`,
      { id: endpointId },
      partner,
    );
    expect(log.data!.webhookDeliveries.edges[0].node).toEqual({
      status: 'SUCCEEDED',
      event: { type: 'webhook.test' },
      attempts: [{ statusCode: 200 }, { statusCode: 200 }],
    });
  });
});

describe('money flows', () => {
  it('a subscription Checkout tells the partner what happened, in sequence, once, however often Stripe redelivers', async () => {
    const mark = await newestEventId(stack.stripe);
    const { account, cookie } = await createMember({ role: 'owner' });
    const started = await stack.app.graphql(
      `mutation($input: StartSubscriptionCheckoutInput!) { startSubscriptionCheckout(input: $input) { url } }`,
      { input: { accountId: account.id, planId: await planId('pro_monthly') } },
      { cookie },
    );
    expect(
      (await submitCheckoutForm(started.data!.startSubscriptionCheckout.url, { card: TEST_CARDS.succeeds }))
        .status,
    ).toBe(303);
    await stack.settle();
    await run();

    const events = receivedBy(account.id);
    expect(events.map((event) => event.sequence)).toEqual(events.map((_event, index) => index + 1));
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    expect(events.slice(0, 2).map((event) => event.type)).toEqual([
      'account.created',
      'subscription.created',
    ]);
    expect(
      events
        .slice(2)
        .map((event) => event.type)
        .sort(),
    ).toEqual([
      'checkout.completed',
      'credits.granted',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'subscription.canceled',
      'subscription.created',
      'subscription.trial_started',
    ]);
    const created = events.slice(2).find((event) => event.type === 'subscription.created')!;
    expect(created.data).toMatchObject({
      status: 'TRIALING',
      plan: { key: 'pro_monthly' },
      cancelAtPeriodEnd: false,
      currentPeriodEnd: expect.any(String),
    });
    expect(events.find((event) => event.type === 'subscription.canceled')!.data).toMatchObject({
      plan: { key: 'free' },
      status: 'CANCELED',
    });
    expect(events.find((event) => event.type === 'invoice.paid')!.data).toMatchObject({
      status: 'PAID',
      total: { amount: 0, currency: 'usd' },
    });
    expect(events.every((event) => event.accountId === account.id)).toBe(true);

    // Stripe delivering every event of the flow again changes nothing and tells nobody anything.
    const count = await stack.knex('partnerEvents').where({ accountId: account.id }).count();
    for (const event of await eventsAfter(stack.stripe, mark))
      expect(await deliverEvent(stack, event)).toBe(200);
    expect(await stack.knex('partnerEvents').where({ accountId: account.id }).count()).toEqual(count);
    await run();
    expect(receivedBy(account.id)).toHaveLength(events.length);
  });

  it('a credit purchase grants its credits and completes its Checkout once', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const creditPackageId = (await stack.knex('creditPackages').first()).id;
    const started = await stack.app.graphql(
      'mutation($input: StartCreditPackageCheckoutInput!) { startCreditPackageCheckout(input: $input) { url } }',
      { input: { accountId: account.id, creditPackageId } },
      { cookie },
    );
    expect((await submitCheckoutForm(started.data!.startCreditPackageCheckout.url)).status).toBe(303);
    await stack.settle();
    await run();
    const events = receivedBy(account.id);
    expect(events.map((event) => [event.sequence, event.type])).toEqual([
      [1, 'account.created'],
      [2, 'subscription.created'],
      [3, 'payment.succeeded'],
      [4, 'credits.granted'],
      [5, 'checkout.completed'],
    ]);
    expect(events[2]!.data).toMatchObject({ type: 'CREDIT_TOP_UP', status: 'COMPLETED', automatic: false });
    expect(events[4]!.data).toMatchObject({
      purpose: 'CREDIT_TOP_UP',
      creditPackage: { price: { amount: expect.any(Number), currency: 'usd' } },
    });
  });
});
