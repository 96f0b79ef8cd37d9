import Stripe from 'stripe';
import { advanceTestClock } from '../../server/stripe-emulator/testing';
import { clockCustomer, monthlyPrice, startHarness, subscriptionEvents, type Harness } from './support';

const DAY = 86_400;
const HOUR = 3_600;
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

async function eventsOn(objectId: string, type: string): Promise<Stripe.Event[]> {
  const found: Stripe.Event[] = [];
  for await (const event of h.stripe.events.list({ type, limit: 100 }))
    if ((event.data.object as { id: string }).id === objectId) found.push(event);
  return found.reverse();
}

describe('invoice.updated when the retry schedule of an open invoice changes', () => {
  test('each failed automatic attempt reports the new attempt_count and next_payment_attempt', async () => {
    const { clock, customer } = await clockCustomer(h.stripe, 'pm_card_chargeCustomerFail');
    const price = await monthlyPrice(h.stripe, 2000);
    // A trial, so that the first charge is a renewal, which Stripe retries (a first invoice is not).
    const subscription = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_period_days: 1,
    });
    const trialEnd = subscription.trial_end as number;
    await advanceTestClock(h.stripe, clock.id, trialEnd + 2 * HOUR);
    const invoice = await h.stripe.invoices.retrieve(
      (await h.stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string,
    );
    const finalizedAt = invoice.status_transitions.finalized_at as number;
    expect(invoice).toMatchObject({
      status: 'open',
      attempt_count: 1,
      next_payment_attempt: finalizedAt + 3 * DAY,
    });

    const [first] = await eventsOn(invoice.id, 'invoice.updated');
    expect(first.data.object).toMatchObject({
      attempt_count: 1,
      next_payment_attempt: finalizedAt + 3 * DAY,
    });
    expect(first.data.previous_attributes).toMatchObject({ attempt_count: 0, next_payment_attempt: null });
    expect(first.created).toBe(finalizedAt);

    await advanceTestClock(h.stripe, clock.id, finalizedAt + 3 * DAY + 60);
    const updates = await eventsOn(invoice.id, 'invoice.updated');
    expect(updates).toHaveLength(2);
    expect(updates[1].data.previous_attributes).toMatchObject({
      attempt_count: 1,
      next_payment_attempt: finalizedAt + 3 * DAY,
    });
    expect(updates[1].data.object).toMatchObject({
      attempt_count: 2,
      next_payment_attempt: finalizedAt + 5 * DAY,
    });
    // Each update follows the failure it reports.
    const types = (await subscriptionEvents(h.stripe, subscription.id)).map((event) => event.type);
    expect(types.lastIndexOf('invoice.updated')).toBeGreaterThan(types.lastIndexOf('invoice.payment_failed'));
  });

  test('a failed payment through invoices.pay reports its attempt too', async () => {
    const customer = await h.stripe.customers.create({ email: 'pay@example.com' });
    const method = await h.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', {
      customer: customer.id,
    });
    await h.stripe.invoiceItems.create({ customer: customer.id, amount: 1500, currency: 'usd' });
    const invoice = await h.stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });
    await h.stripe.invoices.finalizeInvoice(invoice.id);
    const failure = await h.stripe.invoices
      .pay(invoice.id, { payment_method: method.id })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Stripe.errors.StripeCardError);
    const [updated] = await eventsOn(invoice.id, 'invoice.updated');
    expect(updated.data.object).toMatchObject({ attempt_count: 1, status: 'open' });
    expect(updated.data.previous_attributes).toMatchObject({ attempt_count: 0, attempted: false });
  });

  test('a successful payment is no retry-schedule change: no invoice.updated', async () => {
    const { customer } = await clockCustomer(h.stripe);
    const price = await monthlyPrice(h.stripe, 900);
    const subscription = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
    });
    const types = (await subscriptionEvents(h.stripe, subscription.id)).map((event) => event.type);
    expect(types).toContain('invoice.paid');
    expect(types).not.toContain('invoice.updated');
  });
});

describe('charge.refund.updated', () => {
  async function refundedPayment(paymentMethod: string) {
    const intent = await h.stripe.paymentIntents.create({
      amount: 1200,
      currency: 'usd',
      payment_method: paymentMethod,
      confirm: true,
    });
    return h.stripe.refunds.create({ payment_intent: intent.id });
  }

  test('follows refund.updated when a refund is updated through the API', async () => {
    const refund = await refundedPayment('pm_card_visa');
    await h.stripe.refunds.update(refund.id, { metadata: { order: '6735' } });
    const [refundUpdated] = await eventsOn(refund.id, 'refund.updated');
    const [chargeRefundUpdated] = await eventsOn(refund.id, 'charge.refund.updated');
    expect(chargeRefundUpdated.data.object).toMatchObject({ id: refund.id, metadata: { order: '6735' } });
    expect(chargeRefundUpdated.data.previous_attributes).toEqual({ metadata: { order: null } });
    expect(refundUpdated.data.previous_attributes).toEqual(chargeRefundUpdated.data.previous_attributes);
  });

  test('an update that changes nothing sends nothing', async () => {
    const refund = await refundedPayment('pm_card_visa');
    await h.stripe.refunds.update(refund.id, {});
    expect(await eventsOn(refund.id, 'charge.refund.updated')).toHaveLength(0);
  });

  test('is sent when a refund fails later, with its status moving from succeeded to failed', async () => {
    const { clock, customer, method } = await clockCustomer(h.stripe, 'pm_card_refundFail');
    const intent = await h.stripe.paymentIntents.create({
      amount: 1200,
      currency: 'usd',
      customer: customer.id,
      payment_method: method.id,
      confirm: true,
    });
    const refund = await h.stripe.refunds.create({ payment_intent: intent.id });
    expect(refund.status).toBe('succeeded');
    await advanceTestClock(h.stripe, clock.id, refund.created + 2 * HOUR);
    const [update] = await eventsOn(refund.id, 'charge.refund.updated');
    expect(update.data.object).toMatchObject({
      status: 'failed',
      failure_reason: 'expired_or_canceled_card',
    });
    expect(update.data.previous_attributes).toMatchObject({ status: 'succeeded' });
  });

  test('an invalid update is refused and sends nothing', async () => {
    const refund = await refundedPayment('pm_card_visa');
    const error = await h.stripe.refunds
      .update(refund.id, { metadata: { ['k'.repeat(41)]: 'too long a key' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(await eventsOn(refund.id, 'charge.refund.updated')).toHaveLength(0);
    expect((await h.stripe.refunds.retrieve(refund.id)).metadata).toEqual({});
  });
});
