import type { Knex } from 'knex';
import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import type { Plan } from '../catalog/Plan';
import { now } from '../clock';
import { ConflictError, ValidationError } from '../errors';
import { assertSelfServeBilling } from '../featureFlags/selfServeBilling';
import { expireStripeCheckoutSession } from '../stripe/checkout';
import { callStripe } from '../stripe/errors';
import { findCurrentSubscription } from '../subscriptions/currentSubscription';
import {
  checkPlanChoice,
  findPlanOnSale,
  planChoiceInput,
  planField,
  seatCountFor,
  seatsInput,
} from '../subscriptions/planChoice';
import { isPaidSubscription } from '../subscriptions/stripeSubscriptionSync';
import type { Subscription } from '../subscriptions/Subscription';
import { hasHadTrial } from '../subscriptions/trials';
import { assertReturnOrigins, returnUrlInput } from '../returnUrls';
import { parseInput } from '../validation';
import { recordCheckoutClosed } from '../partnerWebhooks/events';
import { CheckoutSession } from './CheckoutSession';
import { openCheckout, type StartedCheckout } from './openCheckout';

export type { StartedCheckout } from './openCheckout';

const input = z
  .object({
    accountId: z.string().uuid('is not an account id'),
    ...planChoiceInput,
    seats: seatsInput.nullish(),
    successUrl: returnUrlInput.nullish(),
    cancelUrl: returnUrlInput.nullish(),
  })
  .superRefine(checkPlanChoice);

/**
 * Opens Checkout for a paid plan. The plan must be on sale to self-serve customers; per-seat plans need
 * at least the seats in use; an account that already pays changes plan instead. A card-less trial keeps
 * its remaining days on whichever plan it moves to; otherwise the plan's trial is offered once per account.
 *
 * An account has one subscription Checkout open at a time: a new one closes the earlier ones in Stripe
 * first (two tabs, a double click), so at most one of them can ever be paid.
 */
export async function startSubscriptionCheckout({
  actor,
  ...args
}: { actor: Actor } & z.input<typeof input>): Promise<StartedCheckout> {
  const { accountId, planId, planKey, seats, successUrl, cancelUrl } = parseInput(input, args);
  assertReturnOrigins(actor, { successUrl, cancelUrl });
  const account = await authorizeAccount({ actor, accountId, permission: 'billing.manage' });
  await assertSelfServeBilling({ actor, accountId: account.id, action: 'change your plan' });
  const plan = await findPlanOnSale({ planId, planKey, currency: account.currency });
  if (plan.priceAmount === 0 || !plan.stripePriceId)
    throw ValidationError.forField(planField({ planKey }), `${plan.name} cannot be bought through Checkout`);
  const current = await findCurrentSubscription({ accountId });
  const quantity = await seatCountFor({ plan, accountId, seats });
  const trial = await trialOffer({ plan, current, accountId });

  return openCheckout({
    actor,
    account,
    purchase: {
      purpose: 'subscription',
      planId: plan.id,
      quantity,
      mode: plan.billingInterval === 'lifetime' ? 'payment' : 'subscription',
      stripePriceId: plan.stripePriceId,
      ...trial,
    },
    returnUrls: { successUrl, cancelUrl },
    beforeOpening: (trx) => closeEarlierCheckouts({ trx, accountId }),
  });
}

/**
 * Under a per-account lock held until the new Checkout is recorded: refuses an account that pays already
 * (a Stripe subscription, or a lifetime plan), and expires the account's open subscription Checkouts in
 * Stripe. One paid meanwhile cannot be expired; its subscription is on its way, so the new Checkout is
 * refused rather than let a second subscription be bought.
 */
async function closeEarlierCheckouts({ trx, accountId }: { trx: Knex.Transaction; accountId: string }) {
  await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [
    `subscription-checkout:${accountId}`,
  ]);
  const current = await findCurrentSubscription({ trx, accountId });
  if (current && (await isPaidSubscription({ trx, subscription: current }))) {
    throw new ConflictError(
      current.stripeSubscriptionId
        ? 'This account already has a paid subscription; change its plan instead.'
        : 'This account has a lifetime plan already; contact support to change it.',
      { subscriptionId: current.id },
    );
  }
  const open = await CheckoutSession.query(trx)
    .where({ accountId, purpose: 'subscription', status: 'open' })
    .forUpdate();
  for (const earlier of open) {
    const outcome = earlier.stripeCheckoutSessionId
      ? await callStripe('close the earlier Checkout', () =>
          expireStripeCheckoutSession(earlier.stripeCheckoutSessionId!),
        )
      : 'expired';
    if (outcome === 'complete') {
      throw new ConflictError(
        'Another Checkout of this account has just been paid; its subscription starts in a moment.',
        { checkoutSessionId: earlier.id },
      );
    }
    await CheckoutSession.query(trx).findById(earlier.id).patch({ status: 'expired', completedAt: null });
    await recordCheckoutClosed({ trx, checkout: earlier, status: 'expired' });
  }
}

// Stripe's Checkout needs a trial to last at least two more days.
const MIN_TRIAL_LEFT_MS = 48 * 60 * 60 * 1000;

/**
 * A card added to a card-less trial keeps the trial's remaining days, on the plan it was for or on
 * another one (as a trial in Stripe continues on a new plan); otherwise the plan's trial is offered once
 * per account.
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
  if (plan.billingInterval === 'lifetime') return {};
  if (current?.status === 'trialing' && !current.stripeSubscriptionId && current.trialEnd)
    return current.trialEnd.getTime() - now().getTime() > MIN_TRIAL_LEFT_MS
      ? { trialEnd: current.trialEnd }
      : {};
  if (plan.trialDays === 0 || (await hasHadTrial({ accountId }))) return {};
  return { trialDays: plan.trialDays };
}
