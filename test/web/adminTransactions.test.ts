import {
  createAccount,
  createMember,
  createPayment,
  createUser,
  sessionCookieFor,
  unique,
} from '../factories';
import { html, textOf } from './support/html';
import { useWebApp } from './support/webApp';

/**
 * The admin console's platform-wide payments and invoices (the filters in the address, their errors next
 * to the fields), a Stripe event's payload, and the monthly revenue reports. Customers are refused.
 */
const web = useWebApp({ source: 'vite' });

const tag = unique('web');
let admin: string;
let customer: string;
let acme: { id: string; name: string };
let globex: { id: string; name: string };

beforeAll(async () => {
  admin = await sessionCookieFor(await createUser({ isPlatformAdmin: true }));
  customer = (await createMember({ role: 'owner' })).cookie;
  acme = await createAccount({ name: `${tag} Acme` });
  globex = await createAccount({ name: `${tag} Globex` });
  await createPayment({ accountId: acme.id, description: 'acme pro', amount: 2999 });
  await createPayment({
    accountId: globex.id,
    description: 'globex failed',
    amount: 4900,
    status: 'failed',
    failureReason: 'Your card was declined.',
    completedAt: null,
  });
  await web.knex('invoices').insert({
    accountId: acme.id,
    stripeInvoiceId: `in_${tag}`,
    number: `${tag}-0001`,
    status: 'open',
    currency: 'usd',
    subtotal: 2999,
    total: 2999,
    amountDue: 2999,
    amountRemaining: 2999,
    hostedInvoiceUrl: 'https://invoice.stripe.test/acme-0001',
    issuedAt: new Date(),
  });
});

describe('payments', () => {
  it('are searched by account name, with a link to the account, and filtered in the address', async () => {
    const page = await html(
      await web.get(`/admin/payments?q=${encodeURIComponent(`${tag} acme`)}`, { cookie: admin }),
    );
    expect(page).toContain('acme pro');
    expect(page).not.toContain('globex failed');
    expect(page).toContain(`href="/admin/accounts/${acme.id}"`);
    expect(page).toContain('$29.99');

    const failed = await html(await web.get(`/admin/payments?q=${tag}&status=FAILED`, { cookie: admin }));
    expect(failed).toContain('globex failed');
    expect(failed).toContain('Your card was declined.');
    expect(failed).not.toContain('acme pro');

    const range = await html(await web.get(`/admin/payments?q=${tag}&min=30&max=50`, { cookie: admin }));
    expect(range).toContain('globex failed');
    expect(range).not.toContain('acme pro');

    const none = await html(await web.get(`/admin/payments?q=${tag}&kind=REFUND`, { cookie: admin }));
    expect(none).toContain('No payment matches.');
  });

  it('show what is wrong with a filter next to it, and list nothing', async () => {
    const typed = await html(
      await web.get(`/admin/payments?q=${tag}&min=abc&from=2026-02-30&status=LOST`, { cookie: admin }),
    );
    expect(textOf(typed, 'min-error')).toBe('Type an amount such as 29.99.');
    expect(textOf(typed, 'from-error')).toBe('Type a date such as 2026-01-31.');
    expect(textOf(typed, 'status-error')).toBe('Choose a status from the list.');
    expect(typed).not.toContain('acme pro');

    const crossed = await html(await web.get(`/admin/payments?q=${tag}&min=50&max=10`, { cookie: admin }));
    expect(textOf(crossed, 'max-error')).toBe('Must be at least the minimum amount.');
    expect(crossed).not.toContain('acme pro');

    const backwards = await html(
      await web.get(`/admin/payments?q=${tag}&from=2026-03-02&to=2026-03-01`, { cookie: admin }),
    );
    expect(textOf(backwards, 'to-error')).toBe('Must not be before the first day.');
  });

  it('are refused to customers', async () => {
    for (const path of ['/admin/payments', '/admin/invoices', '/admin/reports']) {
      const response = await web.get(path, { cookie: customer });
      expect(response.status).toBe(403);
    }
    expect((await web.get('/admin/payments')).status).toBe(302);
  });
});

describe('invoices', () => {
  it('are found by number, linking to Stripe’s page and the account', async () => {
    const page = await html(await web.get(`/admin/invoices?q=${tag}-0001`, { cookie: admin }));
    expect(page).toContain('href="https://invoice.stripe.test/acme-0001"');
    expect(page).toContain(`href="/admin/accounts/${acme.id}"`);
    expect(page).toContain('$29.99 due');
    const paid = await html(await web.get(`/admin/invoices?q=${tag}&status=PAID`, { cookie: admin }));
    expect(paid).toContain('No invoice matches.');
  });
});

describe('a Stripe event', () => {
  it('shows its facts and its payload as escaped, indented JSON', async () => {
    const id = `evt_${tag.replace(/-/g, '_')}`;
    await web.knex('stripeEvents').insert({
      id,
      type: 'invoice.payment_failed',
      payload: {
        id,
        type: 'invoice.payment_failed',
        data: { object: { note: '<script>alert(1)</script>' } },
      },
      status: 'failed',
      attempts: 3,
      lastError: 'Stripe could not be reached',
      accountId: acme.id,
      stripeCreatedAt: new Date('2026-03-01T10:00:00Z'),
    });
    const list = await html(await web.get('/admin/events', { cookie: admin }));
    expect(list).toContain(`href="/admin/events/${id}"`);
    const page = await html(await web.get(`/admin/events/${id}`, { cookie: admin }));
    expect(page).toContain('<h1>invoice.payment_failed</h1>');
    expect(page).toContain('Stripe could not be reached');
    expect(page).toContain(`href="/admin/accounts/${acme.id}"`);
    expect(page).toContain('&quot;note&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;');
    expect(page).not.toContain('<script>alert(1)</script>');
    expect((await web.get('/admin/events/evt_never_received', { cookie: admin })).status).toBe(404);
    expect((await web.get('/admin/events/not-an-event', { cookie: admin })).status).toBe(404);
    expect((await web.get(`/admin/events/${id}`, { cookie: customer })).status).toBe(403);
  });
});

describe('revenue reports', () => {
  it('are made for a month that is over, listed, shown, and made again only after asking', async () => {
    const empty = await html(await web.get('/admin/reports', { cookie: admin }));
    expect(empty).toContain('No report yet');

    const refused = await html(await web.post('/admin/reports', { month: 'soon' }, { cookie: admin }));
    expect(textOf(refused, 'month-error')).toBe('Choose a month, such as 2026-01.');
    const future = await html(await web.post('/admin/reports', { month: '2999-01' }, { cookie: admin }));
    expect(future).toContain('month: is not over yet');
    expect(await web.knex('revenueReports')).toHaveLength(0);

    const made = await web.post('/admin/reports', { month: '2026-01' }, { cookie: admin });
    expect(made.status).toBe(302);
    expect(made.headers.get('location')).toBe('/admin/reports/2026-01');
    const list = await html(await web.get('/admin/reports', { cookie: admin }));
    expect(list).toContain('href="/admin/reports/2026-01"');
    expect(list).toContain('January 2026');
    const report = await html(await web.get('/admin/reports/2026-01', { cookie: admin }));
    expect(report).toContain('Revenue report for January 2026');

    // Asked for again from the list, a stored month is not replaced without asking.
    const fromList = await html(await web.post('/admin/reports', { month: '2026-01' }, { cookie: admin }));
    expect(fromList).toContain('Make the report for January 2026 again?');
    expect(await web.knex('auditLog').where({ action: 'revenue_report.generated' })).toHaveLength(1);
    const asked = await html(
      await web.post('/admin/reports/2026-01', { intent: 'generate' }, { cookie: admin }),
    );
    expect(asked).toContain('Make the report for January 2026 again?');
    const before = await web.knex('revenueReports').first();
    const again = await web.post(
      '/admin/reports/2026-01',
      { intent: 'generate', confirmed: 'yes' },
      { cookie: admin },
    );
    expect(again.headers.get('location')).toBe('/admin/reports/2026-01?done=generated');
    const after = await web.knex('revenueReports').first();
    expect(after.generatedAt.getTime()).toBeGreaterThan(before.generatedAt.getTime());
    expect(await web.knex('auditLog').where({ action: 'revenue_report.generated' })).toHaveLength(2);

    expect((await web.get('/admin/reports/2025-07', { cookie: admin })).status).toBe(404);
    expect((await web.get('/admin/reports/july', { cookie: admin })).status).toBe(404);
    expect((await web.post('/admin/reports', { month: '2026-02' }, { cookie: customer })).status).toBe(403);
    expect(await web.knex('revenueReports')).toHaveLength(1);
  });

  it('are linked from the revenue page and the admin menu', async () => {
    const revenue = await html(await web.get('/admin/revenue', { cookie: admin }));
    expect(revenue).toContain('href="/admin/reports"');
    expect(revenue).toContain('href="/admin/payments"');
    expect(revenue).toContain('href="/admin/invoices"');
  });
});
