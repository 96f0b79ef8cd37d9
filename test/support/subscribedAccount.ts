import type Stripe from 'stripe';
import { ManualClock, useClock } from '../../server/clock';
import { advanceTestClock } from '../../server/stripe-emulator/testing';
import { addMember, createAccount, createUser, sessionCookieFor, unique } from '../factories';
import type { BillingStack } from './billingStack';

/**
 * An account subscribed in Stripe on its own test clock, with our application clock following that
 * test clock, so that time-driven behaviour (renewals, trials, grace periods, scheduled changes) can be
 * driven by moving both together.
 */
export interface ClockedAccount {
  account: { id: string; externalId: string | null };
  cookie: string;
  customer: Stripe.Customer;
  subscription: Stripe.Subscription;
  clock: ManualClock;
  /** A fresh session for the owner (sessions last 30 days, and tests travel further than that). */
  signInAgain(): Promise<string>;
  /** Moves the test clock and our clock to `time`, and waits until every resulting webhook is applied. */
  advanceTo(time: Date): Promise<void>;
  /** Unix seconds of the test clock's start. */
  start: number;
}

export const DAY_MS = 86_400_000;
export const JAN_15_2026 = new Date(Date.UTC(2026, 0, 15, 12));

export function useFollowingClock(): { clock: ManualClock } {
  const holder = { clock: new ManualClock(JAN_15_2026) };
  let restore: () => void = () => undefined;
  beforeEach(() => {
    holder.clock = new ManualClock(JAN_15_2026);
    restore = useClock(holder.clock);
  });
  afterEach(() => restore());
  return holder;
}

export async function subscribeOnTestClock({
  stack,
  clock,
  planKey,
  paymentMethod = 'pm_card_visa',
  seats = 1,
  trialDays,
  members = 0,
}: {
  stack: BillingStack;
  clock: ManualClock;
  planKey: string;
  paymentMethod?: string;
  seats?: number;
  trialDays?: number;
  members?: number;
}): Promise<ClockedAccount> {
  const account = await createAccount({ billingEmail: `${unique('billing')}@customer.test` });
  const owner = await createUser();
  await addMember({ accountId: account.id, user: owner, role: 'owner' });
  for (let index = 0; index < members; index += 1)
    await addMember({ accountId: account.id, user: await createUser(), role: 'member' });
  const start = Math.floor(clock.now().getTime() / 1000);
  const testClock = await stack.stripe.testHelpers.testClocks.create({ frozen_time: start });
  const customer = await stack.stripe.customers.create({
    name: account.name,
    email: account.billingEmail ?? undefined,
    test_clock: testClock.id,
    metadata: { account_id: account.id },
  });
  await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
  const card = await stack.stripe.paymentMethods.attach(paymentMethod, { customer: customer.id });
  await stack.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: card.id } });
  const price = (await stack.knex('plans').where({ key: planKey, active: true }).first())
    .stripePriceId as string;
  const subscription = await stack.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price, quantity: seats }],
    metadata: { account_id: account.id },
    ...(trialDays ? { trial_period_days: trialDays } : {}),
  });
  await stack.settle();
  return {
    account,
    cookie: await sessionCookieFor(owner),
    customer,
    subscription,
    clock,
    start,
    signInAgain: () => sessionCookieFor(owner),
    async advanceTo(time: Date) {
      clock.set(time);
      await advanceTestClock(stack.stripe, testClock.id, Math.floor(time.getTime() / 1000));
      await stack.settle();
    },
  };
}
