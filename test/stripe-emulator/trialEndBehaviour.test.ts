import Stripe from 'stripe';
import { advanceTestClock, submitCheckoutForm } from '../../server/stripe-emulator/testing';
import {
  cardlessClockCustomer,
  clockCustomer,
  monthlyPrice,
  sequenceIn,
  startHarness,
  subscriptionEvents,
  type Harness,
} from './support';

const DAY = 86_400;
const HOUR = 3_600;
let h: Harness;
let price: Stripe.Price;
beforeAll(async () => {
  h = await startHarness();
  price = await monthlyPrice(h.stripe, 2000);
});
afterAll(async () => {
  await h.stop();
});

type MissingPaymentMethod = 'cancel' | 'create_invoice' | 'pause';

/** A cardless customer on a test clock with a trialing subscription. */
async function cardlessTrial(missingPaymentMethod?: MissingPaymentMethod, trialDays = 7) {
  const { clock, customer } = await cardlessClockCustomer(h.stripe);
  const subscription = await h.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
    trial_period_days: trialDays,
    ...(missingPaymentMethod
      ? { trial_settings: { end_behavior: { missing_payment_method: missingPaymentMethod } } }
      : {}),
  });
  expect(subscription.status).toBe('trialing');
  return { clock, customer, subscription, trialEnd: subscription.trial_end as number };
}

async function typesAbout(subscriptionId: string): Promise<string[]> {
  return (await subscriptionEvents(h.stripe, subscriptionId)).map((event) => event.type);
}

async function invoicesOf(subscriptionId: string): Promise<Stripe.Invoice[]> {
  return (await h.stripe.invoices.list({ subscription: subscriptionId, limit: 100 })).data;
}

/** Pauses a cardless trial by letting the clock run past its end, then gives the customer a card. */
async function pausedSubscriptionWithCard() {
  const trial = await cardlessTrial('pause');
  await advanceTestClock(h.stripe, trial.clock.id, trial.trialEnd + HOUR);
  await h.stripe.paymentMethods.attach('pm_card_visa', { customer: trial.customer.id }).then((method) =>
    h.stripe.customers.update(trial.customer.id, {
      invoice_settings: { default_payment_method: method.id },
    }),
  );
  return trial;
}

describe('trial_settings.end_behavior.missing_payment_method', () => {
  test('pause: the trial ends in `paused`, nothing is invoiced or charged', async () => {
    const { clock, subscription, trialEnd } = await cardlessTrial('pause');
    expect(subscription.trial_settings?.end_behavior.missing_payment_method).toBe('pause');

    await advanceTestClock(h.stripe, clock.id, trialEnd + 2 * DAY);
    const paused = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(paused.status).toBe('paused');
    expect(paused.status_details?.paused).toMatchObject({
      type: 'subscription',
      subscription: { type: 'trial_end_without_payment_method' },
      transitioned_at: trialEnd,
    });
    // Only the zero-amount invoice of the trial exists: a paused subscription is not billed.
    const invoices = await invoicesOf(subscription.id);
    expect(invoices.map((invoice) => [invoice.billing_reason, invoice.amount_due])).toEqual([
      ['subscription_create', 0],
    ]);
    const events = await subscriptionEvents(h.stripe, subscription.id);
    const types = events.map((event) => event.type);
    expect(sequenceIn(types, ['customer.subscription.updated', 'customer.subscription.paused'])).toBe(true);
    expect(types).not.toContain('payment_intent.created');
    const pausedEvent = events.find((event) => event.type === 'customer.subscription.paused');
    expect(pausedEvent?.created).toBe(trialEnd);
  });

  test('cancel: the trial ends with the subscription canceled and nothing invoiced', async () => {
    const { clock, subscription, trialEnd } = await cardlessTrial('cancel');
    await advanceTestClock(h.stripe, clock.id, trialEnd + HOUR);
    const canceled = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(canceled).toMatchObject({ status: 'canceled', ended_at: trialEnd });
    expect(await invoicesOf(subscription.id)).toHaveLength(1);
    expect(await typesAbout(subscription.id)).toContain('customer.subscription.deleted');
  });

  test('create_invoice (the default): the first period is invoiced and fails without a card', async () => {
    const { clock, subscription, trialEnd } = await cardlessTrial();
    expect(subscription.trial_settings?.end_behavior.missing_payment_method).toBe('create_invoice');
    await advanceTestClock(h.stripe, clock.id, trialEnd + 2 * HOUR);
    const after = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(after.status).toBe('past_due');
    const [renewal] = await invoicesOf(subscription.id);
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', status: 'open', amount_due: 2000 });
  });

  test('trial_end=now on a cardless `pause` trial pauses it at once', async () => {
    const { subscription } = await cardlessTrial('pause');
    const updated = await h.stripe.subscriptions.update(subscription.id, { trial_end: 'now' });
    expect(updated.status).toBe('paused');
    expect(updated.trial_end).toBe(updated.items.data[0].current_period_end);
    const types = await typesAbout(subscription.id);
    expect(types).toContain('customer.subscription.paused');
    expect(types).toContain('customer.subscription.trial_will_end');
    expect(types).not.toContain('invoice.payment_failed');
  });

  test('trial_end=now on a cardless `cancel` trial cancels it', async () => {
    const { subscription } = await cardlessTrial('cancel');
    const updated = await h.stripe.subscriptions.update(subscription.id, { trial_end: 'now' });
    expect(updated.status).toBe('canceled');
  });

  test('the behaviour can be changed on update, and Checkout passes it on to its subscription', async () => {
    const { subscription } = await cardlessTrial('pause');
    const updated = await h.stripe.subscriptions.update(subscription.id, {
      trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
    });
    expect(updated.trial_settings?.end_behavior.missing_payment_method).toBe('cancel');

    const session = await h.stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'https://example.com/ok',
      subscription_data: {
        trial_period_days: 14,
        trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
      },
    });
    expect((await submitCheckoutForm(session.url as string, { email: 'trial@example.com' })).status).toBe(
      303,
    );
    const completed = await h.stripe.checkout.sessions.retrieve(session.id);
    const fromCheckout = await h.stripe.subscriptions.retrieve(completed.subscription as string);
    expect(fromCheckout.trial_settings?.end_behavior.missing_payment_method).toBe('pause');
  });

  test('an unknown behaviour is refused, naming the parameter, and nothing is created', async () => {
    const { customer } = await cardlessClockCustomer(h.stripe);
    const error = await h.stripe.subscriptions
      .create({
        customer: customer.id,
        items: [{ price: price.id }],
        trial_period_days: 7,
        trial_settings: { end_behavior: { missing_payment_method: 'ignore' } },
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({
      param: 'trial_settings[end_behavior][missing_payment_method]',
    });
    expect((await h.stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
  });
});

describe('resuming a paused subscription', () => {
  test('by default the resumption invoice is finalized, not charged; paying it resumes the subscription', async () => {
    const { subscription } = await pausedSubscriptionWithCard();
    const resumed = await h.stripe.subscriptions.resume(subscription.id);
    // It stays paused until its resumption invoice is paid.
    expect(resumed.status).toBe('paused');
    const invoice = await h.stripe.invoices.retrieve(resumed.latest_invoice as string);
    expect(invoice).toMatchObject({
      status: 'open',
      amount_due: 2000,
      attempt_count: 0,
      billing_reason: 'subscription_update',
    });
    expect(resumed.billing_cycle_anchor).toBe(resumed.items.data[0].current_period_start);

    const paid = await h.stripe.invoices.pay(invoice.id);
    expect(paid.status).toBe('paid');
    const active = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(active.status).toBe('active');
    expect(active.status_details).toBeUndefined();
    const types = await typesAbout(subscription.id);
    expect(
      sequenceIn(types, [
        'customer.subscription.paused',
        'invoice.finalized',
        'invoice.paid',
        'customer.subscription.updated',
        'customer.subscription.resumed',
      ]),
    ).toBe(true);
  });

  test('resume_on_payment_success charges at once and resumes when the payment succeeds', async () => {
    const { subscription } = await pausedSubscriptionWithCard();
    const resumed = await h.stripe.subscriptions.resume(subscription.id, {
      payment_behavior: 'resume_on_payment_success',
    });
    expect(resumed.status).toBe('active');
    const invoice = await h.stripe.invoices.retrieve(resumed.latest_invoice as string);
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 2000 });
    expect(await typesAbout(subscription.id)).toContain('customer.subscription.resumed');
  });

  test('a failed first attempt under resume_on_payment_attempt resumes it as past_due', async () => {
    const trial = await cardlessTrial('pause');
    await advanceTestClock(h.stripe, trial.clock.id, trial.trialEnd + HOUR);
    const declining = await h.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', {
      customer: trial.customer.id,
    });
    await h.stripe.customers.update(trial.customer.id, {
      invoice_settings: { default_payment_method: declining.id },
    });
    const resumed = await h.stripe.subscriptions.resume(trial.subscription.id);
    const payment = await h.stripe.invoices.pay(resumed.latest_invoice as string).catch((e: unknown) => e);
    expect(payment).toBeInstanceOf(Stripe.errors.StripeCardError);
    const after = await h.stripe.subscriptions.retrieve(trial.subscription.id);
    expect(after.status).toBe('past_due');
    const invoice = await h.stripe.invoices.retrieve(resumed.latest_invoice as string);
    // Stripe does not retry a resumption invoice under resume_on_payment_attempt.
    expect(invoice.next_payment_attempt).toBeNull();
  });

  test('billing_cycle_anchor unchanged with no prorations resumes at once in the old cycle, without an invoice', async () => {
    const { subscription, clock, trialEnd } = await pausedSubscriptionWithCard();
    await advanceTestClock(h.stripe, clock.id, trialEnd + 10 * DAY);
    const resumed = await h.stripe.subscriptions.resume(subscription.id, {
      billing_cycle_anchor: { type: 'unchanged' },
      proration_behavior: 'none',
    });
    expect(resumed.status).toBe('active');
    expect(resumed.billing_cycle_anchor).toBe(subscription.billing_cycle_anchor);
    expect(resumed.items.data[0].current_period_start).toBe(trialEnd);
    expect(resumed.items.data[0].current_period_end).toBe(Date.UTC(2030, 1, 22, 12) / 1000);
    expect(await invoicesOf(subscription.id)).toHaveLength(1);
  });

  test('billing_cycle_anchor unchanged with always_invoice invoices the rest of the period', async () => {
    const { subscription, clock, trialEnd } = await pausedSubscriptionWithCard();
    await advanceTestClock(h.stripe, clock.id, trialEnd + 10 * DAY);
    const resumed = await h.stripe.subscriptions.resume(subscription.id, {
      billing_cycle_anchor: { type: 'unchanged' },
      proration_behavior: 'always_invoice',
      payment_behavior: 'resume_on_payment_success',
    });
    expect(resumed.status).toBe('active');
    const invoice = await h.stripe.invoices.retrieve(resumed.latest_invoice as string);
    const period = resumed.items.data[0];
    const expected = Math.round(
      (2000 * (period.current_period_end - (trialEnd + 10 * DAY))) /
        (period.current_period_end - period.current_period_start),
    );
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: expected });
  });

  test('a resumption invoice nobody tries to pay is voided after 23 hours and the subscription stays paused', async () => {
    const { subscription, clock, trialEnd } = await pausedSubscriptionWithCard();
    const resumed = await h.stripe.subscriptions.resume(subscription.id);
    await advanceTestClock(h.stripe, clock.id, trialEnd + HOUR + 24 * HOUR);
    const invoice = await h.stripe.invoices.retrieve(resumed.latest_invoice as string);
    expect(invoice.status).toBe('void');
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).status).toBe('paused');
  });

  test('only a paused subscription can be resumed; a bad anchor is refused; nothing changes', async () => {
    const { subscription } = await cardlessTrial('pause');
    const notPaused = await h.stripe.subscriptions.resume(subscription.id).catch((e: unknown) => e);
    expect(notPaused).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const { subscription: paused } = await pausedSubscriptionWithCard();
    const badAnchor = await h.stripe.subscriptions
      .resume(paused.id, { billing_cycle_anchor: { type: 'later' } })
      .catch((e: unknown) => e);
    expect(badAnchor).toMatchObject({
      type: 'StripeInvalidRequestError',
      param: 'billing_cycle_anchor[type]',
    });
    const after = await h.stripe.subscriptions.retrieve(paused.id);
    expect(after.status).toBe('paused');
    expect(await invoicesOf(paused.id)).toHaveLength(1);
  });
});

describe('customer.subscription.trial_will_end', () => {
  test('is sent when a plan change in the billing portal ends a trial, which charges the new plan', async () => {
    const { customer } = await clockCustomer(h.stripe);
    const subscription = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_period_days: 14,
    });
    const dearer = await monthlyPrice(h.stripe, 3000);
    const portal = await h.stripe.billingPortal.sessions.create({ customer: customer.id });
    const switched = await fetch(`${portal.url}/subscriptions/${subscription.id}/switch`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ price: dearer.id }),
    });
    expect(switched.status).toBe(200);

    const after = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(after.status).toBe('active');
    expect(await h.stripe.invoices.retrieve(after.latest_invoice as string)).toMatchObject({
      status: 'paid',
      amount_paid: 3000,
    });
    expect(await typesAbout(subscription.id)).toContain('customer.subscription.trial_will_end');
  });

  test('is sent three days before the end of a longer trial', async () => {
    const { clock, subscription, trialEnd } = await cardlessTrial('pause', 7);
    expect(await typesAbout(subscription.id)).not.toContain('customer.subscription.trial_will_end');
    await advanceTestClock(h.stripe, clock.id, trialEnd - 3 * DAY + 60);
    const warning = (await subscriptionEvents(h.stripe, subscription.id)).find(
      (event) => event.type === 'customer.subscription.trial_will_end',
    );
    expect(warning?.created).toBe(trialEnd - 3 * DAY);
  });

  test('is sent at once, in the creating request, for a trial shorter than three days', async () => {
    const { subscription } = await cardlessTrial('pause', 1);
    const events = await subscriptionEvents(h.stripe, subscription.id);
    const warning = events.find((event) => event.type === 'customer.subscription.trial_will_end');
    expect(warning?.created).toBe(subscription.created);
    expect(warning?.request?.id).toEqual(expect.any(String));
  });

  test('is sent once for a trial shortened to end within three days, and when it ends with trial_end=now', async () => {
    const { subscription } = await cardlessTrial('pause', 30);
    await h.stripe.subscriptions.update(subscription.id, { trial_end: subscription.created + 2 * DAY });
    await h.stripe.subscriptions.update(subscription.id, { metadata: { note: 'no second warning' } });
    const warnings = async () =>
      (await typesAbout(subscription.id)).filter((type) => type === 'customer.subscription.trial_will_end');
    expect(await warnings()).toHaveLength(1);
    await h.stripe.subscriptions.update(subscription.id, { trial_end: 'now' });
    expect(await warnings()).toHaveLength(2);
  });
});
