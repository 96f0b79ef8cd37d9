import type { Browser, Page } from 'playwright-core';
import { createStripeClient } from '../../server/stripe/client';
import { addMember, createAccount, createPartnerKey, createUser, TEST_PASSWORD, unique } from '../factories';
import { useWebApp } from '../web/support/webApp';
import { capture, collectPageErrors, DESKTOP, launchBrowser, shows } from './support/browser';

/**
 * A platform admin, in a real browser against the built app, puts a new account on a test clock and
 * moves it through its Pro trial's end, a renewal that bills usage beyond the allowance, a renewal whose
 * card is declined, Stripe's retries and the grace period, until the account is back on the free plan.
 * The account's owner sees the simulated date on every page.
 */
const web = useWebApp({ source: 'build' });
let browser: Browser;
let admin: Page;
let pageErrors: string[];

beforeAll(async () => {
  browser = await launchBrowser();
  admin = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  pageErrors = await collectPageErrors(admin, () => web.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** The Stripe the server talks to (its own emulator), for Stripe's side of the story. */
function serversStripe() {
  const { hostname, port } = new URL(web.emulatorUrl);
  return createStripeClient({
    secretKey: 'sk_test_web',
    emulator: { host: hostname, port: Number(port), protocol: 'http' },
  });
}

async function signIn(page: Page, email: string, landing: string) {
  await page.goto(`${web.url}/signin`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${web.url}${landing}`);
}

/** Waits until the server has applied what Stripe said about the account's subscription. */
async function subscriptionBecomes(accountId: string, status: string) {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const current = await web.knex('subscriptions').where({ accountId, status }).first();
    if (current) return current;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the subscription never became ${status}`);
}

async function moveClock(step: string) {
  await admin.getByRole('button', { name: step }).click();
  await shows(admin.getByText('The clock moved to'), undefined, 60_000);
}

it('moves an account through a trial, renewals, a declined card and its grace period', async () => {
  const tag = unique('clock');
  const account = await createAccount({ name: `${tag} Globex`, billingEmail: `${tag}@globex.test` });
  const owner = await createUser();
  await addMember({ accountId: account.id, user: owner, role: 'owner' });
  const adminUser = await createUser({ isPlatformAdmin: true });

  await signIn(admin, adminUser.email, '/admin');
  await admin.goto(`${web.url}/admin/accounts/${account.id}`);
  await admin.getByRole('button', { name: 'Put on a test clock' }).click();
  await shows(admin.getByText('The account is on a test clock'));
  const started = await admin.getByTestId('simulated-date').textContent();

  // The customer starts a 14-day Pro trial with a card (Stripe's side, as Checkout would leave it).
  const stripe = serversStripe();
  const { stripeCustomerId } = await web.knex('accounts').where({ id: account.id }).first();
  const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: stripeCustomerId });
  await stripe.customers.update(stripeCustomerId, { invoice_settings: { default_payment_method: card.id } });
  const pro = await web.knex('plans').where({ key: 'pro_monthly', active: true }).first();
  await stripe.subscriptions.create({
    customer: stripeCustomerId,
    items: [{ price: pro.stripePriceId }],
    trial_period_days: 14,
    metadata: { account_id: account.id },
  });
  await subscriptionBecomes(account.id, 'trialing');
  await admin.reload();
  await shows(admin.locator('.plan-name'), 'Trial');

  // Trial end: the first invoice is paid.
  await moveClock('To the next renewal');
  expect(await admin.getByTestId('simulated-date').textContent()).not.toBe(started);
  const invoices = admin.getByRole('table', { name: 'Latest invoices, newest first' });
  await shows(invoices, '$29.99');

  // Usage beyond the allowance (100,000 executions; one block of 1,000 over, at $0.50), recorded by the
  // partner at the account's simulated date, is billed on the next renewal.
  const { frozenTime } = await accountClock(account.id);
  const partner = await createPartnerKey({ scopes: ['usage:write'] });
  const batches = Array.from({ length: 101 }, (_, batch) =>
    Array.from({ length: 1000 }, (_, index) => ({
      accountId: account.id,
      meterKey: 'executions',
      quantity: 1,
      occurredAt: frozenTime.toISOString(),
      idempotencyKey: `${tag}-${batch}-${index}`,
    })),
  );
  let accepted = 0;
  for (const events of batches) {
    const response = await fetch(`${web.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${partner.secret}` },
      body: JSON.stringify({
        query: `mutation($input: RecordUsageInput!) { recordUsage(input: $input) { accepted } }`,
        variables: { input: { events } },
      }),
    });
    accepted += ((await response.json()) as { data: { recordUsage: { accepted: number } } }).data.recordUsage
      .accepted;
  }
  expect(accepted).toBe(101_000);
  await moveClock('To the next renewal');
  await shows(invoices, '$30.49');
  await capture(admin, 'admin-test-clock-renewed-with-overage');

  // The card starts declining: the next renewal fails and the account is past due.
  const declining = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', {
    customer: stripeCustomerId,
  });
  await stripe.customers.update(stripeCustomerId, {
    invoice_settings: { default_payment_method: declining.id },
  });
  await moveClock('To the next renewal');
  await shows(admin.locator('.plan-name'), 'Past due');
  await shows(admin.getByText(/grace period ends/));

  // The owner sees the account's simulated date on every page.
  const customer = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  await signIn(customer, owner.email, '/billing');
  await shows(customer.getByRole('status').filter({ hasText: 'Test clock: this account’s date is' }));
  await capture(customer, 'customer-on-a-test-clock');

  // Stripe's retries fail too; past the grace period the account is back on the free plan.
  await moveClock('+1 week');
  await moveClock('+1 week');
  await shows(admin.getByRole('heading', { name: 'Subscription' }));
  await shows(admin.locator('.plan-name'), 'Free');
  await capture(admin, 'admin-test-clock-after-grace-period');
  expect(pageErrors).toEqual([]);
}, 240_000);

async function accountClock(accountId: string): Promise<{ frozenTime: Date }> {
  const row = await web.knex('accounts').where({ id: accountId }).first();
  return { frozenTime: new Date(row.testClockTime) };
}
