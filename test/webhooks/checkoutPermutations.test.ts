import { useBillingStack } from '../support/billingStack';
import { assertOrderIndependent, permutationRuns } from '../support/eventPermutations';
import { subscriptionCheckout, trialConversion, withBooks } from '../support/moneyFlows';
import { useFollowingClock } from '../support/subscribedAccount';

/**
 * Subscribing through Checkout, with the plan's trial or after a card-less one: whatever order Stripe's
 * events reach the two copies of the service in (each in its own process), with duplicates and at the
 * same moment, the books end as with in-order delivery. The Checkout's events are one stage, delivered
 * before the trial ends; the trial's end and first charge are the next.
 */
const stack = useBillingStack({ webhooks: false, secondProcess: true });
const time = useFollowingClock();

const RUNS = permutationRuns(8);
const TRIAL_TIMEOUT_MS = 60_000;

const CHECKOUT_EVENTS = ['customer.subscription.created', 'invoice.paid', 'checkout.session.completed'];
const TRIAL_END_EVENTS = ['customer.subscription.updated', 'payment_intent.succeeded', 'invoice.paid'];

/** Pro's first paid month, after a $0 trial invoice: 1,000 credits for the trial, then a fresh 1,000. */
const PAID_PRO_AFTER_TRIAL = {
  payments: [
    expect.objectContaining({
      type: 'subscription_payment',
      status: 'completed',
      amount: 2999,
      amountRefunded: 0,
      invoice: true,
      subscription: true,
    }),
  ],
  invoices: [
    ['paid', 0, 0, true],
    ['paid', 2999, 2999, true],
  ],
  ledger: [
    ['grant', 1_000_000, 1_000_000],
    ['expiry', -1_000_000, 0],
    ['grant', 1_000_000, 1_000_000],
  ],
  balance: 1_000_000,
  unapplied: [],
};

it(
  'a subscription bought through Checkout, trial then first charge, ends the same in any order of delivery',
  async () => {
    const { inOrder, stages } = await assertOrderIndependent({
      stack,
      flow: withBooks(stack, (delivery) => subscriptionCheckout({ stack, clock: time.clock, delivery })),
      runs: RUNS,
      timeoutMs: TRIAL_TIMEOUT_MS,
    });
    expect(stages[0]).toEqual(expect.arrayContaining(CHECKOUT_EVENTS));
    expect(stages[1]).toEqual(expect.arrayContaining(TRIAL_END_EVENTS));
    expect(inOrder).toMatchObject({
      ...PAID_PRO_AFTER_TRIAL,
      subscriptions: [
        ['free', 'canceled', false],
        ['pro_monthly', 'active', true],
      ],
    });
  },
  (RUNS + 1) * TRIAL_TIMEOUT_MS,
);

it(
  'a card-less trial converted through Checkout ends the same in any order of delivery',
  async () => {
    const { inOrder, stages } = await assertOrderIndependent({
      stack,
      flow: withBooks(stack, (delivery) => trialConversion({ stack, clock: time.clock, delivery })),
      runs: RUNS,
      timeoutMs: TRIAL_TIMEOUT_MS,
    });
    expect(stages[0]).toEqual(expect.arrayContaining(CHECKOUT_EVENTS));
    expect(stages[1]).toEqual(expect.arrayContaining(TRIAL_END_EVENTS));
    // The card-less Starter trial, known only here, is replaced by the Pro trial that keeps its days.
    expect(inOrder).toMatchObject({
      ...PAID_PRO_AFTER_TRIAL,
      subscriptions: [
        ['free', 'canceled', false],
        ['starter_monthly', 'canceled', false],
        ['pro_monthly', 'active', true],
      ],
    });
  },
  (RUNS + 1) * TRIAL_TIMEOUT_MS,
);
