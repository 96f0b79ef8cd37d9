import Stripe from 'stripe';
import { createLogger } from '../../server/logger';
import { createStripeWebhookReceiver } from '../../server/webhooks/receiver';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

const db = useTestDatabase();
const secret = 'whsec_signature_tests';
const stripe = new Stripe('sk_test_signatures');
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({
    database: db.knex,
    stripeWebhookReceiver: createStripeWebhookReceiver({
      stripe,
      secret,
      logger: createLogger({ level: 'silent' }),
    }),
  });
});
afterAll(() => app.close());

let sequence = 0;
function eventBody(): string {
  sequence += 1;
  return JSON.stringify({
    id: `evt_sig_${sequence}`,
    object: 'event',
    type: 'product.created',
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: { id: `prod_${sequence}`, object: 'product' } },
  });
}

async function deliver(body: string, signature?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== undefined) headers['stripe-signature'] = signature;
  const response = await fetch(`${app.url}/webhooks/stripe`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const sign = (payload: string, options: { secret?: string; timestamp?: number } = {}) =>
  stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? secret,
    timestamp: options.timestamp,
  });
const storedEvents = async () =>
  Number((await db.knex('stripe_events').count<{ count: number }[]>('* as count'))[0]!.count);

describe('POST /webhooks/stripe verifies every delivery', () => {
  it('accepts a correctly signed, current event and logs it', async () => {
    const body = eventBody();
    const { status, body: answer } = await deliver(body, sign(body));
    expect(status).toBe(200);
    expect(answer).toEqual({ received: true, outcome: 'ignored' });
    const row = await db
      .knex('stripe_events')
      .where({ id: JSON.parse(body).id })
      .first();
    expect(row).toMatchObject({
      type: 'product.created',
      status: 'ignored',
      attempts: 1,
      lastError: 'no handler for product.created',
    });
  });

  const refusals: Array<[string, (body: string) => string | undefined, RegExp]> = [
    ['a missing signature', () => undefined, /Missing Stripe-Signature/],
    ['a malformed signature', () => 'not-a-signature', /./],
    [
      'a signature made with the wrong secret',
      (body) => sign(body, { secret: 'whsec_someone_else' }),
      /No signatures found matching/,
    ],
    [
      'a signature of different bytes',
      (body) => sign(body.replace('product.created', 'product.updated')),
      /No signatures found matching/,
    ],
    [
      'a timestamp older than five minutes',
      (body) => sign(body, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      /Timestamp outside the tolerance zone/,
    ],
    [
      'a timestamp from the future',
      (body) => sign(body, { timestamp: Math.floor(Date.now() / 1000) + 600 }),
      /in the future/,
    ],
  ];

  it.each(refusals)('refuses %s with 400 and writes nothing', async (_case, signatureFor, reason) => {
    const before = await storedEvents();
    const body = eventBody();
    const { status, body: answer } = await deliver(body, signatureFor(body));
    expect(status).toBe(400);
    expect(answer.error).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(reason) });
    expect(await storedEvents()).toBe(before);
  });

  it('accepts a signature made a few seconds ahead of our clock', async () => {
    const body = eventBody();
    expect((await deliver(body, sign(body, { timestamp: Math.floor(Date.now() / 1000) + 5 }))).status).toBe(
      200,
    );
  });
});
