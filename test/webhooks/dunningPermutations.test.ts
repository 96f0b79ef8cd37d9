import { useBillingStack } from '../support/billingStack';
import { assertOrderIndependent, permutationRuns } from '../support/eventPermutations';
import { dunning, withBooks } from '../support/moneyFlows';
import { useFollowingClock } from '../support/subscribedAccount';

/**
 * A renewal whose card fails, then Stripe's retries: the subscription is ours first (its events
 * delivered in order); the renewal's draft invoice is a stage of its own; the failure, the retries and
 * their end reach the two copies of the service (each in its own process) in any order, with duplicates
 * and at the same moment, and the books end as with in-order delivery. A late `payment_failed` or
 * `past_due` must not undo a payment, nor a late one revive a canceled subscription.
 */
const stack = useBillingStack({ webhooks: false, secondProcess: true });
const time = useFollowingClock();

const RUNS = permutationRuns(8);
const TRIAL_TIMEOUT_MS = 60_000;

it(
  'a failed renewal paid by a retry with a new card ends the same in any order of delivery',
  async () => {
    const { inOrder, stages } = await assertOrderIndependent({
      stack,
      flow: withBooks(stack, (delivery) => dunning({ stack, clock: time.clock, delivery, newCard: true })),
      runs: RUNS,
      timeoutMs: TRIAL_TIMEOUT_MS,
    });
    expect(stages[1]).toEqual(
      expect.arrayContaining(['invoice.payment_failed', 'payment_intent.succeeded', 'invoice.paid']),
    );
    // The renewal's PaymentIntent failed once, then paid: one payment, completed. The new month's
    // allowance comes with the payment.
    expect(inOrder).toMatchObject({
      payments: [
        expect.objectContaining({ type: 'subscription_payment', status: 'completed', amount: 2999 }),
        expect.objectContaining({ type: 'subscription_payment', status: 'completed', amount: 2999 }),
      ],
      invoices: [
        ['paid', 2999, 2999, true],
        ['paid', 2999, 2999, true],
      ],
      ledger: [
        ['grant', 1_000_000, 1_000_000],
        ['expiry', -1_000_000, 0],
        ['grant', 1_000_000, 1_000_000],
      ],
      subscriptions: [
        ['free', 'canceled', false],
        ['pro_monthly', 'active', true],
      ],
      unapplied: [],
    });
  },
  (RUNS + 1) * TRIAL_TIMEOUT_MS,
);

it(
  'a renewal that fails through every retry ends the same in any order of delivery',
  async () => {
    const { inOrder, stages } = await assertOrderIndependent({
      stack,
      flow: withBooks(stack, (delivery) => dunning({ stack, clock: time.clock, delivery })),
      runs: RUNS,
      timeoutMs: TRIAL_TIMEOUT_MS,
    });
    // The renewal and Stripe's three retries fail; after the last, Stripe cancels the subscription.
    expect(stages[1]!.filter((type) => type === 'invoice.payment_failed')).toHaveLength(4);
    expect(stages[1]).toEqual(expect.arrayContaining(['customer.subscription.deleted']));
    // One failed payment for the renewal (its attempts are one PaymentIntent), the invoice left open,
    // the account back on the free plan; no allowance for the unpaid month.
    expect(inOrder).toMatchObject({
      payments: [
        expect.objectContaining({ type: 'subscription_payment', status: 'completed', amount: 2999 }),
        expect.objectContaining({ type: 'subscription_payment', status: 'failed', amount: 2999 }),
      ],
      invoices: [
        ['open', 2999, 0, true],
        ['paid', 2999, 2999, true],
      ],
      ledger: [['grant', 1_000_000, 1_000_000]],
      subscriptions: [
        ['free', 'canceled', false],
        ['pro_monthly', 'canceled', true],
        ['free', 'active', false],
      ],
      unapplied: [],
    });
  },
  (RUNS + 1) * TRIAL_TIMEOUT_MS,
);
