import { submitCheckoutForm, TEST_CARDS } from '../../server/stripe-emulator/testing';
import { rejection, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

describe('the expired card test card', () => {
  test('declines a payment with expired_card', async () => {
    const error = await rejection(
      h.stripe.paymentIntents.create({
        amount: 2000,
        currency: 'usd',
        payment_method: 'pm_card_chargeDeclinedExpiredCard',
        confirm: true,
      }),
    );
    expect(error).toMatchObject({
      type: 'StripeCardError',
      statusCode: 402,
      code: 'expired_card',
      decline_code: 'expired_card',
      message: 'Your card has expired.',
    });
    expect(error.payment_intent).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'expired_card', decline_code: 'expired_card', type: 'card_error' },
    });
    const charge = await h.stripe.charges.retrieve(error.charge!);
    expect(charge).toMatchObject({
      status: 'failed',
      failure_code: 'expired_card',
      outcome: { reason: 'expired_card' },
      balance_transaction: null,
    });
  });

  test('is refused when attached, and a customer created with it is not created', async () => {
    const customer = await h.stripe.customers.create({ email: 'expired@example.com' });
    const attach = await rejection(
      h.stripe.paymentMethods.attach('pm_card_chargeDeclinedExpiredCard', { customer: customer.id }),
    );
    expect(attach).toMatchObject({ type: 'StripeCardError', code: 'expired_card', param: 'exp_month' });
    expect((await h.stripe.customers.listPaymentMethods(customer.id)).data).toHaveLength(0);

    const before = await h.stripe.customers.list({ email: 'expired-new@example.com' });
    const create = await rejection(
      h.stripe.customers.create({
        email: 'expired-new@example.com',
        payment_method: 'tok_chargeDeclinedExpiredCard',
      }),
    );
    expect(create).toMatchObject({ code: 'expired_card' });
    expect((await h.stripe.customers.list({ email: 'expired-new@example.com' })).data).toEqual(before.data);
  });

  test('by number: Checkout shows the decline and completes nothing', async () => {
    const session = await h.stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 900, product_data: { name: 'X' } } }],
      success_url: 'http://app.test/done',
    });
    const result = await submitCheckoutForm(session.url!, { card: TEST_CARDS.expired });
    expect(result.status).toBe(402);
    expect(result.html).toContain('Your card has expired.');
    expect(await h.stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'open' });
  });
});

describe('raw card expiry dates', () => {
  const thisYear = new Date().getUTCFullYear();
  const thisMonth = new Date().getUTCMonth() + 1;

  async function createCard(expMonth: number, expYear: number) {
    return h.stripe.paymentMethods.create({
      type: 'card',
      card: { number: '4242424242424242', exp_month: expMonth, exp_year: expYear, cvc: '123' },
    });
  }

  test('a past year is refused with invalid_expiry_year', async () => {
    const error = await rejection(createCard(12, thisYear - 1));
    expect(error).toMatchObject({
      type: 'StripeCardError',
      statusCode: 402,
      code: 'invalid_expiry_year',
      param: 'card[exp_year]',
      message: "Your card's expiration year is invalid.",
    });
  });

  test('a past month of this year, or no such month, is refused with invalid_expiry_month', async () => {
    if (thisMonth > 1) {
      const past = await rejection(createCard(thisMonth - 1, thisYear));
      expect(past).toMatchObject({ code: 'invalid_expiry_month', param: 'card[exp_month]' });
    }
    const noSuchMonth = await rejection(createCard(13, thisYear + 1));
    expect(noSuchMonth).toMatchObject({
      type: 'StripeCardError',
      code: 'invalid_expiry_month',
      param: 'card[exp_month]',
      message: "Your card's expiration month is invalid.",
    });
  });

  test('this month is still valid, and nothing is created for a refused card', async () => {
    const created = await createCard(thisMonth, thisYear);
    expect(created.card).toMatchObject({ exp_month: thisMonth, exp_year: thisYear });
    const before = await h.stripe.paymentMethods.list({ limit: 100 });
    await rejection(createCard(1, thisYear - 2));
    const after = await h.stripe.paymentMethods.list({ limit: 100 });
    expect(after.data.map((method) => method.id)).toEqual(before.data.map((method) => method.id));
  });
});
