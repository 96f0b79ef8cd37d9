import { createStripeClient } from '../../server/stripe/client';
import { submitCheckoutForm, submitPortalCardForm } from '../../server/stripe-emulator/testing';
import { createMember } from '../factories';
import { html } from './support/html';
import { useWebApp } from './support/webApp';

/**
 * The customer's way to paying, over HTTP as a browser without JavaScript walks it: a trial without a
 * card gets its card through Checkout (from the dashboard, or on the way to another plan), and a
 * past-due customer fixes payment in Stripe's portal and is active again.
 */
const web = useWebApp({ source: 'vite' });

const planId = async (key: string) =>
  (await web.knex('plans').where({ key, active: true }).first()).id as string;

const currentSubscription = (accountId: string) =>
  web
    .knex('subscriptions')
    .where({ accountId })
    .whereIn('status', ['trialing', 'active', 'past_due', 'incomplete', 'paused'])
    .first();

/** Waits until `condition` holds: Stripe's webhooks land on the server a moment after the payment. */
async function eventually(condition: () => Promise<boolean>, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The Stripe the server talks to (its own emulator), as Stripe's side of the test. */
function serversStripe() {
  const { hostname, port } = new URL(web.emulatorUrl);
  return createStripeClient({
    secretKey: 'sk_test_web',
    emulator: { host: hostname, port: Number(port), protocol: 'http' },
  });
}

async function ownerOnStarterTrial() {
  const { account, cookie } = await createMember({ role: 'owner' });
  const started = await web.post(
    '/pricing',
    { planId: await planId('starter_monthly'), intent: 'trial' },
    { cookie },
  );
  expect(started.headers.get('location')).toBe('/billing');
  return { account, cookie };
}

describe('a trial without a card', () => {
  it('adds its card through Checkout from the dashboard and keeps its trial', async () => {
    const { account, cookie } = await ownerOnStarterTrial();
    const trial = await currentSubscription(account.id);
    const dashboard = await html(await web.get('/billing', { cookie }));
    expect(dashboard).toContain(
      'Add a card to keep it afterwards: nothing is charged before the trial ends.',
    );
    expect(dashboard).toMatch(/<button[^>]*>Add a card<\/button>/);
    expect(dashboard).not.toContain('Payment methods');

    const toCheckout = await web.post(
      '/billing',
      { intent: 'add-card', planId: await planId('starter_monthly') },
      { cookie },
    );
    expect(toCheckout.status).toBe(302);
    const checkoutUrl = toCheckout.headers.get('location')!;
    expect(checkoutUrl.startsWith(`${web.emulatorUrl}/c/pay/`)).toBe(true);
    expect((await submitCheckoutForm(checkoutUrl)).status).toBe(303);

    await eventually(async () => Boolean((await currentSubscription(account.id))?.stripeSubscriptionId));
    const converted = await currentSubscription(account.id);
    expect(converted).toMatchObject({ status: 'trialing' });
    expect(Math.floor(converted.trialEnd.getTime() / 1000)).toBe(Math.floor(trial.trialEnd.getTime() / 1000));
    const after = await html(await web.get('/billing', { cookie }));
    expect(after).toContain('Payment methods');
    expect(after).not.toMatch(/<button[^>]*>Add a card<\/button>/);
  });

  it('switches to another plan by adding its card through Checkout, instead of a dead end', async () => {
    const { account, cookie } = await ownerOnStarterTrial();
    const pro = await planId('pro_monthly');
    const page = await html(await web.get(`/billing/plan?planId=${pro}`, { cookie }));
    expect(page).toContain('Your Starter trial has no card yet.');
    expect(page).toContain('Add a card and switch to Pro');
    expect(page).not.toContain('Add a card through Checkout to change a trial that has none.');

    const toCheckout = await web.post('/billing/plan', { intent: 'checkout', planId: pro }, { cookie });
    expect(toCheckout.status).toBe(302);
    expect((await submitCheckoutForm(toCheckout.headers.get('location')!)).status).toBe(303);
    await eventually(async () => Boolean((await currentSubscription(account.id))?.stripeSubscriptionId));
    const switched = await currentSubscription(account.id);
    expect(switched.status).toBe('trialing');
    expect((await web.knex('plans').where({ id: switched.planId }).first()).key).toBe('pro_monthly');
    expect(await web.knex('payments').where({ accountId: account.id })).toEqual([]);
  });
});

describe('a past-due customer', () => {
  it('fixes payment in the billing portal and is active again', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const stripe = serversStripe();
    const customer = await stripe.customers.create({
      name: account.name,
      metadata: { account_id: account.id },
    });
    await web.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', {
      customer: customer.id,
    });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } });
    const price = (await web.knex('plans').where({ key: 'pro_monthly', active: true }).first()).stripePriceId;
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price }],
      trial_period_days: 7,
      metadata: { account_id: account.id },
    });
    // The trial ends now and its first invoice is declined.
    await stripe.subscriptions.update(subscription.id, { trial_end: 'now' });
    await eventually(async () => (await currentSubscription(account.id))?.status === 'past_due');

    const dashboard = await html(await web.get('/billing', { cookie }));
    expect(dashboard).toContain('Your last payment failed.');
    expect(dashboard).toContain('A new card pays the open invoice as soon as you save it.');
    const toPortal = await web.post('/billing', { intent: 'fix-payment' }, { cookie });
    expect(toPortal.status).toBe(302);
    const portalUrl = toPortal.headers.get('location')!;
    expect(portalUrl.startsWith(`${web.emulatorUrl}/p/session/`)).toBe(true);
    const portal = await (await fetch(portalUrl)).text();
    expect(portal).toContain(`${web.url}/billing?done=payment-method`);

    expect((await submitPortalCardForm(portalUrl)).status).toBe(200);
    await eventually(async () => (await currentSubscription(account.id))?.status === 'active');
    const back = await html(await web.get('/billing?done=payment-method', { cookie }));
    expect(back).not.toContain('Your last payment failed.');
    expect(back).toContain('A new card you saved pays the open invoice at once.');
    await eventually(async () =>
      Boolean(
        await web
          .knex('payments')
          .where({ accountId: account.id, status: 'completed', amount: 2999 })
          .first(),
      ),
    );
  });
});

/** An owner whose account pays for `planKey` in the server's Stripe with a card, once the webhooks landed. */
async function subscribedInStripe(planKey: string, quantity: number) {
  const { account, cookie } = await createMember({ role: 'owner' });
  const stripe = serversStripe();
  const customer = await stripe.customers.create({
    name: account.name,
    metadata: { account_id: account.id },
  });
  await web.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
  const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: card.id } });
  const plan = await web.knex('plans').where({ key: planKey, active: true }).first();
  await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: plan.stripePriceId, quantity }],
    metadata: { account_id: account.id },
  });
  await eventually(async () => {
    const current = await currentSubscription(account.id);
    return current?.planId === plan.id && current.quantity === quantity;
  });
  return { account, cookie, plan };
}

describe('fewer seats', () => {
  it('are shown as what they are: at once, with a credit toward the next invoice', async () => {
    const { account, cookie, plan: team } = await subscribedInStripe('team_monthly', 8);

    const page = await html(await web.get(`/billing/plan?planId=${team.id}&seats=3`, { cookie }));
    expect(page).toContain('Credited to your next invoice (prorated for the rest of this period)');
    expect(page).toContain('Takes effect at once; the unused time is credited to your next invoice.');
    expect(page).not.toContain('Nothing is charged now');
    expect(page).toContain('Confirm 3 seats');

    const confirmed = await web.post(
      '/billing/plan',
      { intent: 'seats', planId: team.id, seats: '3' },
      { cookie },
    );
    expect(confirmed.headers.get('location')).toBe('/billing?done=seats');
    expect(await currentSubscription(account.id)).toMatchObject({ quantity: 3, scheduledChangeAt: null });
  });
});

describe('a downgrade', () => {
  it('says it is scheduled for the renewal, not that the plan changed', async () => {
    const { account, cookie, plan: pro } = await subscribedInStripe('pro_monthly', 1);

    const downgraded = await web.post(
      '/billing/plan',
      { planId: await planId('starter_monthly') },
      { cookie },
    );
    expect(downgraded.headers.get('location')).toBe('/billing?done=scheduled');
    const dashboard = await html(await web.get('/billing?done=scheduled', { cookie }));
    expect(dashboard).toContain('Your plan change is scheduled for your next renewal');
    expect(dashboard).not.toContain('Your plan is changed.');
    expect(await currentSubscription(account.id)).toMatchObject({ planId: pro.id });
  });
});
