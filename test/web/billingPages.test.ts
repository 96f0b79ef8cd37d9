import { createMember, createPartnerKey, createPayment, grantTestCredits, unique } from '../factories';
import { html, textOf } from './support/html';
import { useWebApp } from './support/webApp';

/**
 * The customer's billing pages over HTTP, as a browser without JavaScript uses them: automatic top-up
 * settings, the payment history, and what a customer is told when self-serve billing is turned off.
 */
const web = useWebApp({ source: 'vite' });

const packageId = async (key: string) =>
  (await web.knex('creditPackages').where({ key }).first()).id as string;
const planId = async (key: string) =>
  (await web.knex('plans').where({ key, active: true }).first()).id as string;

describe('automatic top-up', () => {
  it('is saved by an owner, the threshold typed in credits and stored in milli-credits', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const creditPackageId = await packageId('auto_top_up_500');
    const response = await web.post(
      '/billing/credits',
      { intent: 'auto-top-up', enabled: 'on', threshold: '150.5', creditPackageId },
      { cookie },
    );
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/billing/credits?done=auto-top-up');
    expect(await web.knex('autoTopUpSettings').where({ accountId: account.id }).first()).toMatchObject({
      enabled: true,
      threshold: 150_500,
      creditPackageId,
    });

    const page = await html(await web.get('/billing/credits?done=auto-top-up', { cookie }));
    expect(page).toContain('Your automatic top-up settings are saved.');
    expect(page).toContain('When your balance falls below 150.5 credits, we buy 500 credits for $20.00.');
  });

  it('shows what is wrong next to the threshold and the package, and saves nothing', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const badThreshold = await html(
      await web.post(
        '/billing/credits',
        {
          intent: 'auto-top-up',
          enabled: 'on',
          threshold: '1.2345',
          creditPackageId: await packageId('auto_top_up_500'),
        },
        { cookie },
      ),
    );
    expect(textOf(badThreshold, 'field-threshold-error')).toBe(
      'Enter a number of credits, e.g. 100, with at most three decimals.',
    );
    expect(badThreshold).toMatch(/id="field-threshold"[^>]*aria-invalid="true"/);

    const packOnSale = await html(
      await web.post(
        '/billing/credits',
        {
          intent: 'auto-top-up',
          enabled: 'on',
          threshold: '100',
          creditPackageId: await packageId('credits_500'),
        },
        { cookie },
      ),
    );
    expect(textOf(packOnSale, 'field-creditPackageId-error')).toBe('is not a package for automatic top-ups');
    expect(await web.knex('autoTopUpSettings').where({ accountId: account.id }).first()).toBeUndefined();
  });

  it('is refused to members, who see why, and to visitors', async () => {
    const { account, cookie } = await createMember({ role: 'member' });
    const fields = {
      intent: 'auto-top-up',
      enabled: 'on',
      threshold: '100',
      creditPackageId: await packageId('auto_top_up_500'),
    };
    const refused = await web.post('/billing/credits', fields, { cookie });
    expect(refused.status).toBe(200);
    expect(await html(refused)).toContain('Your role (member) does not allow billing.manage.');
    expect(await web.knex('autoTopUpSettings').where({ accountId: account.id }).first()).toBeUndefined();

    const visitor = await web.post('/billing/credits', fields);
    expect(visitor.status).toBe(302);
    expect(visitor.headers.get('location')).toBe(
      `/signin?redirectTo=${encodeURIComponent('/billing/credits')}`,
    );
  });
});

describe('the payment history', () => {
  it('lists charges with their failure and refunds, newest first, on the invoices page', async () => {
    const { account, cookie } = await createMember({ role: 'member' });
    await createPayment({
      accountId: account.id,
      amount: 2999,
      amountRefunded: 500,
      description: 'Pro, January',
      createdAt: new Date(Date.now() - 60_000),
    });
    await createPayment({
      accountId: account.id,
      type: 'credit_top_up',
      creditPackageId: await packageId('auto_top_up_500'),
      credits: 500_000,
      status: 'failed',
      amount: 2000,
      automatic: true,
      failureReason: 'Your card was declined.',
      description: 'Automatic top-up',
    });

    const page = await html(await web.get('/billing/invoices', { cookie }));
    const payments = page.slice(page.indexOf('Payments, newest first'));
    expect(payments).toMatch(
      /Automatic top-up.*Your card was declined\..*Failed.*\$20\.00.*Subscription.*Pro, January.*Completed.*\$29\.99.*\$5\.00 refunded/s,
    );
  });
});

describe('the invoices page', () => {
  it('shows the time an invoice pays for from its lines, not the instant a change raised it', async () => {
    const { account, cookie } = await createMember({ role: 'member' });
    const raisedAt = new Date('2026-03-10T12:00:00Z');
    const [invoice] = await web
      .knex('invoices')
      .insert({
        accountId: account.id,
        stripeInvoiceId: `in_${unique('change')}`,
        number: 'CHG-0001',
        status: 'paid',
        billingReason: 'subscription_update',
        currency: 'usd',
        subtotal: 1500,
        total: 1500,
        amountPaid: 1500,
        // Stripe's own period of an invoice raised by a change: one instant.
        periodStart: raisedAt,
        periodEnd: raisedAt,
        issuedAt: raisedAt,
      })
      .returning('id');
    await web.knex('invoiceLines').insert({
      invoiceId: invoice.id,
      accountId: account.id,
      stripeLineId: `il_${unique('proration')}`,
      kind: 'proration',
      description: 'Remaining time on Max',
      amount: 1500,
      currency: 'usd',
      periodStart: raisedAt,
      periodEnd: new Date('2026-04-10T12:00:00Z'),
    });

    const page = await html(await web.get('/billing/invoices', { cookie }));
    expect(page).toMatch(/Remaining time on Max.*Mar 10, 2026 – Apr 10, 2026/s);
    expect(page).not.toContain('Mar 10, 2026 – Mar 10, 2026');
  });
});

describe('the credit ledger', () => {
  it('names an entry once: its description over its kind, or its kind alone', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    await grantTestCredits({ accountId: account.id, amount: 10_000, description: 'Welcome credits' });
    const key = await createPartnerKey({ scopes: ['credits:write'], accountId: account.id });
    const spent = await fetch(`${web.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({
        query:
          'mutation($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { balanceAfterMilliCredits } }',
        variables: {
          input: { accountId: account.id, amountMilliCredits: 1_000, idempotencyKey: unique('spend') },
        },
      }),
    });
    expect(((await spent.json()) as { errors?: unknown }).errors).toBeUndefined();

    const page = await html(await web.get('/billing/credits', { cookie }));
    const text = page.replace(/<[^>]+>/g, ' ');
    expect(text).toMatch(/Welcome credits\s*Grants/);
    expect(text).toContain('Spending');
    expect(text).not.toMatch(/Spending\s*Spending/);
  });
});

describe('when self-serve billing is turned off', () => {
  const setSelfServe = (enabled: boolean) =>
    web
      .knex('featureFlags')
      .insert({ key: 'self_serve_billing', enabled, updatedAt: new Date() })
      .onConflict('key')
      .merge();
  afterEach(async () => {
    await web.knex('featureFlagOverrides').delete();
    await setSelfServe(true);
  });

  const pages = async (cookie: string) => ({
    pricing: await html(await web.get('/pricing', { cookie })),
    billing: await html(await web.get('/billing', { cookie })),
    plan: await html(await web.get(`/billing/plan?planId=${await planId('max_monthly')}`, { cookie })),
    credits: await html(await web.get('/billing/credits', { cookie })),
  });

  it('shows a link to sales in place of every self-serve button, before anyone clicks', async () => {
    const { cookie } = await createMember({ role: 'owner' });
    const on = await pages(cookie);
    expect(on.pricing).toContain('name="planId"');
    expect(on.billing).toMatch(/href="\/pricing"[^>]*>Upgrade</);
    expect(on.credits).toContain('Buy for');
    expect(on.credits).toContain('Top up automatically');

    await setSelfServe(false);
    const off = await pages(cookie);
    expect(off.pricing).not.toContain('name="planId"');
    expect(off.pricing).toContain('Self-serve billing is turned off for this account');
    expect(off.pricing).toContain('href="mailto:sales@billing.test');
    expect(off.billing).not.toMatch(/>Upgrade</);
    expect(off.billing).toContain('contact sales to change your plan.');
    expect(off.plan).toContain('contact sales to change your plan or seats.');
    expect(off.plan).not.toContain('name="planId"');
    expect(off.credits).not.toContain('Buy for');
    expect(off.credits).not.toContain('Top up automatically');
    expect(off.credits).toContain('contact sales to buy credits.');
    expect(off.credits).toContain('contact sales to set up automatic top-ups.');
  });

  it('refuses a form sent from a page shown before, in words that fit what was asked', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    await setSelfServe(false);
    const refusal = (action: string) =>
      `Self-serve billing is turned off for this account; please contact sales to ${action}.`;

    const checkout = await web.post('/pricing', { planId: await planId('pro_monthly') }, { cookie });
    expect(checkout.status).toBe(200);
    expect(await html(checkout)).toContain(refusal('change your plan'));
    const trial = await web.post(
      '/pricing',
      { planId: await planId('starter_monthly'), intent: 'trial' },
      { cookie },
    );
    expect(await html(trial)).toContain(refusal('start a trial'));
    const credits = await web.post(
      '/billing/credits',
      { intent: 'buy', creditPackageId: await packageId('credits_500') },
      { cookie },
    );
    expect(await html(credits)).toContain(refusal('buy credits'));
    const autoTopUp = await web.post(
      '/billing/credits',
      {
        intent: 'auto-top-up',
        enabled: 'on',
        threshold: '100',
        creditPackageId: await packageId('auto_top_up_500'),
      },
      { cookie },
    );
    expect(await html(autoTopUp)).toContain(refusal('set up automatic top-ups'));
    expect(await web.knex('checkoutSessions').where({ accountId: account.id })).toEqual([]);
    expect(await web.knex('autoTopUpSettings').where({ accountId: account.id })).toEqual([]);
  });

  it('gives an account with its own override its buttons back, and no one else', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const other = await createMember({ role: 'owner' });
    await setSelfServe(false);
    await web
      .knex('featureFlagOverrides')
      .insert({ flagKey: 'self_serve_billing', accountId: account.id, enabled: true });

    const mine = await pages(cookie);
    expect(mine.pricing).toContain('name="planId"');
    expect(mine.credits).toContain('Buy for');
    expect(mine.pricing).not.toContain('Self-serve billing is turned off');
    const theirs = await pages(other.cookie);
    expect(theirs.pricing).not.toContain('name="planId"');
    expect(theirs.credits).not.toContain('Buy for');
  });
});

describe('the plan change page', () => {
  it('shows a seat count the API refuses next to the seats field', async () => {
    const { cookie } = await createMember({ role: 'owner' });
    const page = await html(
      await web.get(`/billing/plan?planId=${await planId('team_monthly')}&seats=0`, { cookie }),
    );
    expect(textOf(page, 'field-seats-error')).toBe('must be at least 1');
    expect(page).toMatch(/id="field-seats"[^>]*aria-invalid="true"/);
  });

  it('explains a change the account cannot make instead of showing an error page', async () => {
    const { cookie } = await createMember({ role: 'owner' });
    const response = await web.get(`/billing/plan?planId=${await planId('max_monthly')}`, { cookie });
    expect(response.status).toBe(200);
    expect(await html(response)).toContain(
      'The account has no paid subscription; subscribe through Checkout.',
    );
  });
});
