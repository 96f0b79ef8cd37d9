import {
  createMember,
  createPartnerKey,
  createPayment,
  createPlan,
  createUser,
  sessionCookieFor,
} from '../factories';
import { html, textOf } from './support/html';
import { useWebApp } from './support/webApp';

/**
 * The admin console's new pages and actions over HTTP: refunds with their errors next to the fields,
 * feature flags, the check of the books, revenue and the notifications outbox. Customers are refused.
 */
const web = useWebApp({ source: 'vite' });

let admin: string;
beforeAll(async () => {
  admin = await sessionCookieFor(await createUser({ isPlatformAdmin: true }));
});

describe('refunds', () => {
  it('are refused to customers', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const payment = await createPayment({ accountId: account.id });
    const response = await web.post(
      `/admin/accounts/${account.id}?refund=${payment.id}`,
      { intent: 'refund', paymentId: payment.id, currency: 'usd', amount: '', reason: 'Mine' },
      { cookie },
    );
    expect(response.status).toBe(403);
    expect(await web.knex('payments').where({ refundedPaymentId: payment.id }).first()).toBeUndefined();
  });

  it('ask for a reason and a well-formed amount next to those fields, and refund nothing', async () => {
    const { account } = await createMember({ role: 'owner' });
    const payment = await createPayment({ accountId: account.id, amount: 2999 });
    const form = await html(
      await web.get(`/admin/accounts/${account.id}?refund=${payment.id}`, { cookie: admin }),
    );
    expect(form).toContain('Leave empty to refund all that is left: $29.99.');

    const refused = await html(
      await web.post(
        `/admin/accounts/${account.id}?refund=${payment.id}`,
        {
          intent: 'refund',
          paymentId: payment.id,
          currency: 'usd',
          amount: '12.345',
          reason: '',
          idempotencyKey: 'r-1',
        },
        { cookie: admin },
      ),
    );
    expect(textOf(refused, 'refund-amount-error')).toBe(
      'Enter an amount such as 5 or 12.50, or leave it empty to refund all that is left.',
    );
    expect(textOf(refused, 'refund-reason-error')).toBe('A reason is required; it is kept in the audit log.');
    // The credit adjustment form on the same page has an amount and a reason too: its fields stay clean.
    expect(textOf(refused, 'field-amount-error')).toBeNull();
    expect(textOf(refused, 'field-reason-error')).toBeNull();

    const tooMuch = await html(
      await web.post(
        `/admin/accounts/${account.id}?refund=${payment.id}`,
        {
          intent: 'refund',
          paymentId: payment.id,
          currency: 'usd',
          amount: '30',
          reason: 'Overcharged',
          idempotencyKey: 'r-2',
        },
        { cookie: admin },
      ),
    );
    expect(textOf(tooMuch, 'refund-amount-error')).toBe('That is more than is left to refund.');
    expect(await web.knex('payments').where({ refundedPaymentId: payment.id }).first()).toBeUndefined();
  });
});

/** An account on a paid plan it holds without Stripe, as a contract an admin set up would be. */
async function onPaidPlan() {
  const { account } = await createMember({ role: 'owner' });
  const plan = await createPlan({ priceAmount: 2999 });
  await web.knex('subscriptions').where({ accountId: account.id }).update({ planId: plan.id });
  return account;
}

describe('canceling at once', () => {
  it('offers the choice of refund, nothing by default', async () => {
    const account = await onPaidPlan();
    const page = await html(await web.get(`/admin/accounts/${account.id}`, { cookie: admin }));
    expect(page).toMatch(/<select[^>]*id="cancel-refund"/);
    expect(page).toMatch(/<option value="NONE" selected="">Nothing<\/option>/);
    expect(page).toContain('The unused part of the period');
  });

  it('asks for a reason and a refund it knows, next to those fields, and cancels nothing', async () => {
    const account = await onPaidPlan();
    const refused = await html(
      await web.post(
        `/admin/accounts/${account.id}`,
        { intent: 'cancel-now', reason: '', refund: 'EVERYTHING' },
        { cookie: admin },
      ),
    );
    expect(textOf(refused, 'cancel-reason-error')).toBe('Say why the subscription ends now.');
    expect(textOf(refused, 'cancel-refund-error')).toBe('Choose what is refunded.');
    expect(await web.knex('subscriptions').where({ accountId: account.id }).first()).toMatchObject({
      status: 'active',
      endedAt: null,
    });
  });
});

describe('actions that cannot be undone', () => {
  it('cancels a subscription now only on the second step, which carries the first one’s choices', async () => {
    const account = await onPaidPlan();
    const fields = { intent: 'cancel-now', reason: 'Fraudulent sign-up', refund: 'NONE' };
    const asked = await html(await web.post(`/admin/accounts/${account.id}`, fields, { cookie: admin }));
    expect(asked).toContain('Cancel this subscription now?');
    expect(asked).toContain('refunded: nothing.');
    expect(asked).toContain('name="confirmed" value="yes"');
    expect(asked).toContain('name="reason" value="Fraudulent sign-up"');
    expect(await web.knex('subscriptions').where({ accountId: account.id }).first()).toMatchObject({
      status: 'active',
      endedAt: null,
    });
  });

  it('revokes an API key and replays a Stripe event only when confirmed', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const { apiKey: key } = await createPartnerKey({ scopes: ['usage:read'], accountId: account.id });
    const asked = await html(
      await web.post('/settings/api-keys', { intent: 'revoke', id: key.id, name: key.name }, { cookie }),
    );
    expect(asked).toContain(`Revoke ${key.name}?`);
    expect((await web.knex('apiKeys').where({ id: key.id }).first()).revokedAt).toBeNull();
    await web.post(
      '/settings/api-keys',
      { intent: 'revoke', id: key.id, name: key.name, confirmed: 'yes' },
      { cookie },
    );
    expect((await web.knex('apiKeys').where({ id: key.id }).first()).revokedAt).not.toBeNull();

    const replay = await html(await web.post('/admin/events', { id: 'evt_not_replayed' }, { cookie: admin }));
    expect(replay).toContain('Replay evt_not_replayed?');
    expect(replay).not.toContain('Replayed');
  });
});

describe('an account’s audit log', () => {
  it('reads as sentences: what in words, who by name and kind, the record folded away', async () => {
    const auditor = await createUser({ isPlatformAdmin: true, name: 'Ada Auditor' });
    const { account } = await createMember({ role: 'owner' });
    await web.knex('auditLog').insert({
      accountId: account.id,
      action: 'credits.adjusted',
      actorType: 'user',
      actorId: auditor.id,
      targetType: 'account',
      targetId: account.id,
      reason: 'Goodwill',
      details: { amountMilliCredits: 5000 },
    });
    const page = await html(await web.get(`/admin/accounts/${account.id}`, { cookie: admin }));
    const table = page.slice(
      page.indexOf('Audit log, newest first'),
      page.indexOf('</table>', page.indexOf('Audit log, newest first')),
    );
    expect(table).toMatch(
      /Credits adjusted.*“Goodwill”.*Ada Auditor.*Person.*<details><summary>Details<\/summary>/s,
    );
    expect(table).toContain('&quot;amountMilliCredits&quot;: 5000');
    expect(table).not.toContain('credits.adjusted');
  });
});

describe('an account’s subscription', () => {
  it('shows what a per-seat account pays in all, then the seats and their price', async () => {
    const { account } = await createMember({ role: 'owner' });
    const team = await web.knex('plans').where({ key: 'team_monthly', active: true }).first();
    await web
      .knex('subscriptions')
      .where({ accountId: account.id })
      .update({ planId: team.id, quantity: 5, status: 'active' });
    const page = await html(await web.get(`/admin/accounts/${account.id}`, { cookie: admin }));
    const each = team.priceAmount as number;
    const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;
    expect(page).toContain(`${dollars(each * 5)} · 5 seats at ${dollars(each)}`);
  });
});

describe('the accounts list', () => {
  it('filters by the plans accounts can be on, not by drafts never sold', async () => {
    const draft = await createPlan({ key: 'never_sold_draft', status: 'draft', active: false });
    const sold = await createPlan({ key: 'sold_once', active: false });
    const page = await html(await web.get('/admin/accounts', { cookie: admin }));
    expect(page).toContain(`value="${sold.key}"`);
    expect(page).not.toContain(`value="${draft.key}"`);
  });
});

describe('feature flags', () => {
  it('are switched by platform admins only, and a switched-off self-serve billing reaches customers', async () => {
    const { cookie } = await createMember({ role: 'owner' });
    expect(
      (await web.post('/admin/flags', { key: 'self_serve_billing', enabled: 'false' }, { cookie })).status,
    ).toBe(403);

    const page = await html(await web.get('/admin/flags', { cookie: admin }));
    expect(page).toMatch(/self_serve_billing.*On.*Turn off/s);
    const off = await web.post(
      '/admin/flags',
      { key: 'self_serve_billing', enabled: 'false' },
      { cookie: admin },
    );
    expect(off.headers.get('location')).toBe('/admin/flags?changed=self_serve_billing');
    expect(await html(await web.get('/admin/flags?changed=self_serve_billing', { cookie: admin }))).toContain(
      'self_serve_billing is now off.',
    );

    const plan = (await web.knex('plans').where({ key: 'pro_monthly', active: true }).first()).id;
    expect(await html(await web.post('/pricing', { planId: plan }, { cookie }))).toContain(
      'Self-serve billing is turned off for this account; please contact sales to change your plan.',
    );

    await web.post('/admin/flags', { key: 'self_serve_billing', enabled: 'true' }, { cookie: admin });
    expect(await web.knex('featureFlags').where({ key: 'self_serve_billing' }).first()).toMatchObject({
      enabled: true,
    });
  });

  it('shows a flag that does not exist as the form’s error', async () => {
    const page = await html(
      await web.post('/admin/flags', { key: 'free_money', enabled: 'true' }, { cookie: admin }),
    );
    expect(page).toContain('Feature flag not found.');
  });
});

describe('the check of the books', () => {
  it('runs on demand and shows each difference it finds, without fixing it', async () => {
    const { cookie } = await createMember({ role: 'owner' });
    expect((await web.post('/admin/health', {}, { cookie })).status).toBe(403);
    expect(await html(await web.get('/admin/health', { cookie: admin }))).toContain(
      'The books have not been checked yet.',
    );

    // A cached balance that no longer matches its ledger, and a charge Stripe has never heard of.
    const { account } = await createMember({ role: 'owner' });
    await web.knex('creditBalances').where({ accountId: account.id }).update({ balance: 42 });
    const payment = await createPayment({ accountId: account.id });

    const run = await web.post('/admin/health', {}, { cookie: admin });
    expect(run.headers.get('location')).toBe('/admin/health?reconciled=1#books');
    const report = await html(await web.get('/admin/health?reconciled=1', { cookie: admin }));
    expect(report).toContain('The books were checked just now.');
    expect(report).toMatch(/balance equals the sum of the ledger.*credit balance.*>0<.*>42</s);
    expect(report).toMatch(
      new RegExp(`payment exists in Stripe.*payment ${payment.id}.*a PaymentIntent.*none`, 's'),
    );
    expect(await html(await web.get('/admin', { cookie: admin }))).toMatch(/The books.*\d+ differences/s);
    expect(await web.knex('creditBalances').where({ accountId: account.id }).first()).toMatchObject({
      balance: 42,
    });
  });
});

describe('revenue and the outbox', () => {
  it('shows the headline figures and the series for the chosen range', async () => {
    const page = await html(await web.get('/admin/revenue?range=30d', { cookie: admin }));
    expect(page).toMatch(
      /MRR.*ARR.*ARPU.*Paying accounts.*Churn.*Trial conversion.*Trials started.*Payment success.*Stripe webhooks applied.*Average credit balance.*Failed payments/s,
    );
    expect(page).toContain('<option value="30d" selected="">Last 30 days</option>');
    expect((await web.get('/admin/revenue', { cookie: (await createMember()).cookie })).status).toBe(403);
  });

  it('lists notifications by status and account, each body readable', async () => {
    const { account, user } = await createMember({ role: 'owner' });
    await web.knex('notifications').insert({
      kind: 'payment_failed',
      accountId: account.id,
      recipient: user.email,
      subject: 'Your payment failed',
      bodyText: 'We could not charge your card.',
      status: 'failed',
      attempts: 3,
      lastError: 'SMTP said no',
    });

    const failed = await html(
      await web.get(`/admin/notifications?status=FAILED&accountId=${account.id}`, { cookie: admin }),
    );
    expect(failed).toMatch(
      /Your payment failed.*We could not charge your card\..*SMTP said no.*Failed.*3 attempts/s,
    );
    const sent = await html(
      await web.get(`/admin/notifications?status=SENT&accountId=${account.id}`, { cookie: admin }),
    );
    expect(sent).toContain('No notifications with this status.');
  });
});
