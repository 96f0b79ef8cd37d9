import { useBillingStack } from '../support/billingStack';
import { assertOrderIndependent, permutationRuns } from '../support/eventPermutations';
import { autoTopUp, refundsHereAndInStripe, withBooks } from '../support/moneyFlows';

/**
 * Credits bought off-session and refunded both here and in Stripe: whatever order Stripe's events reach
 * the two copies of the service in (each in its own process), with duplicates and at the same moment,
 * the books end as with in-order delivery. What our API already did (the top-up's settlement, the
 * refund made here) the events must not undo or repeat.
 */
const stack = useBillingStack({ webhooks: false, secondProcess: true });

const RUNS = permutationRuns(12);
const TRIAL_TIMEOUT_MS = 60_000;

it(
  'an automatic top-up ends the same in any order of delivery',
  async () => {
    const { inOrder, eventTypes } = await assertOrderIndependent({
      stack,
      flow: withBooks(stack, (delivery) => autoTopUp({ stack, delivery })),
      runs: RUNS,
      timeoutMs: TRIAL_TIMEOUT_MS,
    });
    expect(eventTypes).toEqual(expect.arrayContaining(['payment_intent.succeeded']));
    // 150 credits, 60 consumed, 90 left is below the threshold of 100: 500 bought for $20.
    expect(inOrder).toMatchObject({
      payments: [
        expect.objectContaining({
          type: 'credit_top_up',
          status: 'completed',
          amount: 2000,
          credits: 500_000,
          paymentIntent: true,
        }),
      ],
      ledger: [
        ['grant', 150_000, 150_000],
        ['consumption', -60_000, 90_000],
        ['grant', 500_000, 590_000],
      ],
      balance: 590_000,
      unapplied: [],
    });
  },
  (RUNS + 1) * TRIAL_TIMEOUT_MS,
);

it(
  'a credit purchase refunded here and then in Stripe ends the same in any order of delivery',
  async () => {
    const { inOrder, eventTypes } = await assertOrderIndependent({
      stack,
      flow: withBooks(stack, (delivery) => refundsHereAndInStripe({ stack, delivery })),
      runs: RUNS,
      timeoutMs: TRIAL_TIMEOUT_MS,
    });
    expect(eventTypes).toEqual(['refund.created', 'charge.refunded', 'refund.created', 'charge.refunded']);
    // $18 for 1,000 credits, 200 spent: $4.50 back claws back a quarter (250), then $9 half (500).
    expect(inOrder).toMatchObject({
      payments: [
        expect.objectContaining({
          type: 'credit_top_up',
          status: 'completed',
          amount: 1800,
          amountRefunded: 1350,
        }),
        expect.objectContaining({ type: 'refund', status: 'completed', amount: 450 }),
        expect.objectContaining({ type: 'refund', status: 'completed', amount: 900 }),
      ],
      ledger: [
        ['grant', 1_000_000, 1_000_000],
        ['consumption', -200_000, 800_000],
        ['refund_clawback', -250_000, 550_000],
        ['refund_clawback', -500_000, 50_000],
      ],
      balance: 50_000,
      unapplied: [],
    });
  },
  (RUNS + 1) * TRIAL_TIMEOUT_MS,
);
