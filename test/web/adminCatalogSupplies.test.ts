import { createMember, createUser, sessionCookieFor, unique } from '../factories';
import { html, textOf } from './support/html';
import { useWebApp } from './support/webApp';

/**
 * The operator's meters (/admin/catalog/meters) and credit packages (/admin/catalog/credit-packages) in
 * the admin console over HTTP, as forms posted without JavaScript: listed, created, edited, archived or
 * withdrawn, with the API's errors next to their fields; customers are refused.
 */
const web = useWebApp({ source: 'vite' });

let admin: string;
beforeAll(async () => {
  admin = await sessionCookieFor(await createUser({ isPlatformAdmin: true }));
});

const newKey = (prefix: string) => unique(prefix).replace(/-/g, '_');

function meterForm(key: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    intent: 'save',
    mode: 'create',
    key,
    name: 'Renders',
    aggregation: 'SUM',
    property: '',
    unit: 'render',
    creditCost: '0.25',
    ...overrides,
  };
}

function packageForm(key: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    intent: 'save',
    mode: 'create',
    key,
    name: '3,000 credits',
    credits: '3000',
    price: '45.50',
    currency: 'USD',
    availableForPurchase: 'on',
    displayOrder: '7',
    ...overrides,
  };
}

describe('the meters and credit packages pages', () => {
  it('are linked from the catalog, for platform admins only: customers are refused and write nothing', async () => {
    const catalog = await html(await web.get('/admin/catalog', { cookie: admin }));
    expect(catalog).toContain('href="/admin/catalog/meters"');
    expect(catalog).toContain('href="/admin/catalog/credit-packages"');

    const { cookie } = await createMember({ role: 'owner' });
    expect((await web.get('/admin/catalog/meters', { cookie })).status).toBe(403);
    expect((await web.get('/admin/catalog/credit-packages', { cookie })).status).toBe(403);
    const key = newKey('customer_made');
    expect((await web.post('/admin/catalog/meters', meterForm(key), { cookie })).status).toBe(403);
    expect((await web.post('/admin/catalog/credit-packages', packageForm(key), { cookie })).status).toBe(403);
    expect(await web.knex('meters').where({ key }).first()).toBeUndefined();
    expect(await web.knex('credit_packages').where({ key }).first()).toBeUndefined();
  });
});

describe('the meters page', () => {
  it('creates a meter from the form, credit cost in milli-credits, and lists it', async () => {
    const key = newKey('renders');
    const response = await web.post('/admin/catalog/meters', meterForm(key), { cookie: admin });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`/admin/catalog/meters?done=created&key=${key}`);
    expect(await web.knex('meters').where({ key }).first()).toMatchObject({
      name: 'Renders',
      aggregation: 'sum',
      unit: 'render',
      creditCostPerUnit: 250,
      active: true,
    });
    const page = await html(await web.get(response.headers.get('location')!, { cookie: admin }));
    expect(page).toContain(`Meter ${key} created: usage can be recorded against it now.`);
    expect(page).toContain(`<code>${key}</code>`);
    expect(page).toContain('<code>api_calls</code>');
  });

  it('shows the API’s errors next to their fields, keeps what was typed and writes nothing', async () => {
    const key = newKey('refused');
    const refused = await html(
      await web.post('/admin/catalog/meters', meterForm(key, { aggregation: 'UNIQUE_COUNT' }), {
        cookie: admin,
      }),
    );
    expect(textOf(refused, 'meter-property-error')).toBe(
      'A unique count needs the event property whose distinct values it counts',
    );
    expect(refused).toContain('Please correct the fields marked below.');
    expect(refused).toMatch(new RegExp(`id="meter-key"[^>]*value="${key}"`));

    const malformed = await html(
      await web.post('/admin/catalog/meters', meterForm(key, { creditCost: 'lots' }), { cookie: admin }),
    );
    expect(textOf(malformed, 'meter-creditCost-error')).toBe(
      'Enter credits such as 0.25, or leave it empty.',
    );
    expect(await web.knex('meters').where({ key }).first()).toBeUndefined();

    // Creating over a meter that exists is refused rather than changing it.
    const taken = await html(
      await web.post('/admin/catalog/meters', meterForm('api_calls', { name: 'Taken' }), { cookie: admin }),
    );
    expect(textOf(taken, 'meter-key-error')).toBe('Is already a meter; edit it instead');
    expect((await web.knex('meters').where({ key: 'api_calls' }).first()).name).not.toBe('Taken');
  });

  it('edits a meter, but not how it adds up, then archives it and restores it', async () => {
    const key = newKey('exports');
    await web.post('/admin/catalog/meters', meterForm(key), { cookie: admin });
    const editPage = await html(await web.get(`/admin/catalog/meters?edit=${key}`, { cookie: admin }));
    expect(editPage).toMatch(new RegExp(`id="meter-key"[^>]*readOnly|id="meter-key"[^>]*readonly`));
    expect(editPage).toMatch(/<select[^>]*id="meter-aggregation"[^>]*disabled/);

    const edited = await web.post(
      `/admin/catalog/meters?edit=${key}`,
      meterForm(key, { mode: 'edit', name: 'Exports', unit: 'file', creditCost: '' }),
      { cookie: admin },
    );
    expect(edited.headers.get('location')).toBe(`/admin/catalog/meters?done=saved&key=${key}`);
    expect(await web.knex('meters').where({ key }).first()).toMatchObject({
      name: 'Exports',
      unit: 'file',
      creditCostPerUnit: null,
    });

    const changedAggregation = await html(
      await web.post(
        `/admin/catalog/meters?edit=${key}`,
        meterForm(key, { mode: 'edit', aggregation: 'MAX' }),
        {
          cookie: admin,
        },
      ),
    );
    expect(textOf(changedAggregation, 'meter-aggregation-error')).toMatch(
      /^Is sum for the usage already recorded/,
    );
    expect((await web.knex('meters').where({ key }).first()).aggregation).toBe('sum');

    const archived = await web.post('/admin/catalog/meters', { intent: 'archive', key }, { cookie: admin });
    expect(archived.headers.get('location')).toBe(`/admin/catalog/meters?done=archived&key=${key}`);
    expect((await web.knex('meters').where({ key }).first()).active).toBe(false);
    expect(await html(await web.get('/admin/catalog/meters', { cookie: admin }))).toContain('Archived');

    await web.post(`/admin/catalog/meters?edit=${key}`, meterForm(key, { mode: 'edit', name: 'Exports' }), {
      cookie: admin,
    });
    expect((await web.knex('meters').where({ key }).first()).active).toBe(true);
  });

  it('shows a refusal to archive a meter a plan on sale gives as the form’s message', async () => {
    const page = await html(
      await web.post('/admin/catalog/meters', { intent: 'archive', key: 'api_calls' }, { cookie: admin }),
    );
    expect(page).toMatch(/role="alert"[^>]*>Version \d+ of \w+ gives an allowance of api_calls/);
    expect((await web.knex('meters').where({ key: 'api_calls' }).first()).active).toBe(true);
  });
});

describe('the credit packages page', () => {
  it('creates a package from the form, price in minor units and credits in milli-credits, on sale at once', async () => {
    const key = newKey('credits_3000');
    const response = await web.post('/admin/catalog/credit-packages', packageForm(key), { cookie: admin });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`/admin/catalog/credit-packages?done=created&key=${key}`);
    const saved = await web.knex('credit_packages').where({ key }).first();
    expect(saved).toMatchObject({
      name: '3,000 credits',
      priceAmount: 4550,
      currency: 'usd',
      availableForPurchase: true,
      availableForAutoTopUp: false,
      displayOrder: 7,
      active: true,
    });
    expect(Number(saved.credits)).toBe(3_000_000);
    expect(saved.stripePriceId).toMatch(/^price_/);
    const page = await html(await web.get(response.headers.get('location')!, { cookie: admin }));
    expect(page).toContain(`<code>${key}</code>`);
    expect(page).toContain('$45.50');
  });

  it('shows the API’s errors next to their fields, keeps what was typed and writes nothing', async () => {
    const key = newKey('refused');
    const refused = await html(
      await web.post('/admin/catalog/credit-packages', packageForm(key, { currency: 'ZZZ', credits: '-5' }), {
        cookie: admin,
      }),
    );
    expect(textOf(refused, 'package-currency-error')).toBe('Is not an ISO 4217 currency code such as USD');
    expect(textOf(refused, 'package-credits-error')).toBe('Must be at least 1');
    expect(refused).toMatch(/id="package-price"[^>]*value="45.50"/);

    const malformed = await html(
      await web.post('/admin/catalog/credit-packages', packageForm(key, { price: '0' }), { cookie: admin }),
    );
    expect(textOf(malformed, 'package-price-error')).toBe('Enter an amount above 0, such as 12 or 12.50.');
    expect(await web.knex('credit_packages').where({ key }).first()).toBeUndefined();
  });

  it('changes a package’s price, makes it what automatic top-up may buy, and withdraws it', async () => {
    const key = newKey('credits_900');
    await web.post('/admin/catalog/credit-packages', packageForm(key), { cookie: admin });
    const before = await web.knex('credit_packages').where({ key }).first();
    const editPage = await html(
      await web.get(`/admin/catalog/credit-packages?edit=${key}`, { cookie: admin }),
    );
    expect(editPage).toMatch(/id="package-price"[^>]*value="45.50"/);

    const edited = await web.post(
      `/admin/catalog/credit-packages?edit=${key}`,
      packageForm(key, { mode: 'edit', price: '49', availableForAutoTopUp: 'on' }),
      { cookie: admin },
    );
    expect(edited.headers.get('location')).toBe(`/admin/catalog/credit-packages?done=saved&key=${key}`);
    const after = await web.knex('credit_packages').where({ key }).first();
    expect(after).toMatchObject({
      priceAmount: 4900,
      availableForAutoTopUp: true,
      availableForPurchase: true,
    });
    expect(after.stripePriceId).not.toBe(before.stripePriceId);

    const withdrawn = await web.post(
      '/admin/catalog/credit-packages',
      { intent: 'withdraw', key },
      { cookie: admin },
    );
    expect(withdrawn.headers.get('location')).toBe(
      `/admin/catalog/credit-packages?done=withdrawn&key=${key}`,
    );
    expect((await web.knex('credit_packages').where({ key }).first()).active).toBe(false);
    const page = await html(await web.get('/admin/catalog/credit-packages', { cookie: admin }));
    expect(page).toContain('Withdrawn');
  });
});
