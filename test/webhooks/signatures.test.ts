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

describe('the Stripe-Signature header is read as the SDK reads it', () => {
  const now = () => Math.floor(Date.now() / 1000);
  /** A header whose last `t=` (the one the SDK verifies) is the given one, after a harmless first one. */
  const withTwoTimestamps = (body: string, signedAt: number) => {
    const signed = sign(body, { timestamp: signedAt });
    return `t=${now()},${signed}`;
  };

  it('refuses a header whose verified timestamp is an hour ahead behind a current one, and writes nothing', async () => {
    const before = await storedEvents();
    const body = eventBody();
    const { status, body: answer } = await deliver(body, withTwoTimestamps(body, now() + 3600));
    expect(status).toBe(400);
    expect(answer.error.code).toBe('BAD_USER_INPUT');
    expect(await storedEvents()).toBe(before);
  });

  it('refuses a header with two timestamps even when both are current', async () => {
    const body = eventBody();
    expect((await deliver(body, withTwoTimestamps(body, now()))).status).toBe(400);
  });
});

describe('a validly signed body that is not an event', () => {
  const malformed: Array<[string, string]> = [
    ['an array', '[]'],
    ['an array of an event', `[${eventBody()}]`],
    ['an object without an id', JSON.stringify({ ...JSON.parse(eventBody()), id: undefined })],
    ['an object without a type', JSON.stringify({ ...JSON.parse(eventBody()), type: undefined })],
    ['an event without data', JSON.stringify({ ...JSON.parse(eventBody()), data: undefined })],
    [
      'an event whose object is not an object',
      JSON.stringify({ ...JSON.parse(eventBody()), data: { object: 'x' } }),
    ],
    ['a number', '42'],
    ['null', 'null'],
    ['not JSON at all', 'id=evt_1&type=invoice.paid'],
  ];

  it.each(malformed)('is %s: answered 400, not retried, and nothing is written', async (_case, body) => {
    const before = await storedEvents();
    const { status, body: answer } = await deliver(body, sign(body));
    expect(status).toBe(400);
    expect(answer.error.code).toBe('BAD_USER_INPUT');
    expect(await storedEvents()).toBe(before);
  });
});
