import { createMember, createUser, sessionCookieFor } from '../factories';
import { html, textOf } from './support/html';
import { useWebApp } from './support/webApp';

/**
 * The admin console's "Custom contract" form over HTTP, and what the customer then sees: the contract's
 * plan with its own price and terms on the dashboard, and its invoice with the date it is due.
 */
const web = useWebApp({ source: 'vite' });

let admin: string;
beforeAll(async () => {
  admin = await sessionCookieFor(await createUser({ isPlatformAdmin: true }));
});

const planId = async (key: string) =>
  (await web.knex('plans').where({ key, status: 'published' }).first()).id as string;

/** Waits until `condition` holds: Stripe's webhooks land on the server a moment after the contract starts. */
async function eventually(condition: () => Promise<boolean>, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const contractForm = (fields: Record<string, string>) => ({
  intent: 'contract',
  currency: 'usd',
  interval: '',
  billing: 'INVOICE',
  daysUntilDue: '30',
  endsAt: '',
  ...fields,
});

describe('the custom contract form', () => {
  it('puts the account on a contact-sales plan, billed by invoice, as the customer then sees it', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const page = await html(await web.get(`/admin/accounts/${account.id}`, { cookie: admin }));
    expect(page).toContain('Start contract');

    const started = await web.post(
      `/admin/accounts/${account.id}`,
      contractForm({ planId: await planId('enterprise'), price: '1,250.00', idempotencyKey: 'c-1' }),
      { cookie: admin },
    );
    expect(started.headers.get('location')).toBe(`/admin/accounts/${account.id}?done=contract`);
    const summary = await html(await web.get(`/admin/accounts/${account.id}`, { cookie: admin }));
    expect(summary).toContain('Custom contract');
    expect(summary).toContain(
      '$1,250.00 per year · invoiced, due 30 days after issue · renews automatically',
    );

    const endsOn = new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10);
    const contractId = (await web.knex('contracts').where({ accountId: account.id }).first()).id as string;
    const ending = await web.post(
      `/admin/accounts/${account.id}`,
      { intent: 'contract-term', contractId, endsAt: endsOn },
      { cookie: admin },
    );
    expect(ending.headers.get('location')).toBe(`/admin/accounts/${account.id}?done=contract-term`);
    const ended = await html(await web.get(`/admin/accounts/${account.id}`, { cookie: admin }));
    expect(ended).toContain('invoiced, due 30 days after issue · ends ');
    expect(ended).toContain('Renew automatically');
    await web.post(
      `/admin/accounts/${account.id}`,
      { intent: 'contract-term', contractId, endsAt: '', renew: 'true' },
      { cookie: admin },
    );
    expect(await web.knex('contracts').where({ id: contractId }).first()).toMatchObject({
      autoRenew: true,
      endsAt: null,
    });

    const dashboard = await html(await web.get('/billing', { cookie }));
    expect(dashboard).toContain('Enterprise');
    expect(dashboard).toContain('Custom contract');
    expect(dashboard).toContain('$1,250.00 per year');
    await eventually(async () =>
      Boolean(await web.knex('invoices').where({ accountId: account.id }).first()),
    );
    const invoices = await html(await web.get('/billing/invoices', { cookie }));
    expect(invoices).toMatch(/\$1,250\.00 due by /);
  });

  it('shows each problem next to its field and starts nothing', async () => {
    const { account } = await createMember({ role: 'owner' });
    const refused = await html(
      await web.post(
        `/admin/accounts/${account.id}`,
        contractForm({ planId: await planId('pro_monthly'), price: '-5', idempotencyKey: 'c-2' }),
        { cookie: admin },
      ),
    );
    expect(textOf(refused, 'contract-price-error')).toBe('Enter a price such as 1250 or 1,250.00.');

    const badTerms = await html(
      await web.post(
        `/admin/accounts/${account.id}`,
        contractForm({
          planId: await planId('pro_monthly'),
          price: '100',
          daysUntilDue: '400',
          endsAt: '2020-01-01',
          idempotencyKey: 'c-3',
        }),
        { cookie: admin },
      ),
    );
    expect(textOf(badTerms, 'contract-days-until-due-error')).toBe('must be between 1 and 365 days');
    expect(textOf(badTerms, 'contract-ends-at-error')).toBe('must be in the future');
    expect(await web.knex('contracts').where({ accountId: account.id })).toHaveLength(0);
  });

  it('is refused to customers', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const response = await web.post(
      `/admin/accounts/${account.id}`,
      contractForm({ planId: await planId('pro_monthly'), price: '1', idempotencyKey: 'c-4' }),
      { cookie },
    );
    expect(response.status).toBe(403);
    expect(await web.knex('contracts').where({ accountId: account.id })).toHaveLength(0);
  });
});
