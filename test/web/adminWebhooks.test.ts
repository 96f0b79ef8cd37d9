import { deliverPartnerWebhooks } from '../../server/partnerWebhooks/delivery';
import { createMember, createUser, sessionCookieFor } from '../factories';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';
import { html, textOf } from './support/html';
import { useWebApp } from './support/webApp';

/**
 * The admin console's partner webhooks over HTTP, against a real receiver: endpoints listed, created
 * (their secret shown once), edited, disabled, rotated and deleted; the delivery log with its tries,
 * filters and pages; retries and replays. Customers are refused.
 */
const web = useWebApp({ source: 'vite' });
const LIMITS = { allowPrivateAddresses: true, timeoutMs: 2_000, maxResponseBytes: 64 * 1024 };

let admin: string;
let receiver: WebhookReceiver;
beforeAll(async () => {
  admin = await sessionCookieFor(await createUser({ isPlatformAdmin: true }));
});
beforeEach(async () => {
  receiver = await startWebhookReceiver();
});
afterEach(async () => {
  await receiver.close();
});

/** The value of the read-only field that shows a new signing secret, or null when the page has none. */
function shownSecret(page: string): string | null {
  return /id="signing-secret"[^>]*value="([^"]+)"/.exec(page)?.[1] ?? null;
}

/** Adds an endpoint through the form; returns its row and the page that answered. */
async function addEndpoint(fields: Record<string, string> = {}, eventTypes: string[] = ['invoice.paid']) {
  const form = new URLSearchParams({ url: receiver.url, description: '', scope: 'platform', ...fields });
  for (const type of eventTypes) form.append('eventTypes', type);
  const response = await fetch(`${web.url}/admin/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web.url, cookie: admin },
    body: form.toString(),
  });
  const page = await html(response);
  const endpoint = await web
    .knex('webhookEndpoints')
    .where({ url: form.get('url') })
    .orderBy('createdAt', 'desc')
    .first();
  return { response, page, endpoint };
}

describe('the endpoints list', () => {
  it('is refused to customers, who cannot add an endpoint either', async () => {
    const { cookie } = await createMember({ role: 'owner' });
    expect((await web.get('/admin/webhooks', { cookie })).status).toBe(403);
    const refused = await web.post('/admin/webhooks', { url: receiver.url, scope: 'platform' }, { cookie });
    expect(refused.status).toBe(403);
    expect(await web.knex('webhookEndpoints').where({ url: receiver.url }).first()).toBeUndefined();
  });

  it('adds an endpoint and shows its secret once, not on reload', async () => {
    const { response, page, endpoint } = await addEndpoint({ description: 'Partner CRM' }, [
      'subscription.updated',
      'invoice.paid',
    ]);
    expect(response.status).toBe(200);
    expect(endpoint).toMatchObject({
      accountId: null,
      description: 'Partner CRM',
      eventTypes: ['invoice.paid', 'subscription.updated'],
      enabled: true,
    });
    expect(shownSecret(page)).toBe(endpoint.secret);
    expect(page).toContain('it is shown only this once');

    const list = await html(await web.get('/admin/webhooks', { cookie: admin }));
    expect(list).toContain('Partner webhooks</a>');
    expect(list).toContain(`href="/admin/webhooks/${endpoint.id}">${receiver.url}</a>`);
    expect(list).toMatch(/Platform-wide.*invoice\.paid, subscription\.updated.*Enabled/s);
    expect(list).not.toContain(endpoint.secret);
    expect(shownSecret(list)).toBeNull();
  });

  it('binds an endpoint to one account', async () => {
    const { account } = await createMember({ role: 'owner' });
    const { endpoint } = await addEndpoint({
      url: `${receiver.url}/one`,
      scope: 'account',
      accountId: account.id,
    });
    expect(endpoint.accountId).toBe(account.id);
    const list = await html(await web.get('/admin/webhooks', { cookie: admin }));
    expect(list).toContain(`href="/admin/accounts/${account.id}">One account`);

    // The partner's external id names it as well as our id does.
    const byExternalId = await addEndpoint({
      url: `${receiver.url}/two`,
      scope: 'account',
      accountId: account.externalId,
    });
    expect(byExternalId.endpoint.accountId).toBe(account.id);
  });

  it('shows what the API refused next to its field, keeps what was typed, and adds nothing', async () => {
    const before = await web.knex('webhookEndpoints').count({ count: '*' }).first();
    const badUrl = await addEndpoint({ url: 'ftp://partner.test/hooks', description: 'Kept' });
    expect(textOf(badUrl.page, 'field-url-error')).toMatch(/http/);
    expect(badUrl.page).toMatch(/id="field-description"[^>]*value="Kept"/);
    expect(shownSecret(badUrl.page)).toBeNull();

    const noAccount = await addEndpoint({ url: `${receiver.url}/x`, scope: 'account', accountId: '' });
    expect(textOf(noAccount.page, 'field-accountId-error')).toBe(
      'Enter the id of the account whose events it hears.',
    );
    const unknownAccount = await addEndpoint({
      url: `${receiver.url}/x`,
      scope: 'account',
      accountId: '00000000-0000-4000-8000-000000000000',
    });
    const unknownExternalId = await addEndpoint({
      url: `${receiver.url}/x`,
      scope: 'account',
      accountId: 'no-such-partner-id',
    });
    for (const unknown of [unknownAccount, unknownExternalId])
      expect(textOf(unknown.page, 'field-accountId-error')).toBe('No account has this id or external id.');

    const unknownType = await addEndpoint({ url: `${receiver.url}/x` }, ['invoice.eaten']);
    expect(textOf(unknownType.page, 'eventTypes-error')).toMatch(
      /unknown event type &quot;invoice.eaten&quot;/,
    );
    expect(await web.knex('webhookEndpoints').count({ count: '*' }).first()).toEqual(before);
  });
});

describe('an endpoint page', () => {
  it('sends a test event, logs each try, retries a delivery and replays an event', async () => {
    const { endpoint, page: created } = await addEndpoint({ url: `${receiver.url}/log` });
    receiver.secrets.push(shownSecret(created)!);
    const path = `/admin/webhooks/${endpoint.id}`;

    const delivered = await html(await web.post(path, { intent: 'test' }, { cookie: admin }));
    expect(delivered).toMatch(/The test event was delivered: HTTP 200 in \d+ ms\./);
    const first = await receiver.waitFor((delivery) => delivery.event.type === 'webhook.test');
    expect(first.verifiedWith).toEqual([0]);

    receiver.respond = (_delivery, response) => response.writeHead(503).end('receiver down for maintenance');
    const refused = await html(await web.post(path, { intent: 'test' }, { cookie: admin }));
    expect(refused).toMatch(/The test event was not accepted \(HTTP 503 in \d+ ms\); it will be retried\./);

    const pending = await html(await web.get(`${path}?status=PENDING`, { cookie: admin }));
    expect(pending).toContain('receiver down for maintenance');
    expect(pending).toMatch(/Pending.*1 try.*next try/s);
    expect(pending).not.toContain(first.id);
    const failedDelivery = await web
      .knex('webhookDeliveries')
      .where({ endpointId: endpoint.id, status: 'pending' })
      .first();

    receiver.respond = (_delivery, response) => response.writeHead(200).end('ok');
    const retried = await html(
      await web.post(path, { intent: 'retry', deliveryId: failedDelivery.id }, { cookie: admin }),
    );
    expect(retried).toContain('The delivery will be sent again shortly.');
    await deliverPartnerWebhooks({ limits: LIMITS });
    const succeeded = await html(await web.get(`${path}?status=SUCCEEDED`, { cookie: admin }));
    expect(succeeded).toContain(failedDelivery.eventId);
    expect(succeeded).toMatch(/HTTP 503 in \d+ ms.*HTTP 200 in \d+ ms/s);

    const replayed = await html(
      await web.post(path, { intent: 'replay', eventId: first.id }, { cookie: admin }),
    );
    expect(replayed).toContain('The event will be delivered again shortly, with the same webhook-id.');
    await deliverPartnerWebhooks({ limits: LIMITS });
    expect(receiver.accepted.filter((delivery) => delivery.id === first.id)).toHaveLength(2);
  });

  it('pages through the delivery log', async () => {
    const { endpoint } = await addEndpoint({ url: `${receiver.url}/pages` });
    const path = `/admin/webhooks/${endpoint.id}`;
    for (let sent = 0; sent < 21; sent += 1) await web.post(path, { intent: 'test' }, { cookie: admin });
    const firstPage = await html(await web.get(path, { cookie: admin }));
    const next = /href="[^"?]*(\?after=[^"]+)">Next page/.exec(firstPage)?.[1];
    expect(next).toBeDefined();
    const secondPage = await html(
      await web.get(`${path}${next!.replaceAll('&amp;', '&')}`, { cookie: admin }),
    );
    const rows = (page: string) => page.match(/<strong>webhook\.test<\/strong>/g)?.length ?? 0;
    expect(rows(firstPage)).toBe(20);
    expect(rows(secondPage)).toBe(1);
  });

  it('rotates the secret: shown once, and deliveries carry both signatures meanwhile', async () => {
    const { endpoint, page } = await addEndpoint({ url: `${receiver.url}/rotate` });
    receiver.secrets.push(shownSecret(page)!);
    const path = `/admin/webhooks/${endpoint.id}`;
    const rotated = await html(await web.post(path, { intent: 'rotate' }, { cookie: admin }));
    const secret = shownSecret(rotated);
    expect(secret).not.toBeNull();
    expect(secret).not.toBe(receiver.secrets[0]);
    expect(rotated).toContain('The previous one keeps signing');
    expect(shownSecret(await html(await web.get(path, { cookie: admin })))).toBeNull();

    receiver.secrets.push(secret!);
    await web.post(path, { intent: 'test' }, { cookie: admin });
    const delivery = await receiver.waitFor((received) => received.event.type === 'webhook.test');
    expect(delivery.verifiedWith).toEqual([0, 1]);
  });

  it('disables, edits and deletes an endpoint after confirmation', async () => {
    const { endpoint } = await addEndpoint({ url: `${receiver.url}/edit` });
    const path = `/admin/webhooks/${endpoint.id}`;
    const disabled = await html(await web.post(path, { intent: 'disable' }, { cookie: admin }));
    expect(disabled).toContain('The endpoint is disabled');
    expect(disabled).toMatch(/Disabled.*Disabled by a platform administrator\./s);
    expect(await web.knex('webhookEndpoints').where({ id: endpoint.id }).first()).toMatchObject({
      enabled: false,
    });

    const badEdit = await html(
      await web.post(path, { intent: 'save', url: 'not a url', enabled: 'on' }, { cookie: admin }),
    );
    expect(textOf(badEdit, 'field-url-error')).not.toBeNull();
    expect(await web.knex('webhookEndpoints').where({ id: endpoint.id }).first()).toMatchObject({
      url: `${receiver.url}/edit`,
      enabled: false,
    });

    const saved = await html(
      await web.post(
        path,
        { intent: 'save', url: `${receiver.url}/edited`, description: 'Edited', enabled: 'on' },
        { cookie: admin },
      ),
    );
    expect(saved).toContain('The endpoint was saved.');
    expect(await web.knex('webhookEndpoints').where({ id: endpoint.id }).first()).toMatchObject({
      url: `${receiver.url}/edited`,
      description: 'Edited',
      eventTypes: [],
      enabled: true,
      disabledReason: null,
    });

    const confirm = await html(await web.get(`${path}?delete=confirm`, { cookie: admin }));
    expect(confirm).toContain('This cannot be undone.');
    const deleted = await web.post(path, { intent: 'delete' }, { cookie: admin });
    expect(deleted.headers.get('location')).toBe('/admin/webhooks?deleted=1');
    expect(await web.knex('webhookEndpoints').where({ id: endpoint.id }).first()).toBeUndefined();
  });

  it('is refused to customers, whose actions change nothing', async () => {
    const { endpoint } = await addEndpoint({ url: `${receiver.url}/private` });
    const { cookie } = await createMember({ role: 'owner' });
    const path = `/admin/webhooks/${endpoint.id}`;
    expect((await web.get(path, { cookie })).status).toBe(403);
    expect((await web.post(path, { intent: 'disable' }, { cookie })).status).toBe(403);
    expect((await web.post(path, { intent: 'rotate' }, { cookie })).status).toBe(403);
    expect(await web.knex('webhookEndpoints').where({ id: endpoint.id }).first()).toMatchObject({
      enabled: true,
      secret: endpoint.secret,
    });
  });
});

describe('account settings', () => {
  it('let owners add, test and rotate endpoints bound to their account, and list only those', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const platformWide = await addEndpoint({ url: `${receiver.url}/platform` });
    const { account: other } = await createMember({ role: 'owner' });
    const othersEndpoint = await addEndpoint({
      url: `${receiver.url}/other`,
      scope: 'account',
      accountId: other.id,
    });

    const form = new URLSearchParams({ url: `${receiver.url}/mine`, description: 'Our CRM' });
    form.append('eventTypes', 'invoice.paid');
    const created = await html(
      await fetch(`${web.url}/settings/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web.url, cookie },
        body: form.toString(),
      }),
    );
    const endpoint = await web
      .knex('webhookEndpoints')
      .where({ url: `${receiver.url}/mine` })
      .first();
    expect(endpoint).toMatchObject({ accountId: account.id, eventTypes: ['invoice.paid'] });
    expect(shownSecret(created)).toBe(endpoint.secret);
    receiver.secrets.push(endpoint.secret);

    const list = await html(await web.get('/settings/webhooks', { cookie }));
    expect(list).toContain(`href="/settings/webhooks/${endpoint.id}">${receiver.url}/mine</a>`);
    expect(list).not.toContain(platformWide.endpoint.id);
    expect(list).not.toContain(othersEndpoint.endpoint.id);
    expect(shownSecret(list)).toBeNull();

    const path = `/settings/webhooks/${endpoint.id}`;
    const tested = await html(await web.post(path, { intent: 'test' }, { cookie }));
    expect(tested).toMatch(/The test event was delivered: HTTP 200 in \d+ ms\./);
    expect(await html(await web.get(path, { cookie }))).toMatch(/webhook\.test.*Succeeded/s);
    const rotated = await html(await web.post(path, { intent: 'rotate' }, { cookie }));
    expect(shownSecret(rotated)).toBe(
      (await web.knex('webhookEndpoints').where({ id: endpoint.id }).first()).secret,
    );

    // Someone else's endpoints, and the platform's, stay out of reach.
    expect((await web.get(`/settings/webhooks/${othersEndpoint.endpoint.id}`, { cookie })).status).toBe(404);
    expect((await web.get(`/settings/webhooks/${platformWide.endpoint.id}`, { cookie })).status).toBe(403);
    await web.post(`/settings/webhooks/${platformWide.endpoint.id}`, { intent: 'disable' }, { cookie });
    expect(await web.knex('webhookEndpoints').where({ id: platformWide.endpoint.id }).first()).toMatchObject({
      enabled: true,
    });
  });

  it('let owners give a key the webhook scopes, and that key manages only the account’s endpoints', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const form = new URLSearchParams({ name: 'CRM sync' });
    form.append('scopes', 'WEBHOOKS_READ');
    form.append('scopes', 'WEBHOOKS_WRITE');
    const page = await html(
      await fetch(`${web.url}/settings/api-keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web.url, cookie },
        body: form.toString(),
      }),
    );
    const secret = /bsk_[A-Za-z0-9_-]+/.exec(page)?.[0];
    expect(secret).toBeDefined();

    const call = async (url: string, accountId: string | null) => {
      const response = await fetch(`${web.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({
          query: `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`,
          variables: { input: { url, ...(accountId ? { accountId } : {}) } },
        }),
      });
      return (await response.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] };
    };
    const own = await call(`${receiver.url}/key-own`, account.id);
    expect(own.errors).toBeUndefined();
    const platformWide = await call(`${receiver.url}/key-platform`, null);
    expect(platformWide.errors?.[0]?.extensions.code).toMatch(/FORBIDDEN|BAD_USER_INPUT/);
    expect(
      await web
        .knex('webhookEndpoints')
        .where({ url: `${receiver.url}/key-own` })
        .first(),
    ).toMatchObject({
      accountId: account.id,
    });
    expect(
      await web
        .knex('webhookEndpoints')
        .where({ url: `${receiver.url}/key-platform` })
        .first(),
    ).toBeUndefined();
  });

  it('do not let members manage the account’s endpoints', async () => {
    const { account, cookie } = await createMember({ role: 'member' });
    const { endpoint } = await addEndpoint({
      url: `${receiver.url}/members`,
      scope: 'account',
      accountId: account.id,
    });
    const page = await html(await web.get('/settings/webhooks', { cookie }));
    expect(page).toContain('Only the account’s owners and admins can manage webhooks.');
    expect(page).not.toContain(endpoint.id);

    const refused = await html(
      await web.post('/settings/webhooks', { url: `${receiver.url}/by-member` }, { cookie }),
    );
    expect(refused).toContain('Only the account’s owners and admins can manage webhooks.');
    expect(
      await web
        .knex('webhookEndpoints')
        .where({ url: `${receiver.url}/by-member` })
        .first(),
    ).toBeUndefined();

    const path = `/settings/webhooks/${endpoint.id}`;
    expect((await web.get(path, { cookie })).status).toBe(403);
    await web.post(path, { intent: 'disable' }, { cookie });
    await web.post(path, { intent: 'rotate' }, { cookie });
    expect(await web.knex('webhookEndpoints').where({ id: endpoint.id }).first()).toMatchObject({
      enabled: true,
      secret: endpoint.secret,
    });
  });
});
