import type Stripe from 'stripe';
import { createUser, sessionCookieFor } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { deliverEvent, eventsAfter, newestEventId } from '../support/eventPermutations';
import { creditPurchase, subscriptionCharge, type Flow } from '../support/moneyFlows';

/**
 * Reconciliation sees what Stripe sees. Each test changes Stripe's side the way someone in Stripe's
 * dashboard (or a lost webhook) would, runs the check, and finds the change reported, never "balanced";
 * delivering the events Stripe emitted for the change then brings the books back into agreement.
 */
const stack = useBillingStack({ webhooks: false });

const RUN = `mutation { runReconciliation { balanced differences { check accountId subject expected actual } } }`;

let admin: { cookie: string };
beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});

type Difference = {
  check: string;
  accountId: string | null;
  subject: string;
  expected: string;
  actual: string;
};

/** The differences reconciliation reports about one account. */
async function differencesOf(accountId: string): Promise<Difference[]> {
  const { data, errors } = await stack.app.graphql(RUN, {}, admin);
  expect(errors).toBeUndefined();
  return (data!.runReconciliation.differences as Difference[]).filter(
    (difference) => difference.accountId === accountId,
  );
}

async function deliver(events: Stripe.Event[]) {
  for (const event of events) expect(await deliverEvent(stack, event)).toBe(200);
}

/** A flow whose events were all delivered: our books and Stripe agree about it. */
async function recorded(flow: Flow): Promise<Flow> {
  await deliver(flow.events);
  expect(await differencesOf(flow.account.id)).toEqual([]);
  return flow;
}

/** Does something in Stripe and returns the events it emitted, undelivered. */
async function inStripe(change: () => Promise<unknown>): Promise<Stripe.Event[]> {
  const mark = await newestEventId(stack.stripe);
  await change();
  return eventsAfter(stack.stripe, mark);
}

describe('reconciliation against Stripe', () => {
  it('reports a live Stripe subscription, and its charge, that we do not count', async () => {
    const flow = await subscriptionCharge({ stack, planKey: 'pro_monthly' });
    const subscription = flow.events.find((event) => event.type === 'customer.subscription.created')!;
    const differences = await differencesOf(flow.account.id);
    expect(differences).toEqual(
      expect.arrayContaining([
        {
          check: 'live Stripe subscription is current here',
          accountId: flow.account.id,
          subject: `subscription ${(subscription.data.object as Stripe.Subscription).id}`,
          expected: 'active',
          actual: 'none',
        },
        expect.objectContaining({
          check: 'Stripe charge has a payment here',
          expected: '2999',
          actual: 'none',
        }),
      ]),
    );
    await deliver(flow.events);
    expect(await differencesOf(flow.account.id)).toEqual([]);
  });

  it('reports a subscription canceled in Stripe that is still current here', async () => {
    const flow = await recorded(await subscriptionCharge({ stack, planKey: 'pro_monthly' }));
    const { id } = flow.events.find((event) => event.type === 'customer.subscription.created')!.data
      .object as Stripe.Subscription;
    const events = await inStripe(() => stack.stripe.subscriptions.cancel(id));
    expect(await differencesOf(flow.account.id)).toEqual([
      {
        check: 'subscription status matches Stripe',
        accountId: flow.account.id,
        subject: `subscription ${id}`,
        expected: 'canceled',
        actual: 'active',
      },
    ]);
    await deliver(events);
    expect(await differencesOf(flow.account.id)).toEqual([]);
  });

  it('reports a refund made in Stripe that is recorded nowhere here', async () => {
    const flow = await recorded(await creditPurchase({ stack, packageKey: 'credits_1000' }));
    const events = await inStripe(() =>
      stack.stripe.refunds.create({ payment_intent: flow.stripePaymentIntentId, amount: 600 }),
    );
    const refundId = (events.find((event) => event.type === 'refund.created')!.data.object as Stripe.Refund)
      .id;
    expect(await differencesOf(flow.account.id)).toEqual(
      expect.arrayContaining([
        {
          check: 'Stripe refund is recorded here',
          accountId: flow.account.id,
          subject: `refund ${refundId} (${flow.stripePaymentIntentId})`,
          expected: '600',
          actual: 'none',
        },
        expect.objectContaining({ check: 'refunded amount matches Stripe', expected: '600', actual: '0' }),
      ]),
    );
    await deliver(events);
    expect(await differencesOf(flow.account.id)).toEqual([]);
  });

  it('reports a subscription charge refunded in Stripe’s dashboard', async () => {
    const flow = await recorded(await subscriptionCharge({ stack, planKey: 'pro_monthly' }));
    const events = await inStripe(() =>
      stack.stripe.refunds.create({ payment_intent: flow.stripePaymentIntentId }),
    );
    expect((await differencesOf(flow.account.id)).map((difference) => difference.check).sort()).toEqual([
      'Stripe refund is recorded here',
      'refunded amount matches Stripe',
    ]);
    await deliver(events);
    expect(await differencesOf(flow.account.id)).toEqual([]);
  });

  it('reports a charge made in Stripe for nothing we sold, which no event can record', async () => {
    const flow = await recorded(await subscriptionCharge({ stack, planKey: 'pro_monthly' }));
    const events = await inStripe(() =>
      stack.stripe.paymentIntents.create({
        amount: 4200,
        currency: 'usd',
        customer: flow.stripeCustomerId,
        payment_method: 'pm_card_visa',
        confirm: true,
      }),
    );
    await deliver(events);
    const [difference] = await differencesOf(flow.account.id);
    expect(difference).toMatchObject({
      check: 'Stripe charge has a payment here',
      expected: '4200',
      actual: 'none',
    });
    expect(await differencesOf(flow.account.id)).toHaveLength(1);
  });
});
