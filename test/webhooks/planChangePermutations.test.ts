import { useBillingStack } from '../support/billingStack';
import { assertOrderIndependent, permutationRuns } from '../support/eventPermutations';
import { seatChanges, upgrade, withBooks } from '../support/moneyFlows';
import { useFollowingClock } from '../support/subscribedAccount';

/**
 * Changes to a running subscription, made through our API. The subscription must be ours before the
 * change can be asked for, so its events are delivered in order first; only the change's events reach
 * the two copies of the service (each in its own process) in any order, with duplicates and at the same
 * moment, and the books end as with in-order delivery. Our API has already applied what it synced from
 * Stripe; the events must neither undo nor repeat it.
 */
const stack = useBillingStack({ webhooks: false, secondProcess: true });
const time = useFollowingClock();

const RUNS = permutationRuns(12);
const TRIAL_TIMEOUT_MS = 60_000;

it(
  'an upgrade mid-period ends the same in any order of delivery',
  async () => {
    const { inOrder, eventTypes } = await assertOrderIndependent({
      stack,
      flow: withBooks(stack, (delivery) => upgrade({ stack, clock: time.clock, delivery })),
      runs: RUNS,
      timeoutMs: TRIAL_TIMEOUT_MS,
    });
    expect(eventTypes).toEqual(expect.arrayContaining(['customer.subscription.updated', 'invoice.paid']));
    // Halfway through the 31-day period: unused Pro −1500, remaining Max +25000. Max's 10,000 credits a
    // month are topped up from Pro's 1,000 by the difference.
    expect(inOrder).toMatchObject({
      payments: [
        expect.objectContaining({ type: 'subscription_payment', status: 'completed', amount: 2999 }),
        expect.objectContaining({ type: 'subscription_upgrade', status: 'completed', amount: 23_500 }),
      ],
      invoices: [
        ['paid', 2999, 2999, true],
        ['paid', 23_500, 23_500, true],
      ],
      ledger: [
        ['grant', 1_000_000, 1_000_000],
        ['grant', 9_000_000, 10_000_000],
      ],
      balance: 10_000_000,
      subscriptions: [
        ['free', 'canceled', false],
        ['max_monthly', 'active', true],
      ],
      unapplied: [],
    });
  },
  (RUNS + 1) * TRIAL_TIMEOUT_MS,
);

it(
  'more seats, then fewer, end the same in any order of delivery',
  async () => {
    const { inOrder, eventTypes } = await assertOrderIndependent({
      stack,
      flow: withBooks(stack, (delivery) => seatChanges({ stack, clock: time.clock, delivery })),
      runs: RUNS,
      timeoutMs: TRIAL_TIMEOUT_MS,
    });
    expect(eventTypes.filter((type) => type === 'customer.subscription.updated')).toHaveLength(2);
    // Five seats at $49 (24500); a quarter into the period, 5 → 8 charges −18375 + 29400 = 11025 at
    // once; 8 → 3 credits −29400 + 11025 = −18375 toward the next invoice, nothing paid.
    expect(inOrder).toMatchObject({
      payments: [
        expect.objectContaining({ type: 'subscription_payment', status: 'completed', amount: 24_500 }),
        expect.objectContaining({ type: 'subscription_upgrade', status: 'completed', amount: 11_025 }),
      ],
      invoices: [
        ['paid', -18_375, 0, true],
        ['paid', 11_025, 11_025, true],
        ['paid', 24_500, 24_500, true],
      ],
      ledger: [['grant', 2_500_000, 2_500_000]],
      subscriptions: [
        ['free', 'canceled', false],
        ['team_monthly', 'active', true],
      ],
      unapplied: [],
    });
  },
  (RUNS + 1) * TRIAL_TIMEOUT_MS,
);
