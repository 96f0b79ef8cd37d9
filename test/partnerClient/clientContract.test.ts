import { Webhook } from 'standardwebhooks';
import {
  BILLING_ERROR_CODES,
  BillingApiError,
  createBillingClient,
  PARTNER_EVENT_TYPES,
  PlansDocument,
  AccountDocument,
  verifyWebhook,
  WebhookVerificationError,
} from '../../clients/typescript/src';
import { ERROR_CODES } from '../../server/errors';
import { SUBSCRIBABLE_EVENT_TYPES } from '../../server/partnerWebhooks/eventTypes';

/**
 * What the client promises beyond a round trip to the service (partnerPath.test.ts walks that): the
 * lists it ships stay those of the service, it sends what it is configured to, it turns answers that
 * are not the service's into typed errors, and verifyWebhook takes headers in every form servers give.
 */
describe('the client stays in step with the service', () => {
  it('knows every error code of the catalogue', () => {
    expect([...BILLING_ERROR_CODES].sort()).toEqual([...ERROR_CODES].sort());
  });

  it('knows every event type an endpoint may subscribe to', () => {
    expect([...PARTNER_EVENT_TYPES].sort()).toEqual([...SUBSCRIBABLE_EVENT_TYPES].sort());
  });
});

describe('requests', () => {
  const answer = (status: number, body: string, contentType = 'application/json') =>
    new Response(body, { status, headers: { 'content-type': contentType } });

  it('posts the operation with the key and extra headers through the fetch it is given', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const billing = createBillingClient({
      url: 'https://billing.example/graphql',
      apiKey: 'bsk_abc_def',
      headers: { 'x-request-id': 'req-1', authorization: 'ignored' },
      fetch: async (url, init) => {
        calls.push({ url: String(url), init: init! });
        return answer(200, JSON.stringify({ data: { plans: [] } }));
      },
    });
    expect(await billing.plans()).toEqual([]);
    expect(calls).toHaveLength(1);
    const [{ url, init }] = calls;
    expect(url).toBe('https://billing.example/graphql');
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({
      authorization: 'Bearer bsk_abc_def',
      'content-type': 'application/json',
      'x-request-id': 'req-1',
    });
    expect(JSON.parse(String(init.body))).toEqual({ query: PlansDocument.toString(), variables: {} });
  });

  it('turns an answer that is not the service JSON into a typed error with its status', async () => {
    const billing = createBillingClient({
      url: 'https://billing.example/graphql',
      apiKey: 'bsk_abc_def',
      fetch: async () => answer(502, '<html>Bad gateway</html>', 'text/html'),
    });
    await expect(billing.request(AccountDocument, { externalId: 'org_1' })).rejects.toMatchObject({
      name: 'BillingApiError',
      code: 'INTERNAL',
      status: 502,
      field: null,
    });
  });

  it('keeps every error of a response, the first one as the error', async () => {
    const errors = [
      { message: 'Too many requests.', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 7 } },
      { message: 'Another.', extensions: { code: 'INTERNAL' } },
    ];
    const billing = createBillingClient({
      url: 'https://billing.example/graphql',
      apiKey: 'bsk_abc_def',
      fetch: async () => answer(429, JSON.stringify({ errors })),
    });
    const error = (await billing.plans().catch((thrown: unknown) => thrown)) as BillingApiError;
    expect(error).toBeInstanceOf(BillingApiError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 7, status: 429, errors });
  });

  it('types each operation by its document', () => {
    const billing = createBillingClient({ url: 'https://billing.example/graphql', apiKey: 'k' });
    const typed = () => {
      // @ts-expect-error: an operation with variables needs them.
      void billing.request(AccountDocument);
      // @ts-expect-error: an unknown variable.
      void billing.request(AccountDocument, { accountExternalId: 'x' });
      // @ts-expect-error: a required input field is missing.
      void billing.consumeCredits({ externalId: 'org_1', amountMilliCredits: 1 });
      // @ts-expect-error: the account is named by one of its ids.
      void billing.checkEntitlement({ featureKey: 'projects' });
    };
    expect(typed).toBeInstanceOf(Function);
  });
});

describe('verifyWebhook', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const event = {
    id: 'evt-1',
    type: 'credits.low_balance',
    accountId: 'acc-1',
    accountExternalId: 'org_1',
    sequence: 3,
    createdAt: '2026-03-01T12:00:00.000Z',
    data: { balanceMilliCredits: 90_000, thresholdMilliCredits: 100_000 },
  };
  const body = JSON.stringify(event);
  const signed = (at = new Date(), payload = body) => ({
    'webhook-id': event.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(event.id, at, payload),
  });

  it('accepts headers as a plain object, a Fetch Headers, and with two signatures during a rotation', () => {
    const headers = signed();
    expect(verifyWebhook(body, headers, secret)).toEqual(event);
    expect(verifyWebhook(new TextEncoder().encode(body), new Headers(headers), secret)).toEqual(event);
    const shouting = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toUpperCase(), value]),
    );
    expect(verifyWebhook(body, shouting, secret)).toEqual(event);
    const previous = new Webhook('whsec_' + Buffer.from('p'.repeat(24)).toString('base64'));
    const rotating = {
      ...headers,
      'webhook-signature': `${previous.sign(event.id, new Date(), body)} ${headers['webhook-signature']}`,
    };
    expect(verifyWebhook(body, rotating, secret)).toEqual(event);
  });

  it('refuses an old delivery, a missing signature, and a signed payload that is not an event', () => {
    const stale = new Date(Date.now() - 10 * 60 * 1000);
    expect(() => verifyWebhook(body, signed(stale), secret)).toThrow(WebhookVerificationError);
    const { 'webhook-signature': _signature, ...unsigned } = signed();
    expect(() => verifyWebhook(body, unsigned, secret)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook('[1,2]', signed(new Date(), '[1,2]'), secret)).toThrow(
      WebhookVerificationError,
    );
  });
});
