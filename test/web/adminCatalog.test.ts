import { createMember, createPlan, createUser, sessionCookieFor, unique } from '../factories';
import { html, textOf } from './support/html';
import { useWebApp } from './support/webApp';

/**
 * The operator's catalog in the admin console (/admin/catalog) over HTTP: every version with its
 * subscribers, drafts written through the editor with the API's errors next to their fields, published
 * onto the pricing page, archived; customers are refused.
 */
const web = useWebApp({ source: 'vite' });

let admin: string;
beforeAll(async () => {
  admin = await sessionCookieFor(await createUser({ isPlatformAdmin: true }));
});

/** The editor's fields for a sellable monthly plan, with `overrides` on top. */
function planForm(key: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    intent: 'save',
    key,
    name: 'Studio',
    description: 'For small studios',
    tier: key,
    tierRank: '40',
    displayOrder: '5',
    price: '29.99',
    currency: 'USD',
    interval: 'MONTH',
    purchaseMode: 'SELF_SERVE',
    trialDays: '0',
    features: 'api_access, priority_support',
    credits: '250',
    'limits.0.featureKey': 'projects',
    'limits.0.limit': '10',
    'limits.1.featureKey': '',
    'limits.1.limit': '',
    'meteredAllowances.0.meterKey': 'api_calls',
    'meteredAllowances.0.includedQuantity': '5000',
    'meteredAllowances.0.overageAmount': '0.50',
    'meteredAllowances.0.overageBlockSize': '1000',
    'meteredAllowances.1.meterKey': '',
    ...overrides,
  };
}

async function createDraftThroughForm(key: string, overrides: Record<string, string> = {}) {
  const response = await web.post('/admin/catalog/new', planForm(key, overrides), { cookie: admin });
  expect(response.status).toBe(302);
  const location = response.headers.get('location')!;
  expect(location).toMatch(/^\/admin\/catalog\/[0-9a-f-]{36}\?done=created$/);
  return location.slice('/admin/catalog/'.length, location.indexOf('?'));
}

describe('the catalog', () => {
  it('is for platform admins only: customers are refused and write nothing', async () => {
    const { cookie } = await createMember({ role: 'owner' });
    expect((await web.get('/admin/catalog', { cookie })).status).toBe(403);
    expect((await web.get('/admin/catalog/new', { cookie })).status).toBe(403);
    const key = unique('customer_made').toLowerCase();
    expect((await web.post('/admin/catalog/new', planForm(key), { cookie })).status).toBe(403);
    expect(await web.knex('plans').where({ key }).first()).toBeUndefined();
  });

  it('lists every version by key with its status, price and current subscribers; meters and packages too', async () => {
    const key = unique('counted').toLowerCase();
    const old = await createPlan({ key, version: 1, name: 'Counted', status: 'published', active: false });
    const current = await createPlan({ key, version: 2, name: 'Counted', priceAmount: 4900, active: true });
    const accounts = await Promise.all([1, 2, 3, 4].map(async () => (await createMember()).account));
    const moveTo = (accountId: string, planId: string, status: string) =>
      web
        .knex('subscriptions')
        .where({ accountId })
        .update({ planId, status, endedAt: status === 'canceled' ? new Date() : null });
    await moveTo(accounts[0]!.id, old.id, 'active');
    await moveTo(accounts[1]!.id, current.id, 'trialing');
    await moveTo(accounts[2]!.id, current.id, 'past_due');
    await moveTo(accounts[3]!.id, current.id, 'canceled');

    const page = await html(await web.get('/admin/catalog', { cookie: admin }));
    expect(page).toContain('href="/admin/catalog"');
    expect(textOf(page, `subscribers-${old.id}`)).toBe('1');
    expect(textOf(page, `subscribers-${current.id}`)).toBe('2');
    expect(page).toContain('$49.00 / month');
    expect(page).toMatch(new RegExp(`aria-label="Version 2 of ${key}"`));
    // Meters and credit packages, read-only.
    expect(page).toContain('<code>api_calls</code>');
    expect(page).toContain('<code>credits_500</code>');
  });
});

describe('the plan editor', () => {
  it('creates a draft from the form, price in minor units and entitlements as typed', async () => {
    const key = unique('studio').toLowerCase();
    const id = await createDraftThroughForm(key);
    const plan = await web.knex('plans').where({ id }).first();
    expect(plan).toMatchObject({
      key,
      version: 1,
      status: 'draft',
      active: false,
      priceAmount: 2999,
      currency: 'usd',
      tierRank: 40,
      displayOrder: 5,
    });
    const entitlements = await web.knex('planEntitlements').where({ planId: id }).orderBy('featureKey');
    expect(entitlements.map((row) => [row.featureKey, row.kind])).toEqual([
      ['api_access', 'boolean'],
      ['api_calls', 'metered'],
      ['credits', 'credits'],
      ['priority_support', 'boolean'],
      ['projects', 'limit'],
    ]);
    expect(entitlements.find((row) => row.kind === 'metered')).toMatchObject({
      includedQuantity: 5000,
      overageUnitAmount: 50,
      overageBlockSize: 1000,
    });
    expect(Number(entitlements.find((row) => row.kind === 'credits')!.creditAllowance)).toBe(250_000);

    const page = await html(await web.get(`/admin/catalog/${id}?done=created`, { cookie: admin }));
    expect(page).toContain(`Draft saved as version 1 of ${key}. It is not sold until you publish it.`);
    // The editor is filled in with the draft as saved, and the preview shows it as the pricing page would.
    expect(page).toMatch(/id="plan-price"[^>]*value="29.99"/);
    expect(page).toContain('id="plan-meteredAllowances-0-meterKey"');
    expect(page).toMatch(new RegExp(`<h2 id="plan-${key}">Studio</h2>`));
    expect(page).toContain(`Publishing puts version 1 of ${key} on sale now at $29.99 / month`);
  });

  it('shows the API’s errors next to their fields, keeps what was typed and writes nothing', async () => {
    const key = unique('refused').toLowerCase();
    const refused = await html(
      await web.post(
        '/admin/catalog/new',
        planForm(key, { price: '0', 'meteredAllowances.0.meterKey': 'no_such_meter' }),
        { cookie: admin },
      ),
    );
    expect(textOf(refused, 'plan-price-error')).toBe(
      'A self-serve plan is bought through Checkout and needs a price above 0',
    );
    expect(textOf(refused, 'plan-meteredAllowances-0-meterKey-error')).toBe(
      'No meter has the key no_such_meter',
    );
    expect(refused).toContain('Please correct the fields marked below.');
    expect(refused).toMatch(/id="plan-meteredAllowances-0-meterKey"[^>]*value="no_such_meter"/);
    expect(refused).toMatch(new RegExp(`id="plan-key"[^>]*value="${key}"`));

    // What cannot even be sent is caught by the form: an amount with too many decimals, a bad number.
    const malformed = await html(
      await web.post('/admin/catalog/new', planForm(key, { price: '12.345', tierRank: 'high' }), {
        cookie: admin,
      }),
    );
    expect(textOf(malformed, 'plan-price-error')).toBe(
      'Enter an amount such as 29 or 29.99, or 0 for a free plan.',
    );
    expect(textOf(malformed, 'plan-tierRank-error')).toBe('Enter a whole number.');
    expect(await web.knex('plans').where({ key }).first()).toBeUndefined();
  });

  it('sets a limit per parent resource and a buffer, and places their errors on their fields', async () => {
    const key = unique('venue').toLowerCase();
    const id = await createDraftThroughForm(key, {
      'limits.1.featureKey': 'participants',
      'limits.1.limit': '50',
      'limits.1.scope': 'PER_RESOURCE',
      'limits.1.scopeResourceType': 'room',
      'limits.1.overageBufferPercent': '10',
    });
    expect(
      await web.knex('planEntitlements').where({ planId: id, featureKey: 'participants' }).first(),
    ).toMatchObject({
      limitValue: 50,
      scope: 'per_resource',
      scopeResourceType: 'room',
      overageBufferPercent: 10,
    });
    const page = await html(await web.get(`/admin/catalog/${id}`, { cookie: admin }));
    expect(page).toMatch(/id="plan-limits-\d-scopeResourceType"[^>]*value="room"/);
    expect(page).toMatch(/id="plan-limits-\d-overageBufferPercent"[^>]*value="10"/);
    // The preview describes it as the pricing page does.
    expect(page).toContain('50 participants per room');

    const refused = await html(
      await web.post(
        '/admin/catalog/new',
        planForm(unique('venue').toLowerCase(), {
          'limits.1.featureKey': 'participants',
          'limits.1.limit': '50',
          'limits.1.scope': 'PER_RESOURCE',
          'limits.1.overageBufferPercent': '150',
        }),
        { cookie: admin },
      ),
    );
    expect(textOf(refused, 'plan-limits-1-scopeResourceType-error')).toContain('Is required');
    expect(textOf(refused, 'plan-limits-1-overageBufferPercent-error')).toBe('Is at most 100');
  });

  it('edits a draft, publishes it onto the pricing page, and archives it off again', async () => {
    const key = unique('gallery').toLowerCase();
    const id = await createDraftThroughForm(key, { name: 'Gallery' });

    const saved = await web.post(`/admin/catalog/${id}`, planForm(key, { name: 'Gallery', price: '39' }), {
      cookie: admin,
    });
    expect(saved.headers.get('location')).toBe(`/admin/catalog/${id}?done=saved`);
    expect(await web.knex('plans').where({ id }).first()).toMatchObject({
      priceAmount: 3900,
      status: 'draft',
    });
    expect(await html(await web.get('/pricing'))).not.toContain('Gallery');

    const published = await web.post(`/admin/catalog/${id}`, { intent: 'publish' }, { cookie: admin });
    expect(published.headers.get('location')).toBe(`/admin/catalog/${id}?done=published`);
    expect(await web.knex('plans').where({ id }).first()).toMatchObject({
      status: 'published',
      active: true,
    });
    const view = await html(await web.get(`/admin/catalog/${id}?done=published`, { cookie: admin }));
    expect(view).toContain(`Version 1 of ${key} is on sale now.`);
    // Read-only now: no editor, and the next version starts from this one.
    expect(view).not.toContain('id="plan-price"');
    expect(view).toContain(`href="/admin/catalog/new?from=${id}"`);
    expect(await html(await web.get('/pricing'))).toMatch(new RegExp(`<h2 id="plan-${key}">Gallery</h2>`));

    // A published version never changes: the API's CONFLICT is the form's message.
    const conflict = await html(
      await web.post(`/admin/catalog/${id}`, planForm(key, { price: '45' }), { cookie: admin }),
    );
    expect(conflict).toContain(
      `Version 1 of ${key} is published and never changes; create a new draft of its key.`,
    );

    const next = await html(await web.get(`/admin/catalog/new?from=${id}`, { cookie: admin }));
    expect(next).toMatch(/id="plan-price"[^>]*value="39.00"/);
    expect(next).toMatch(new RegExp(`id="plan-key"[^>]*value="${key}"`));

    const archived = await web.post(`/admin/catalog/${id}`, { intent: 'archive' }, { cookie: admin });
    expect(archived.headers.get('location')).toBe(`/admin/catalog/${id}?done=archived`);
    expect(await web.knex('plans').where({ id }).first()).toMatchObject({
      status: 'archived',
      active: false,
    });
    expect(await html(await web.get('/pricing'))).not.toContain(`id="plan-${key}"`);
  });

  it('says what publishing a new version does to the subscribers of the one on sale', async () => {
    const key = unique('versioned').toLowerCase();
    const first = await createPlan({ key, version: 1, name: 'Versioned', active: true });
    await web
      .knex('subscriptions')
      .where({ accountId: (await createMember()).account.id })
      .update({ planId: first.id });
    const id = await createDraftThroughForm(key, { price: '12' });
    const page = await html(await web.get(`/admin/catalog/${id}`, { cookie: admin }));
    expect(page).toContain(
      `Publishing puts version 2 of ${key} on sale now at $12.00 / month: new customers get it from now on, and version 1 is no longer sold; its 1 subscriber keeps it and its price.`,
    );
  });

  it('shows a refusal to archive the plan new accounts start on as the form’s message', async () => {
    const free = await web.knex('plans').where({ isDefault: true, active: true }).first();
    const refused = await html(
      await web.post(`/admin/catalog/${free.id}`, { intent: 'archive' }, { cookie: admin }),
    );
    expect(refused).toContain(
      'New accounts start on this plan; publish a new version of it instead of archiving it.',
    );
    expect(await web.knex('plans').where({ id: free.id }).first()).toMatchObject({ status: 'published' });
  });
});

describe('moving subscribers to another version', () => {
  it('previews who moves and by how much, then schedules the move at renewal and shows each outcome', async () => {
    const key = unique('moving').toLowerCase();
    const old = await createPlan({ key, version: 1, name: 'Moving', status: 'published', active: false });
    const current = await createPlan({
      key,
      version: 2,
      name: 'Moving',
      priceAmount: 4900,
      active: true,
      stripePriceId: unique('price'),
    });
    const { account } = await createMember();
    const periodEnd = new Date(Date.UTC(2030, 0, 1));
    await web
      .knex('subscriptions')
      .where({ accountId: account.id })
      .update({
        planId: old.id,
        status: 'active',
        stripeSubscriptionId: unique('sub'),
        currentPeriodEnd: periodEnd,
      });

    const page = await html(await web.get(`/admin/catalog/${old.id}`, { cookie: admin }));
    expect(page).toContain('Move subscribers');
    expect(page).toContain(`value="${current.id}"`);

    const form = { toPlanId: current.id, timing: 'AT_RENEWAL' };
    const preview = await html(
      await web.post(`/admin/catalog/${old.id}`, { intent: 'preview-migration', ...form }, { cookie: admin }),
    );
    expect(preview).toContain(account.name);
    expect(preview).toContain('$39.00');
    expect(preview).toContain('Move 1 subscriber<');
    expect(await web.knex('subscriptions').where({ accountId: account.id }).first()).toMatchObject({
      scheduledPlanId: null,
    });

    const moved = await html(
      await web.post(`/admin/catalog/${old.id}`, { intent: 'migrate', ...form }, { cookie: admin }),
    );
    expect(moved).toContain('1 moved, 0 not moved.');
    expect(moved).toContain('scheduled');
    expect(await web.knex('subscriptions').where({ accountId: account.id }).first()).toMatchObject({
      planId: old.id,
      scheduledPlanId: current.id,
      scheduledChangeAt: periodEnd,
    });
  });
});
