import { useBillingStack } from '../support/billingStack';
import { assertOrderIndependent, permutationRuns } from '../support/eventPermutations';
import {
  creditPurchase,
  subscriptionCharge,
  subscriptionRefundsHereAndInStripe,
  withBooks,
} from '../support/moneyFlows';

/**
 * The property behind every webhook handler: whatever order Stripe delivers a flow's events in, however
 * often, at the same moment or not, to whichever copy of the service, the books end exactly as they do
 * when each event arrives once and in order. Two copies of the service share the database here, each in
 * its own Node process, as servers behind a load balancer do.
 */
const stack = useBillingStack({ webhooks: false, secondProcess: true });

const RUNS = permutationRuns(12);
const TRIAL_TIMEOUT_MS = 60_000;

it(
  'a credit purchase refunded in two parts ends the same in any order of delivery',
  async () => {
    const { inOrder, eventTypes } = await assertOrderIndependent({
      stack,
      flow: withBooks(stack, () =>
        creditPurchase({ stack, packageKey: 'credits_5000', refunds: [2000, undefined] }),
      ),
      runs: RUNS,
      timeoutMs: TRIAL_TIMEOUT_MS,
    });
    expect(eventTypes).toEqual(expect.arrayContaining(['checkout.session.completed', 'charge.refunded']));
    // $20 of $80 first (a quarter of the credits), then the rest.
    expect(inOrder).toMatchObject({
      payments: [
        expect.objectContaining({
          type: 'credit_top_up',
          status: 'refunded',
          amount: 8000,
          amountRefunded: 8000,
        }),
        expect.objectContaining({ type: 'refund', amount: 2000 }),
        expect.objectContaining({ type: 'refund', amount: 6000 }),
      ],
      ledger: [
        ['grant', 5_000_000, 5_000_000],
        ['refund_clawback', -1_250_000, 3_750_000],
        ['refund_clawback', -3_750_000, 0],
      ],
      balance: 0,
      unapplied: [],
    });
  },
  RUNS * TRIAL_TIMEOUT_MS,
);

it(
  'a subscription charge refunded in two parts ends the same in any order of delivery',
  async () => {
    const { inOrder, eventTypes } = await assertOrderIndependent({
      stack,
      flow: withBooks(stack, () =>
        subscriptionCharge({ stack, planKey: 'pro_monthly', refunds: [1000, 500] }),
      ),
      runs: RUNS,
      timeoutMs: TRIAL_TIMEOUT_MS,
    });
    expect(eventTypes).toEqual(expect.arrayContaining(['invoice.paid', 'charge.refunded']));
    expect(inOrder).toMatchObject({
      payments: [
        expect.objectContaining({ type: 'refund', amount: 500 }),
        expect.objectContaining({ type: 'refund', amount: 1000 }),
        expect.objectContaining({
          type: 'subscription_payment',
          status: 'completed',
          amount: 2999,
          amountRefunded: 1500,
          subscription: true,
        }),
      ],
      invoices: [['paid', 2999, 2999, true]],
      subscriptions: [
        ['free', 'canceled', false],
        ['pro_monthly', 'active', true],
      ],
      unapplied: [],
    });
  },
  RUNS * TRIAL_TIMEOUT_MS,
);

it(
  'a subscription charge refunded here and then in Stripe ends the same in any order of delivery',
  async () => {
    const { inOrder, eventTypes } = await assertOrderIndependent({
      stack,
      flow: withBooks(stack, (delivery) => subscriptionRefundsHereAndInStripe({ stack, delivery })),
      runs: RUNS,
      timeoutMs: TRIAL_TIMEOUT_MS,
    });
    expect(eventTypes).toEqual(['refund.created', 'charge.refunded', 'refund.created', 'charge.refunded']);
    // $10 back here, then $5 in Stripe, of Pro's $29.99; the month's credits are not clawed back.
    expect(inOrder).toMatchObject({
      payments: [
        expect.objectContaining({ type: 'refund', status: 'completed', amount: 500 }),
        expect.objectContaining({ type: 'refund', status: 'completed', amount: 1000 }),
        expect.objectContaining({
          type: 'subscription_payment',
          status: 'completed',
          amount: 2999,
          amountRefunded: 1500,
        }),
      ],
      invoices: [['paid', 2999, 2999, true]],
      ledger: [['grant', 1_000_000, 1_000_000]],
      subscriptions: [
        ['free', 'canceled', false],
        ['pro_monthly', 'active', true],
      ],
      unapplied: [],
    });
  },
  (RUNS + 1) * TRIAL_TIMEOUT_MS,
);
