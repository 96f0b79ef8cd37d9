import type { Client as PgClient, Notification } from 'pg';
import type { Browser, Page } from 'playwright-core';
import { createStripeClient } from '../../server/stripe/client';
import { User } from '../../server/auth/User';
import { addMember, createAccount, createPartnerKey, createUser, TEST_PASSWORD } from '../factories';
import { deliverOutbox, linkIn } from '../support/mailbox';
import { useWebApp } from '../web/support/webApp';
import { capture, collectPageErrors, DESKTOP, launchBrowser, shows } from './support/browser';

/**
 * A new customer and a platform admin, in a real browser against the built app. The customer signs up,
 * is declined with a bad card and nothing changes, pays for Pro with the test card, sees their plan,
 * next invoice and usage, buys credits and sets up automatic top-up, sees invoices and payments,
 * cancels and resumes, visits Stripe's billing portal and comes back. The admin adjusts their credits,
 * refunds the credit purchase (the customer's balance drops), checks the books, and turns self-serve
 * billing off, which the customer meets when upgrading, then on again. The customer moves to the
 * per-seat Team plan during the trial, pays when it ends, adds a seat and upgrades to Max, each after
 * seeing its price; the admin sees the new revenue and the notices sent. Last, the customer, who also
 * works for another organisation, switches between their two accounts. Each step builds on the one
 * before, as a person's visit does.
 */
const web = useWebApp({ source: 'build' });
const customer = {
  name: 'Grace Hopper',
  accountName: `Compilers ${Date.now()}`,
  email: `grace-${Date.now()}@example.com`,
  password: 'a long enough password',
};

let browser: Browser;
/** The customer's browser, and the admin's (its own cookies): the journey switches between them. */
let page: Page;
let admin: Page;
let pageErrors: string[];
let adminPageErrors: string[];

beforeAll(async () => {
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  admin = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  pageErrors = await collectPageErrors(page, () => web.url);
  adminPageErrors = await collectPageErrors(admin, () => web.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(() => {
  expect([...pageErrors.splice(0), ...adminPageErrors.splice(0)]).toEqual([]);
});

async function accountIdOfCustomer(): Promise<string> {
  const row = await web
    .knex('memberships')
    .join('users', 'users.id', 'memberships.user_id')
    .where('users.email', customer.email)
    .first('memberships.account_id');
  return row.accountId as string;
}

async function payOnCheckout(card: string, button: 'Subscribe' | 'Pay' = 'Subscribe'): Promise<void> {
  await page.getByLabel('Card number').fill(card);
  await page.getByLabel('Expiry (MM / YY)').fill('12 / 40');
  await page.getByLabel('CVC').fill('123');
  await page.getByLabel('Name on card').fill(customer.name);
  await page.getByRole('button', { name: button }).click();
}

async function choosePro(): Promise<void> {
  await page.goto(`${web.url}/pricing`);
  await page.getByRole('button', { name: 'Start 14-day trial of Pro' }).click();
  await page.waitForURL(`${web.emulatorUrl}/c/pay/**`);
}

/**
 * Listens for the changes Postgres announces to an account's subscriptions (the `subscription_changed`
 * trigger), so a step can wait for a webhook's effect, which lands a moment after the call that caused
 * it, by checking again each time one is announced rather than every so often.
 */
async function subscriptionChanges(accountId: string) {
  const connection = (await web.knex.client.acquireConnection()) as PgClient;
  let announced = false;
  let wake: (() => void) | undefined;
  const onNotification = (message: Notification) => {
    if (message.payload !== accountId) return;
    announced = true;
    wake?.();
  };
  connection.on('notification', onNotification);
  await connection.query('listen subscription_changed');
  return {
    async until(condition: () => Promise<boolean>): Promise<void> {
      while (!(await condition())) {
        if (!announced) await new Promise<void>((resolve) => (wake = resolve));
        announced = false;
      }
    },
    async close(): Promise<void> {
      await connection.query('unlisten subscription_changed');
      connection.off('notification', onNotification);
      await web.knex.client.releaseConnection(connection);
    },
  };
}

/** The customer's credit balance as the credits page shows it. */
async function creditBalance(): Promise<string> {
  await page.goto(`${web.url}/billing/credits`);
  return page.getByTestId('credit-balance').innerText();
}

it('shows the landing page and lets a visitor sign up', async () => {
  await page.goto(web.url);
  await shows(page.getByRole('heading', { level: 1 }), 'Pay for what you use');
  await capture(page, '01-landing');
  await page.getByRole('link', { name: 'Start free' }).first().click();
  await page.waitForURL('**/signup');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await shows(page.locator('#field-password-error'), 'must be at least 10 characters');
  await capture(page, '02-signup-errors');

  await page.getByLabel('Your name').fill(customer.name);
  await page.getByLabel('Company or team name').fill(customer.accountName);
  await page.getByLabel('Work email').fill(customer.email);
  await page.getByLabel('Password').fill(customer.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await shows(page.getByRole('heading', { level: 1 }), 'Check your inbox');
  await capture(page, '02b-signup-check-inbox');

  // The emailed link, sent as the notifications job would; opening it asks for one more click.
  const email = (await deliverOutbox()).find((sent) => sent.to === customer.email);
  await page.goto(`${web.url}${linkIn(email, '/signup/confirm')}`);
  await page.getByRole('button', { name: 'Create my account' }).click();
  await page.waitForURL(`${web.url}/billing`);
  await shows(page.locator('.plan-name'), 'Free');
  await shows(page.getByText('None: the Free plan costs nothing.'));
  await capture(page, '03-billing-free');
});

it('shows the pricing page with the yearly saving and the per-seat price', async () => {
  await page.goto(`${web.url}/pricing`);
  await shows(page.getByText('Your plan'));
  await page.getByRole('link', { name: /Yearly/ }).click();
  await shows(page.getByText('Save $71.88 a year (20%)'));
  await page.getByLabel('Seats').fill('4');
  await shows(page.getByText('4 seats: $196.00 per month'));
  await capture(page, '04-pricing');
});

it('takes the seats people type, and says what it cannot take without changing the prices', async () => {
  const seats = page.getByLabel('Seats');
  await seats.fill('');
  await shows(page.getByText('Enter a whole number from 1 to 10000. Prices are shown for 4.'));
  await seats.pressSequentially('7');
  expect(await seats.inputValue()).toBe('7');
  await shows(page.getByText('7 seats: $343.00 per month'));
  for (const typed of ['0', '100000']) {
    await seats.fill(typed);
    await shows(page.getByText('Enter a whole number from 1 to 10000. Prices are shown for 7.'));
    await shows(page.getByText('7 seats: $343.00 per month'));
  }
  await seats.fill('4');
  await shows(page.getByText('4 seats: $196.00 per month'));
});

it('tells the customer when their card is declined and changes nothing', async () => {
  await choosePro();
  await capture(page, '05-stripe-checkout');
  await payOnCheckout('4000 0000 0000 0002');
  await shows(page.getByRole('alert'), /declined/i);
  await capture(page, '06-checkout-declined');
  await page.goto(`${web.url}/billing`);
  await shows(page.locator('.plan-name'), 'Free');
});

it('subscribes to Pro with the test card and returns to a dashboard that shows Pro and its next invoice', async () => {
  await choosePro();
  await payOnCheckout('4242 4242 4242 4242');
  await page.waitForURL(`${web.url}/billing/checkout/success?**`);
  // The page polls until Stripe's webhook has landed, then names the new plan.
  await shows(page.getByText(/You are now on Pro/), undefined, 20_000);
  await capture(page, '07-checkout-success');
  await page.getByRole('link', { name: 'Go to billing' }).click();
  await shows(page.locator('.plan-name'), 'Pro');
  await shows(page.getByText(/left in your trial/));
  // The first invoice comes when the trial ends: Pro's price, as Stripe previews it.
  await shows(page.getByTestId('upcoming-invoice-total'), '$29.99');
  await shows(page.getByRole('cell', { name: '1 × Pro (at $29.99 / month)' }));
  await shows(page.getByText(/^Paid with Visa ending in 4242, expires \d\d\/\d{4}\.$/));
  await capture(page, '08-billing-pro');
});

it('draws the usage chart from recorded usage', async () => {
  const accountId = await accountIdOfCustomer();
  const { secret } = await createPartnerKey({ scopes: ['usage:write'], accountId });
  // Now, so that it counts in the subscription's current period, which began a moment ago.
  const occurredAt = new Date().toISOString();
  const response = await fetch(`${web.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({
      query: 'mutation($input: RecordUsageInput!) { recordUsage(input: $input) { accepted } }',
      variables: {
        input: {
          events: [
            {
              accountId,
              meterKey: 'agent_action.small',
              quantity: 37,
              occurredAt,
              idempotencyKey: 'journey-small',
            },
            {
              accountId,
              meterKey: 'agent_action.large',
              quantity: 4,
              occurredAt,
              idempotencyKey: 'journey-large',
            },
          ],
        },
      },
    }),
  });
  expect((await response.json()).data.recordUsage.accepted).toBe(2);

  await page.goto(`${web.url}/billing/usage`);
  await shows(page.locator('.recharts-line-curve').first());
  await page.getByText('Show the numbers').first().click();
  await shows(page.getByRole('cell', { name: '37', exact: true }).first());
  await capture(page, '09-usage');

  await page.goto(`${web.url}/billing`);
  await shows(page.getByText('37 of 2,500 actions'));
});

it('buys a credit pack and sees the balance rise', async () => {
  expect(await creditBalance()).toBe('1,000');
  await page.getByRole('button', { name: /^Buy for \$10\.00/ }).click();
  await page.waitForURL(`${web.emulatorUrl}/c/pay/**`);
  await payOnCheckout('4242 4242 4242 4242', 'Pay');
  await page.waitForURL(`${web.url}/billing/checkout/success?**`);
  await shows(page.getByText(/Your balance is now 1,500 credits/), undefined, 20_000);
  await capture(page, '10-credits-purchased');
  expect(await creditBalance()).toBe('1,500');
});

it('turns on automatic top-up with the card the purchase left on file', async () => {
  await page.goto(`${web.url}/billing/credits`);
  const settings = page.getByRole('form', { name: 'Automatic top-up settings' });
  await settings.getByLabel('Top up automatically').check();
  await settings.getByLabel('When the balance falls below (credits)').fill('12.5x');
  await settings.getByRole('button', { name: 'Save automatic top-up' }).click();
  await shows(page.locator('#field-threshold-error'), 'Enter a number of credits');

  await settings.getByLabel('When the balance falls below (credits)').fill('200');
  await settings.getByLabel('Buy').selectOption({ label: '500 credits for $20.00' });
  await settings.getByRole('button', { name: 'Save automatic top-up' }).click();
  await shows(page.getByRole('status'), 'Your automatic top-up settings are saved.');
  await shows(
    page.getByTestId('auto-top-up-status'),
    'When your balance falls below 200 credits, we buy 500 credits for $20.00.',
  );
  await capture(page, '11-credits-auto-top-up');
});

it('lists the paid invoice and the payments', async () => {
  await page.goto(`${web.url}/billing/invoices`);
  await shows(
    page.getByRole('table', { name: 'Invoices, newest first' }).locator('tbody tr').first(),
    'Paid',
  );
  const payments = page.getByRole('table', { name: 'Payments, newest first' });
  await shows(payments.locator('tbody tr').first(), /Credit purchase.*Completed.*\$10\.00/s);
  await capture(page, '12-invoices-and-payments');
});

it('cancels at the end of the period, says when, and resumes', async () => {
  await page.goto(`${web.url}/billing`);
  await page.getByRole('link', { name: 'Cancel subscription' }).click();
  await page.getByLabel('Why are you leaving? (optional)').fill('Just trying things out');
  await page.getByRole('button', { name: 'Cancel subscription' }).click();
  await shows(page.getByText(/Cancels on [A-Z][a-z]{2} \d{1,2}, \d{4}/));
  await shows(page.getByText(/None: your plan ends on [A-Z][a-z]{2} \d{1,2}, \d{4} and does not renew\./));
  await capture(page, '13-billing-canceling');

  await page.getByRole('button', { name: 'Resume subscription' }).click();
  await shows(page.getByRole('status'), 'Your subscription is back on: it will renew as usual.');
  await shows(page.getByTestId('upcoming-invoice-total'), '$29.99');
  await shows(page.getByRole('link', { name: 'Cancel subscription' }));
});

it('opens Stripe’s billing portal and comes back from it', async () => {
  await page.goto(`${web.url}/billing`);
  await page.getByRole('button', { name: 'Payment methods' }).click();
  await page.waitForURL(`${web.emulatorUrl}/p/session/**`);
  await shows(page.getByRole('heading', { level: 1 }), `Billing for ${customer.email}`);
  await shows(page.getByText('visa ending in 4242'));
  await capture(page, '14-billing-portal');
  await page.getByRole('link', { name: '← Return' }).click();
  await page.waitForURL(`${web.url}/billing`);
  await shows(page.locator('.plan-name'), 'Pro');
});

it('shows the account’s members and creates an API key shown once', async () => {
  await page.goto(`${web.url}/settings/members`);
  await shows(page.getByRole('cell', { name: new RegExp(customer.email) }));
  await capture(page, '15-settings-members');
  await page.goto(`${web.url}/settings/api-keys`);
  await page.getByLabel('Name').fill('Production server');
  await page.getByRole('button', { name: 'Create key' }).click();
  await shows(page.getByLabel('The new API key'), /^bsk_/);
  await capture(page, '16-settings-api-keys');
});

describe('a platform admin', () => {
  beforeAll(async () => {
    const user = await createUser({ isPlatformAdmin: true });
    await admin.goto(`${web.url}/signin`);
    await admin.getByLabel('Email').fill(user.email);
    await admin.getByLabel('Password').fill(TEST_PASSWORD);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.waitForURL(`${web.url}/admin`);
  });

  it('finds the customer and adjusts their credits with a reason', async () => {
    await capture(admin, '17-admin-overview');
    await admin.getByRole('link', { name: 'Accounts', exact: true }).click();
    await admin.getByLabel('Search').fill(customer.accountName);
    await admin.getByRole('button', { name: 'Search' }).click();
    await capture(admin, '18-admin-accounts');
    await admin.getByRole('link', { name: customer.accountName }).click();
    await admin.getByLabel('Credits to add or take away').fill('250');
    await admin.getByRole('button', { name: 'Adjust credits' }).click();
    await shows(admin.locator('#field-reason-error'), 'A reason is required');
    await admin.getByLabel('Credits to add or take away').fill('250');
    await admin.getByLabel('Reason', { exact: true }).fill('Welcome bonus');
    await admin.getByRole('button', { name: 'Adjust credits' }).click();
    await shows(admin.getByText('Credits adjusted.'));
    await shows(admin.getByText('“Welcome bonus”'));
    await capture(admin, '19-admin-account');
  });

  it('refunds the credit purchase, asking for a reason first, and its unspent credits are taken back', async () => {
    const purchase = admin
      .getByRole('table', { name: 'Payments, newest first' })
      .getByRole('row')
      .filter({ hasText: 'Credit purchase' });
    await purchase.getByRole('link', { name: /^Refund/ }).click();
    await shows(admin.getByRole('heading', { name: /Refund credit purchase of \$10\.00/ }));
    await admin.getByRole('button', { name: 'Refund payment' }).click();
    await shows(admin.locator('#refund-reason-error'), 'A reason is required');
    await admin.getByLabel('Reason for the refund').fill('Bought by mistake');
    await capture(admin, '20-admin-refund-form');
    await admin.getByRole('button', { name: 'Refund payment' }).click();
    await shows(
      admin.getByRole('status'),
      'Refunded: $10.00 of the $10.00 credit purchase is now refunded. Its unspent credits were taken back: the balance is now 1,250 credits.',
    );
    await shows(purchase, 'Refunded');
    await shows(admin.getByRole('cell', { name: 'Unspent credits of a refunded purchase' }));
    await shows(admin.getByRole('cell', { name: /Payment refunded.*“Bought by mistake”/ }));
    await capture(admin, '21-admin-refunded');
  });

  it('replays a Stripe event, asking first', async () => {
    await admin.goto(`${web.url}/admin/events`);
    await admin
      .getByRole('button', { name: /^Replay / })
      .first()
      .click();
    // Nothing is replayed until the second step; "Keep it as it is" would leave it alone.
    await shows(admin.getByRole('alert'), /Replay evt_\w+\?/);
    await capture(admin, '22-admin-events-confirm');
    await admin.getByRole('button', { name: 'Yes, replay it' }).click();
    await shows(admin.getByRole('status'), /Replayed evt_\w+: (processed|ignored)/);
    await capture(admin, '22-admin-events');
  });

  it('checks the books now and finds them balanced', async () => {
    await admin.goto(`${web.url}/admin/health`);
    await shows(admin.getByText('Emulated'));
    await admin.getByRole('button', { name: 'Run now the check of the books' }).click();
    await shows(admin.getByRole('status'), 'The books were checked just now.');
    await shows(admin.locator('#books .badge'), 'Balanced');
    await capture(admin, '23-admin-health');
    await admin.goto(`${web.url}/admin`);
    await shows(admin.locator('.stat').filter({ hasText: 'The books' }), 'Balanced');
  });

  it('turns self-serve billing off', async () => {
    await admin.goto(`${web.url}/admin/flags`);
    await admin.getByRole('button', { name: 'Turn off self_serve_billing' }).click();
    await shows(admin.getByRole('status'), 'self_serve_billing is now off.');
    await capture(admin, '24-admin-flags');
  });
});

it('shows the customer a balance that dropped with the refund', async () => {
  expect(await creditBalance()).toBe('1,250');
  await shows(page.getByRole('cell', { name: /Welcome bonus/ }));
  await shows(page.getByRole('cell', { name: /Unspent credits of a refunded purchase/ }));
  await capture(page, '25-credits-after-refund');
});

it('tells the customer that upgrading is turned off, then lets them once it is back on', async () => {
  await page.goto(`${web.url}/pricing`);
  await shows(page.getByRole('status'), 'Self-serve billing is turned off for this account');
  await shows(page.getByRole('link', { name: 'Contact sales about Max' }));
  expect(await page.getByRole('link', { name: 'Switch to Max' }).count()).toBe(0);
  await capture(page, '26-plan-change-refused');

  await admin.goto(`${web.url}/admin/flags`);
  await admin.getByRole('button', { name: 'Turn on self_serve_billing' }).click();
  await shows(admin.getByRole('status'), 'self_serve_billing is now on.');

  await page.reload();
  await page.getByRole('link', { name: 'Switch to Max' }).click();
  await shows(page.getByRole('heading', { level: 1 }), 'Switch to Max');
});

it('moves to the per-seat Team plan during the trial, with nothing to pay until it ends', async () => {
  await page.goto(`${web.url}/pricing`);
  await page.getByLabel('Seats').fill('2');
  await page.getByRole('link', { name: 'Switch to Team' }).click();
  await shows(page.getByRole('heading', { level: 1 }), 'Switch to Team');
  await shows(
    page.getByText(
      /Nothing to pay now\. Your trial continues on Team until [A-Z][a-z]{2} \d{1,2}, \d{4}; then \$98\.00 per month/,
    ),
  );
  await capture(page, '27-plan-change-in-trial');
  await page.getByRole('button', { name: 'Switch to Team' }).click();
  await page.waitForURL(`${web.url}/billing?done=changed`);
  await shows(page.locator('.plan-name'), 'Team');
  await shows(page.getByText('$98.00 per month · 2 seats'));
  await shows(page.getByTestId('upcoming-invoice-total'), '$98.00');
});

it('pays the first Team invoice when the trial ends', async () => {
  // As if the 14 days had passed: Stripe ends the trial, invoices the period and tells us by webhook.
  const subscription = await web
    .knex('subscriptions')
    .where({ accountId: await accountIdOfCustomer() })
    .whereNull('endedAt')
    .first();
  const { hostname, port } = new URL(web.emulatorUrl);
  const stripe = createStripeClient({
    secretKey: 'sk_test_journey',
    emulator: { host: hostname, port: Number(port), protocol: 'http' },
  });
  const changes = await subscriptionChanges(subscription.accountId);
  try {
    await stripe.subscriptions.update(subscription.stripeSubscriptionId, { trial_end: 'now' });
    await changes.until(
      async () =>
        (await web.knex('subscriptions').where({ id: subscription.id }).first()).status === 'active',
    );
  } finally {
    await changes.close();
  }
  await page.goto(`${web.url}/billing`);
  await shows(page.locator('.plan-name'), 'Active');
});

it('adds a seat to Team, paying the prorated difference now', async () => {
  await page.getByRole('link', { name: 'Change seats' }).click();
  await shows(page.getByRole('heading', { level: 1 }), 'Change seats');
  await shows(page.getByText('Team has 2 seats now.'));
  await page.getByLabel('Seats').fill('3');
  await page.getByRole('button', { name: 'Update the price' }).click();
  await shows(page.getByText('Due now (prorated for the rest of this period)'));
  await shows(page.locator('.big-number'), /^\$4\d\.\d{2}$/);
  await capture(page, '28-seats-preview');
  await page.getByRole('button', { name: 'Confirm 3 seats' }).click();
  await page.waitForURL(`${web.url}/billing?done=seats`);
  await shows(page.getByText('$147.00 per month · 3 seats'));
});

it('upgrades from Team to Max after seeing what is due now, and the dashboard shows Max', async () => {
  await page.goto(`${web.url}/pricing`);
  await page.getByRole('link', { name: 'Switch to Max' }).click();
  await shows(page.getByText('Due now (prorated for the rest of this period)'));
  await shows(page.getByRole('cell', { name: /^Unused time on 3 × Team/ }));
  const due = await page.locator('.big-number').innerText();
  expect(due).toMatch(/^\$\d{3}\.\d{2}$/);
  await capture(page, '29-upgrade-preview');
  await page.getByRole('button', { name: `Pay ${due} and switch` }).click();
  await page.waitForURL(`${web.url}/billing?done=changed`);
  await shows(page.locator('.plan-name'), 'Max');
  await shows(page.getByTestId('upcoming-invoice-total'), '$499.99');
  await capture(page, '30-billing-max');
});

it('shows the admin the new recurring revenue, with its charts', async () => {
  await admin.goto(`${web.url}/admin/revenue`);
  const figure = (name: string) => admin.locator('.stat', { has: admin.getByText(name, { exact: true }) });
  await shows(figure('MRR'), '$499.99');
  await shows(figure('Paying accounts'), '1');
  await shows(admin.locator('.recharts-line-curve').first());
  await shows(admin.locator('.recharts-bar-rectangle').first());
  await capture(admin, '31-admin-revenue');
  await admin.getByLabel('Range').selectOption('30d');
  await admin.getByRole('button', { name: 'Show' }).click();
  await admin.waitForURL('**/admin/revenue?range=30d');
  await admin.getByText('Show the numbers').first().click();
  await shows(admin.getByRole('table', { name: 'Revenue per period' }).getByRole('row').last(), /\$10\.00/);
});

it('shows the admin the customer’s notices in the outbox, each readable', async () => {
  await admin.goto(`${web.url}/admin/notifications`);
  const notice = admin.locator('details.notification').filter({ hasText: 'Your plan is now Max' }).first();
  await notice.locator('summary').click();
  await shows(notice.locator('pre'), 'Your subscription is now on Max.');
  await capture(admin, '32-admin-notifications');
});

it('lets a customer who also works for another organisation switch between their accounts', async () => {
  const other = await createAccount({ name: 'Analytical Engines Ltd' });
  await addMember({
    accountId: other.id,
    user: (await User.query().findOne({ email: customer.email }))!,
    role: 'admin',
  });
  await page.goto(`${web.url}/billing`);
  await page.getByLabel('Account').selectOption({ label: 'Analytical Engines Ltd' });
  await page.getByRole('button', { name: 'Switch' }).click();
  await shows(page.locator('main'), 'Analytical Engines Ltd');
  await shows(page.locator('.plan-name'), 'Free');
  await capture(page, '33-account-switched');
  await page.getByLabel('Account').selectOption({ label: customer.accountName });
  await page.getByRole('button', { name: 'Switch' }).click();
  await shows(page.locator('.plan-name'), 'Max');
});
