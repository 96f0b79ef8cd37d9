import { useBillingStack } from '../support/billingStack';
import { assertOrderIndependent, permutationRuns } from '../support/eventPermutations';
import { renewalWithOverage, withBooks } from '../support/moneyFlows';
import { useFollowingClock } from '../support/subscribedAccount';

/**
 * A renewal billing usage overage: the subscription is ours first (its events delivered in order); the
 * renewal's draft invoice is a stage of its own, since we add the overage to it before Stripe finalizes
 * it an hour later; each stage reaches the two copies of the service (each in its own process) in any
 * order, with duplicates and at the same moment, and the books end as with in-order delivery.
 */
const stack = useBillingStack({ webhooks: false, secondProcess: true });
const time = useFollowingClock();

const RUNS = permutationRuns(10);
const TRIAL_TIMEOUT_MS = 60_000;

beforeAll(async () => {
  // A small allowance makes the arithmetic visible: 1,000 API calls included, then 25 cents per started 100.
  const pro = await stack.knex('plans').where({ key: 'pro_monthly', active: true }).first();
  await stack
    .knex('plan_entitlements')
    .where({ planId: pro.id, featureKey: 'api_calls' })
    .update({ includedQuantity: 1000, overageUnitAmount: 25, overageBlockSize: 100 });
});

it(
  'a renewal billing usage overage ends the same in any order of delivery',
  async () => {
    const { inOrder, stages } = await assertOrderIndependent({
      stack,
      flow: withBooks(stack, (delivery) => renewalWithOverage({ stack, clock: time.clock, delivery })),
      runs: RUNS,
      timeoutMs: TRIAL_TIMEOUT_MS,
    });
    expect(stages[0]).toEqual(expect.arrayContaining(['customer.subscription.updated', 'invoice.created']));
    expect(stages[1]).toEqual(expect.arrayContaining(['invoice.finalized', 'invoice.paid']));
    // 1,250 calls, 1,000 included: 250 over, three started blocks of 100 at 25 cents, on the renewal.
    expect(inOrder).toMatchObject({
      payments: [
        expect.objectContaining({ type: 'subscription_payment', status: 'completed', amount: 2999 }),
        expect.objectContaining({ type: 'subscription_payment', status: 'completed', amount: 2999 + 75 }),
      ],
      invoices: [
        ['paid', 2999, 2999, true],
        ['paid', 3074, 3074, true],
      ],
      usageOverage: [[250, 75, true]],
      // The new month's allowance replaces what was left of the old one.
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
