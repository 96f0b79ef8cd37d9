import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BillingApiError,
  createBillingClient,
  verifyWebhook,
  WebhookVerificationError,
  type BillingClient,
  type PartnerWebhookEvent,
} from '../../clients/typescript/src';
import { API_SCOPES } from '../../server/auth/scopes';
import { deliverPartnerWebhooks } from '../../server/partnerWebhooks/delivery';
import { useSettings } from '../../server/settings';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createPartnerKey } from '../factories';
import { useBillingStack } from '../support/billingStack';

/**
 * A partner's whole path through the typed client alone, against the real service over HTTP: its
 * webhook endpoint, a customer provisioned by the partner's own id, a plan sold through Checkout with
 * the partner's return pages, the events verified with the client's helper, then usage, entitlements,
 * credits and invoices, and refusals surfaced as typed errors.
 */
const stack = useBillingStack();
const PARTNER = 'https://app.partner.example';
const LIMITS = { allowPrivateAddresses: true, timeoutMs: 5_000, maxResponseBytes: 64 * 1024 };
// Everything a partner does with its customers; the catalog is the platform's own.
const PARTNER_SCOPES = API_SCOPES.filter((scope) => scope !== 'catalog:write');

let billing: BillingClient;
/** The endpoint's first secret, which signed the first deliveries. */
let firstSecret: string;
let receiver: PartnerReceiver;
let restoreSettings: () => void;

beforeAll(async () => {
  restoreSettings = useSettings({
    partnerWebhooks: LIMITS,
    partnerReturnUrls: { origins: [PARTNER], allowHttp: false },
  });
  const key = await createPartnerKey({ scopes: PARTNER_SCOPES });
  billing = createBillingClient({ url: `${stack.app.url}/graphql`, apiKey: key.secret });
  receiver = await startPartnerReceiver();
});

afterAll(async () => {
  await receiver.close();
  restoreSettings();
});

describe("a partner's whole path through the client", () => {
  const externalId = 'org_path_42';
  let accountId: string;
  let endpointId: string;

  it('registers a webhook endpoint and keeps its secret', async () => {
    const { secret, endpoint } = await billing.createWebhookEndpoint({
      url: receiver.url,
      description: 'Partner backend',
    });
    expect(secret).toMatch(/^whsec_/);
    expect(endpoint).toMatchObject({ url: receiver.url, enabled: true, eventTypes: [], accountId: null });
    receiver.secret = secret;
    firstSecret = secret;
    endpointId = endpoint.id;
    expect((await billing.webhookEndpoints()).map((listed) => listed.id)).toContain(endpointId);
  });

  it('provisions the customer by its own id, once however often it is called', async () => {
    const input = { externalId, name: 'Acme', billingEmail: 'billing@acme.example', currency: 'usd' };
    const first = await billing.upsertAccount(input);
    expect(first).toMatchObject({ created: true, account: { externalId, name: 'Acme', currency: 'usd' } });
    accountId = first.account.id;
    const again = await billing.upsertAccount({ ...input, name: 'Acme Inc.' });
    expect(again).toEqual({ created: false, account: { ...first.account, name: 'Acme Inc.' } });
    expect(await billing.account({ externalId })).toEqual(again.account);
    expect((await billing.subscription({ externalId }))?.plan.key).toBe('free');
  });

  it('sells a plan through Checkout that returns to the partner, and hears of it by a verified webhook', async () => {
    const input = {
      externalId,
      planKey: 'pro_monthly',
      successUrl: `${PARTNER}/welcome?session={CHECKOUT_SESSION_ID}`,
      cancelUrl: `${PARTNER}/pricing`,
      idempotencyKey: 'upgrade-org_path_42',
    };
    const checkout = await billing.startSubscriptionCheckout(input);
    expect(checkout.checkoutSession).toMatchObject({
      purpose: 'SUBSCRIPTION',
      status: 'OPEN',
      plan: { key: 'pro_monthly' },
    });
    // A retry with the same idempotency key returns the same Checkout rather than opening another.
    expect(await billing.startSubscriptionCheckout(input)).toEqual(checkout);

    const paid = await submitCheckoutForm(checkout.url);
    expect(paid.status).toBe(303);
    expect(paid.location).toMatch(new RegExp(`^${PARTNER}/welcome\\?session=cs_`));
    await stack.settle();
    await deliverPartnerWebhooks({ limits: LIMITS });

    expect(receiver.refused).toEqual([]);
    const completed = receiver.events.find((event) => event.type === 'checkout.completed');
    if (completed?.type !== 'checkout.completed') throw new Error('no checkout.completed event');
    expect(completed).toMatchObject({
      accountId,
      accountExternalId: externalId,
      data: { id: checkout.checkoutSession.id, purpose: 'SUBSCRIPTION', plan: { key: 'pro_monthly' } },
    });
    const sequences = receiver.events.map((event) => event.sequence);
    expect(sequences).toEqual(sequences.map((_sequence, index) => index + 1));

    expect(await billing.checkoutSession({ externalId }, checkout.checkoutSession.id)).toMatchObject({
      status: 'COMPLETED',
    });
    expect(await billing.subscription({ accountId, externalId })).toMatchObject({
      status: 'TRIALING',
      plan: { key: 'pro_monthly' },
      cancelAtPeriodEnd: false,
    });
  });

  it('records usage once however often a batch is sent, and reports a bad event by its index', async () => {
    const events = [
      {
        externalId,
        meterKey: 'api_calls',
        quantity: 40,
        occurredAt: new Date().toISOString(),
        idempotencyKey: 'req_1',
      },
      {
        externalId,
        meterKey: 'no_such_meter',
        quantity: 1,
        occurredAt: new Date().toISOString(),
        idempotencyKey: 'req_2',
      },
    ];
    const first = await billing.recordUsage({ events });
    expect(first).toMatchObject({ accepted: 1, duplicates: 0, rejected: 1 });
    expect(first.errors).toEqual([expect.objectContaining({ index: 1, field: 'meterKey' })]);
    expect(await billing.recordUsage({ events: events.slice(0, 1) })).toEqual({
      accepted: 0,
      duplicates: 1,
      rejected: 0,
      errors: [],
    });
    const summary = await billing.usageSummary({ externalId });
    expect(summary.find((usage) => usage.meter.key === 'api_calls')).toMatchObject({
      quantity: 40,
      included: 1_000_000,
    });
  });

  it('checks entitlements, metered and countable', async () => {
    expect(await billing.checkEntitlement({ externalId, featureKey: 'api_calls' })).toMatchObject({
      allowed: true,
      kind: 'METERED',
      limit: 1_000_000,
      used: 40,
      remaining: 999_960,
    });
    const registered = await billing.registerResource({
      externalId,
      featureKey: 'projects',
      resourceId: 'proj_1',
    });
    expect(registered).toMatchObject({ created: true, check: { used: 1, limit: 100, remaining: 99 } });
    expect(await billing.checkEntitlement({ externalId, featureKey: 'sso' })).toMatchObject({
      allowed: false,
    });
  });

  it('consumes credits atomically, replaying a retry, and reads the ledger', async () => {
    const { milliCredits: before } = await billing.creditBalance({ externalId });
    expect(before).toBe(1_000_000);
    const input = { externalId, idempotencyKey: 'run_1', amountMilliCredits: 2_500, description: 'Run 1' };
    const spent = await billing.consumeCredits(input);
    expect(spent).toMatchObject({
      chargedMilliCredits: 2_500,
      balanceAfterMilliCredits: 997_500,
      replayed: false,
    });
    expect(await billing.consumeCredits(input)).toMatchObject({
      balanceAfterMilliCredits: 997_500,
      replayed: true,
    });
    // The same key with another amount is a different request: refused, and nothing is spent.
    await expect(billing.consumeCredits({ ...input, amountMilliCredits: 3_000 })).rejects.toMatchObject({
      name: 'BillingApiError',
      code: 'CONFLICT',
    });
    expect((await billing.creditBalance({ externalId })).milliCredits).toBe(997_500);
    const ledger = await billing.creditLedger({ externalId }, { entryTypes: ['CONSUMPTION'] });
    expect(ledger.edges.map(({ node }) => node)).toEqual([
      expect.objectContaining({
        id: spent.ledgerEntry!.id,
        amountMilliCredits: -2_500,
        description: 'Run 1',
      }),
    ]);
  });

  it('reads the invoices Checkout made', async () => {
    const invoices = await billing.invoices({ externalId }, { first: 5 });
    expect(invoices.edges.map(({ node }) => node)).toEqual([
      expect.objectContaining({ status: 'PAID', total: { amount: 0, currency: 'usd' } }),
    ]);
    expect(invoices.pageInfo.hasNextPage).toBe(false);
  });

  it('reads its endpoint delivery log', async () => {
    const log = await billing.webhookDeliveries({ endpointId, first: 50 });
    expect(log.edges.map(({ node }) => node.event.id).sort()).toEqual(
      receiver.events.map((event) => event.id).sort(),
    );
    expect(log.edges.every(({ node }) => node.status === 'SUCCEEDED')).toBe(true);
  });

  it('manages its endpoint: a replay, a test delivery after a rotation, a pause and a removal', async () => {
    const checkoutEvent = receiver.events.find((event) => event.type === 'checkout.completed')!;
    const replayed = await billing.replayWebhookEvent({ eventId: checkoutEvent.id, endpointId });
    expect(replayed.map(({ status, event }) => ({ status, id: event.id }))).toEqual([
      { status: 'PENDING', id: checkoutEvent.id },
    ]);
    await deliverPartnerWebhooks({ limits: LIMITS });
    expect(receiver.events.at(-1)).toEqual(checkoutEvent);

    const previousSecret = receiver.secret;
    const rotated = await billing.rotateWebhookEndpointSecret(endpointId);
    expect(rotated.secret).not.toBe(previousSecret);
    expect(rotated.endpoint.previousSecretExpiresAt).toEqual(expect.any(String));
    receiver.secret = rotated.secret;
    const test = await billing.sendTestWebhook(endpointId);
    expect(test).toMatchObject({ status: 'SUCCEEDED', attempts: [{ statusCode: 204, error: null }] });
    const received = receiver.events.at(-1)!;
    expect(received).toMatchObject({ id: test.event.id, type: 'webhook.test', data: { endpointId } });
    // For the day a rotation lasts, a receiver still holding the previous secret verifies it too.
    const delivery = receiver.deliveries.at(-1)!;
    expect(verifyWebhook(delivery.body, delivery.headers, previousSecret)).toEqual(received);
    expect(receiver.refused).toEqual([]);

    expect(await billing.updateWebhookEndpoint(endpointId, { enabled: false })).toMatchObject({
      id: endpointId,
      enabled: false,
    });
    expect(await billing.deleteWebhookEndpoint(endpointId)).toMatchObject({ id: endpointId });
    expect((await billing.webhookEndpoints()).map((endpoint) => endpoint.id)).not.toContain(endpointId);
  });
});

describe('refusals, as typed errors', () => {
  const externalId = 'org_refusals';
  beforeAll(async () => {
    await billing.upsertAccount({ externalId, name: 'Refusals' });
  });

  const refusal = async (call: Promise<unknown>): Promise<BillingApiError> => {
    const error = await call.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(BillingApiError);
    return error as BillingApiError;
  };

  it('names the field of bad input, and opens nothing', async () => {
    const error = await refusal(
      billing.startSubscriptionCheckout({
        externalId,
        planKey: 'pro_monthly',
        successUrl: 'https://evil.example/welcome',
      }),
    );
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'successUrl', status: 200 });
    expect(error.fieldErrors.successUrl).toContain('is not an allowed return origin');
    expect(await stack.knex('checkoutSessions').where({ accountId: await idOf(externalId) })).toEqual([]);

    const endpoint = await refusal(billing.createWebhookEndpoint({ url: 'ftp://partner.example/hooks' }));
    expect(endpoint).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
  });

  it('tells short credits with the balance and what was required', async () => {
    const error = await refusal(
      billing.consumeCredits({ externalId, idempotencyKey: 'too_much', amountMilliCredits: 5_000 }),
    );
    expect(error).toMatchObject({
      code: 'INSUFFICIENT_CREDITS',
      extensions: expect.objectContaining({ balance: 0, required: 5_000 }),
    });
  });

  it('does not find an account it cannot see, and refuses an unknown key', async () => {
    expect(await refusal(billing.account({ externalId: 'nobody' }))).toMatchObject({ code: 'NOT_FOUND' });
    const stranger = createBillingClient({ url: `${stack.app.url}/graphql`, apiKey: 'bsk_nope_nope' });
    expect(await refusal(stranger.plans())).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });

  it('moves a new test account through time, and cannot move a customer that already paid', async () => {
    await billing.upsertAccount({ externalId: 'org_clock_7', name: 'Clockwork' });
    const attached = await billing.attachTestClock({ externalId: 'org_clock_7' });
    const start = new Date(attached.testClock!.frozenTime);
    const to = new Date(start.getTime() + 3 * 86_400_000);
    const moved = await billing.advanceTestClock({ externalId: 'org_clock_7', to: to.toISOString() });
    expect(moved).toMatchObject({ externalId: 'org_clock_7', testClock: { frozenTime: to.toISOString() } });
    // The customer who bought through Checkout above already has a Stripe customer in real time.
    expect(await refusal(billing.attachTestClock({ externalId: 'org_path_42' }))).toMatchObject({
      code: 'CONFLICT',
    });
  });
});

describe('verifyWebhook', () => {
  it('refuses a delivery whose body was changed, or that another secret signed', () => {
    const delivery = receiver.deliveries[0]!;
    expect(() => verifyWebhook(delivery.body, delivery.headers, firstSecret)).not.toThrow();
    expect(() =>
      verifyWebhook(
        delivery.body.toString().replace('"sequence":1', '"sequence":2'),
        delivery.headers,
        firstSecret,
      ),
    ).toThrow(WebhookVerificationError);
    expect(() =>
      verifyWebhook(delivery.body, delivery.headers, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'),
    ).toThrow(WebhookVerificationError);
  });
});

const idOf = async (externalId: string) =>
  (await stack.knex('accounts').where({ externalId }).first()).id as string;

interface PartnerReceiver {
  url: string;
  secret: string;
  /** Events that verified, in the order they arrived. */
  events: PartnerWebhookEvent[];
  /** Each delivery as it came: the raw body and Node's request headers. */
  deliveries: Array<{ body: Buffer; headers: Record<string, string | string[] | undefined> }>;
  refused: string[];
  close(): Promise<void>;
}

/** The partner's backend: verifies every delivery with the client's helper, answering 400 when it fails. */
async function startPartnerReceiver(): Promise<PartnerReceiver> {
  const receiver = { secret: '', events: [], deliveries: [], refused: [] } as unknown as PartnerReceiver;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      receiver.deliveries.push({ body, headers: request.headers });
      try {
        receiver.events.push(verifyWebhook(body, request.headers, firstSecret));
        response.writeHead(204).end();
      } catch (error) {
        receiver.refused.push(String(error));
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/billing-events`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
