import { z } from 'zod';
import { Membership } from '../accounts/Membership';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { Plan } from '../catalog/Plan';
import { now } from '../clock';
import { ConflictError, ValidationError } from '../errors';
import { settings } from '../settings';
import { createStripeCheckoutSession } from '../stripe/checkout';
import { ensureStripeCustomer } from '../stripe/customers';
import { callStripe } from '../stripe/errors';
import { findCurrentSubscription } from '../subscriptions/currentSubscription';
import type { Subscription } from '../subscriptions/Subscription';
import { hasHadTrial } from '../subscriptions/trials';
import { assertSelfServeBilling } from '../featureFlags/featureFlags';
import { parseInput } from '../validation';
import { CheckoutSession } from './CheckoutSession';
import { assertCheckoutRateLimit } from './rateLimit';

const input = z.object({
  accountId: z.string().uuid('is not an account id'),
  planId: z.string().uuid('is not a plan id'),
  seats: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(10_000, 'is at most 10,000')
    .nullish(),
});

export interface StartedCheckout {
  checkoutSessionId: string;
  url: string;
}

/**
 * Opens Checkout for a paid plan. The plan must be on sale to self-serve customers; per-seat plans need
 * at least as many seats as the account has members; an account that already pays changes plan instead.
 * The trial, when the plan has one, is offered once per account.
 */
export async function startSubscriptionCheckout({
  actor,
  ...args
}: { actor: Actor } & z.input<typeof input>): Promise<StartedCheckout> {
  const { accountId, planId, seats } = parseInput(input, args);
  const account = await authorizeAccount({ actor, accountId, permission: 'billing.manage' });
  await assertSelfServeBilling(actor);
  const plan = await Plan.query().findById(planId);
  if (!plan || !plan.active) throw ValidationError.forField('planId', 'is not a plan on sale');
  if (plan.purchaseMode === 'contact_sales')
    throw ValidationError.forField('planId', `${plan.name} is sold by our sales team; contact sales`);
  if (plan.priceAmount === 0 || !plan.stripePriceId)
    throw ValidationError.forField('planId', `${plan.name} cannot be bought through Checkout`);
  const quantity = await seatCount({ plan, accountId, seats });

  const current = await findCurrentSubscription({ accountId });
  if (current?.stripeSubscriptionId) {
    throw new ConflictError('This account already has a paid subscription; change its plan instead.', {
      subscriptionId: current.id,
    });
  }
  const trial = await trialOffer({ plan, current, accountId });

  const checkout = await CheckoutSession.transaction(async (trx) => {
    const userId = actor.kind === 'user' ? actor.userId : null;
    await assertCheckoutRateLimit({ trx, userId, accountId });
    return CheckoutSession.query(trx).insertAndFetch({
      accountId,
      purpose: 'subscription',
      planId: plan.id,
      quantity,
      createdByUserId: userId,
      createdAt: now(),
    });
  });

  const customerId = await callStripe('create the customer', () => ensureStripeCustomer({ account }));
  const { stripeCheckoutSessionId, url } = await callStripe('open Checkout', () =>
    createStripeCheckoutSession({
      checkoutId: checkout.id,
      accountId,
      customerId,
      mode: plan.billingInterval === 'lifetime' ? 'payment' : 'subscription',
      priceId: plan.stripePriceId!,
      quantity,
      ...trial,
      successUrl: `${settings().publicUrl}/billing/checkout/success?checkout=${checkout.id}`,
      cancelUrl: `${settings().publicUrl}/billing/checkout/cancel?checkout=${checkout.id}`,
    }),
  );
  await CheckoutSession.query().findById(checkout.id).patch({ stripeCheckoutSessionId, url });
  return { checkoutSessionId: checkout.id, url };
}

// Stripe's Checkout needs a trial to last at least two more days.
const MIN_TRIAL_LEFT_MS = 48 * 60 * 60 * 1000;

/**
 * A card added to a card-less trial of the same plan keeps the trial's remaining days; otherwise the
 * plan's trial is offered once per account.
 */
async function trialOffer({
  plan,
  current,
  accountId,
}: {
  plan: Plan;
  current: Subscription | undefined;
  accountId: string;
}): Promise<{ trialDays?: number; trialEnd?: Date }> {
  const convertsTrial =
    current?.status === 'trialing' &&
    !current.stripeSubscriptionId &&
    current.planId === plan.id &&
    current.trialEnd;
  if (convertsTrial)
    return current.trialEnd!.getTime() - now().getTime() > MIN_TRIAL_LEFT_MS
      ? { trialEnd: current.trialEnd! }
      : {};
  if (plan.trialDays === 0 || (await hasHadTrial({ accountId }))) return {};
  return { trialDays: plan.trialDays };
}

async function seatCount({
  plan,
  accountId,
  seats,
}: {
  plan: Plan;
  accountId: string;
  seats: number | null | undefined;
}): Promise<number> {
  if (!plan.perSeat) {
    if (seats && seats !== 1) throw ValidationError.forField('seats', `${plan.name} is not priced per seat`);
    return 1;
  }
  const members = await Membership.query().where({ accountId }).resultSize();
  const requested = seats ?? Math.max(1, members);
  if (requested < members)
    throw ValidationError.forField(
      'seats',
      `must be at least ${members}, the number of members of the account`,
    );
  return requested;
}
