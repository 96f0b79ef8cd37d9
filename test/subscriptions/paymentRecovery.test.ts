import { submitPortalCardForm, TEST_CARDS } from '../../server/stripe-emulator/testing';
import { useBillingStack } from '../support/billingStack';
import { DAY_MS, JAN_15_2026, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

/**
 * A renewal fails, the customer is past due, and fixes it the way the dashboard tells them to: they open
 * Stripe's billing portal and save a new card there. The open invoice is paid with it at once.
 */
const stack = useBillingStack();
const time = useFollowingClock();

const CURRENT = `query($id: ID) { account(id: $id) { subscription { status gracePeriodEndsAt plan { key } } } }`;
const PORTAL = `mutation($input: OpenBillingPortalInput!) { openBillingPortal(input: $input) { url } }`;

/** A Pro customer whose card fails: the trial ends, its first invoice is declined, the account is past due. */
async function pastDueCustomer() {
  const subscribed = await subscribeOnTestClock({
    stack,
    clock: time.clock,
    planKey: 'pro_monthly',
    paymentMethod: 'pm_card_chargeCustomerFail',
    trialDays: 3,
  });
  await subscribed.advanceTo(new Date(JAN_15_2026.getTime() + 3 * DAY_MS + 2 * 3_600_000));
  const cookie = await subscribed.signInAgain();
  const { data } = await stack.app.graphql(CURRENT, { id: subscribed.account.id }, { cookie });
  expect(data!.account.subscription).toMatchObject({ status: 'PAST_DUE', plan: { key: 'pro_monthly' } });
  return { ...subscribed, cookie };
}

async function saveCardInPortal({
  accountId,
  cookie,
  card,
}: {
  accountId: string;
  cookie: string;
  card: string;
}) {
  const { data, errors } = await stack.app.graphql(
    PORTAL,
    { input: { accountId, returnPath: '/billing?done=payment-method' } },
    { cookie },
  );
  expect(errors).toBeUndefined();
  const saved = await submitPortalCardForm(data!.openBillingPortal.url, { card });
  expect(saved.status).toBe(200);
  await stack.settle();
}

describe('a past-due customer who saves a new card in the billing portal', () => {
  it('has the open invoice paid with it at once and is active again, its renewals on the new card', async () => {
    const customer = await pastDueCustomer();
    await saveCardInPortal({
      accountId: customer.account.id,
      cookie: customer.cookie,
      card: TEST_CARDS.succeeds,
    });

    const { data } = await stack.app.graphql(
      CURRENT,
      { id: customer.account.id },
      { cookie: customer.cookie },
    );
    expect(data!.account.subscription).toEqual({
      status: 'ACTIVE',
      gracePeriodEndsAt: null,
      plan: { key: 'pro_monthly' },
    });
    const invoices = await stack.stripe.invoices.list({ subscription: customer.subscription.id });
    expect(invoices.data.filter((invoice) => invoice.status === 'open')).toEqual([]);
    expect(await stack.knex('payments').where({ accountId: customer.account.id })).toEqual([
      expect.objectContaining({ type: 'subscription_payment', status: 'completed', amount: 2999 }),
    ]);
    const stripeSubscription = await stack.stripe.subscriptions.retrieve(customer.subscription.id);
    expect(stripeSubscription.status).toBe('active');

    // The next renewal is charged to the new card.
    await customer.advanceTo(new Date(Date.UTC(2026, 1, 18, 14, 30)));
    const renewal = await stack
      .knex('invoices')
      .where({ accountId: customer.account.id, billingReason: 'subscription_cycle' })
      .first();
    expect(renewal).toMatchObject({ status: 'paid', total: 2999 });
    expect(await stack.knex('stripe_events').where({ status: 'failed' })).toEqual([]);
  });

  it('tries a card that fails once, stays past due, and does not charge it again on later changes', async () => {
    const customer = await pastDueCustomer();
    const failedBefore = await stack.knex('payments').where({ accountId: customer.account.id }).first();
    await saveCardInPortal({
      accountId: customer.account.id,
      cookie: customer.cookie,
      card: TEST_CARDS.attachesThenFails,
    });
    const { data } = await stack.app.graphql(
      CURRENT,
      { id: customer.account.id },
      { cookie: customer.cookie },
    );
    expect(data!.account.subscription.status).toBe('PAST_DUE');
    const [invoice] = (await stack.stripe.invoices.list({ subscription: customer.subscription.id })).data;
    const attempts = invoice!.attempt_count;
    expect(
      await stack
        .knex('audit_log')
        .where({ accountId: customer.account.id, action: 'subscription.past_due_retried' }),
    ).toHaveLength(1);

    // An unrelated change of the customer (their email) charges nothing again.
    await stack.stripe.customers.update(customer.customer.id, { email: 'new-address@customer.test' });
    await stack.settle();
    expect((await stack.stripe.invoices.retrieve(invoice!.id)).attempt_count).toBe(attempts);
    expect(await stack.knex('payments').where({ accountId: customer.account.id })).toEqual([
      expect.objectContaining({ id: failedBefore.id, status: 'failed' }),
    ]);

    // A good card then pays it.
    await saveCardInPortal({
      accountId: customer.account.id,
      cookie: customer.cookie,
      card: TEST_CARDS.succeeds,
    });
    const after = await stack.app.graphql(CURRENT, { id: customer.account.id }, { cookie: customer.cookie });
    expect(after.data!.account.subscription.status).toBe('ACTIVE');
    expect(await stack.knex('payments').where({ accountId: customer.account.id })).toEqual([
      expect.objectContaining({ id: failedBefore.id, status: 'completed', amount: 2999 }),
    ]);
  });
});
