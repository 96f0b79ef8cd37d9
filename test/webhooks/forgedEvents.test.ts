import type Stripe from 'stripe';
import { createUser, sessionCookieFor } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { deliverEvent } from '../support/eventPermutations';
import { booksOf, creditPurchase, subscriptionCharge, type Flow } from '../support/moneyFlows';

/**
 * An event signed with our endpoint's secret but pointing at another account's object (a leaked
 * secret, a misrouted replay): the account comes from Stripe's object, never from the payload, so the
 * event is refused loudly and nothing moves between accounts.
 */
const stack = useBillingStack({ webhooks: false });

let victim: Flow & { books: Awaited<ReturnType<typeof booksOf>> };
let victimPurchase: Flow;
let attacker: Flow;

beforeAll(async () => {
  const subscribed = await subscriptionCharge({ stack, planKey: 'pro_monthly', refunds: [500] });
  victimPurchase = await creditPurchase({ stack, packageKey: 'credits_1000' });
  attacker = await subscriptionCharge({ stack, planKey: 'pro_monthly' });
  for (const flow of [subscribed, victimPurchase, attacker])
    for (const event of flow.events) expect(await deliverEvent(stack, event)).toBe(200);
  victim = { ...subscribed, books: await booksOf(stack, subscribed.account.id) };
});

/** The victim's real event (or another type about its object), re-signed with its customer swapped for another. */
function forged(flow: Flow, type: string, customer: string, asType = type): Stripe.Event {
  const original = flow.events.find((event) => event.type === type);
  if (!original) throw new Error(`The flow emitted no ${type}`);
  const object = { ...(original.data.object as unknown as Record<string, unknown>), customer };
  const id = `evt_forged_${asType.replace(/\W/g, '_')}_${customer}`;
  return { ...original, id, type: asType, data: { object } } as Stripe.Event;
}

async function expectRefused(event: Stripe.Event) {
  expect(await deliverEvent(stack, event)).toBe(500);
  const row = await stack.knex('stripe_events').where({ id: event.id }).first();
  expect(row).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/^Refused: /) });
  return row.lastError as string;
}

describe('a signed event naming one customer and another account’s object', () => {
  it.each([
    'invoice.paid',
    'invoice.finalized',
    'customer.subscription.created',
    'charge.refunded',
    'payment_intent.succeeded',
  ])('%s is refused and moves nothing', async (type) => {
    const lastError = await expectRefused(forged(victim, type, attacker.stripeCustomerId));
    expect(lastError).toContain(attacker.stripeCustomerId);
    expect(lastError).toContain(victim.stripeCustomerId);
    expect(await booksOf(stack, victim.account.id)).toEqual(victim.books);
    const attackerInvoices = await stack.knex('invoices').where({ accountId: attacker.account.id });
    expect(attackerInvoices).toHaveLength(1);
    expect(
      await stack.knex('payments').where({ accountId: attacker.account.id }).select('type', 'amount'),
    ).toEqual([{ type: 'subscription_payment', amount: 2999 }]);
  });

  it('a credit purchase is refused: its credits are granted to nobody else', async () => {
    const before = await booksOf(stack, victimPurchase.account.id);
    const attackerBefore = await booksOf(stack, attacker.account.id);
    await expectRefused(forged(victimPurchase, 'checkout.session.completed', attacker.stripeCustomerId));
    await expectRefused(
      forged(victimPurchase, 'charge.succeeded', attacker.stripeCustomerId, 'charge.refunded'),
    );
    expect(await booksOf(stack, victimPurchase.account.id)).toEqual(before);
    expect(await booksOf(stack, attacker.account.id)).toEqual(attackerBefore);
  });

  it('naming a customer that is not ours does not hide the owner: refused too', async () => {
    await expectRefused(forged(victim, 'invoice.paid', 'cus_unknown'));
    expect(await booksOf(stack, victim.account.id)).toEqual(victim.books);
  });

  it('shows platform admins why it was refused', async () => {
    const event = forged(victim, 'customer.subscription.updated', attacker.stripeCustomerId);
    await expectRefused(event);
    const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
    const log = await stack.app.graphql(
      '{ stripeEvents(status: FAILED, type: "customer.subscription.updated") { edges { node { id status lastError } } } }',
      {},
      admin,
    );
    expect(log.data!.stripeEvents.edges.map((edge: { node: unknown }) => edge.node)).toContainEqual({
      id: event.id,
      status: 'FAILED',
      lastError: expect.stringContaining(`in Stripe it belongs to ${victim.stripeCustomerId}`),
    });
  });
});
