import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import type { Actor } from '../auth/actor';
import { now } from '../clock';
import { faultPoint } from '../faultPoints';
import { currentAttempt, decideOnce } from '../idempotency/idempotentRequests';
import { settings } from '../settings';
import { createStripeCheckoutSession } from '../stripe/checkout';
import { ensureStripeCustomer } from '../stripe/customers';
import { callStripe } from '../stripe/errors';
import { CheckoutSession } from './CheckoutSession';
import { assertCheckoutRateLimit } from './rateLimit';

export interface StartedCheckout {
  checkoutSessionId: string;
  url: string;
}

/** What a Checkout sells: our record of it, and how Stripe charges it. */
export interface CheckoutPurchase {
  purpose: CheckoutSession['purpose'];
  planId?: string;
  creditPackageId?: string;
  quantity: number;
  mode: 'subscription' | 'payment';
  stripePriceId: string;
  trialDays?: number;
  trialEnd?: Date;
}

/** Where Stripe sends the customer after Checkout, when a partner says so (server/returnUrls.ts). */
export interface CheckoutReturnUrls {
  successUrl?: string | null;
  cancelUrl?: string | null;
}

/**
 * Opens a Stripe Checkout for what the account buys. Our `checkout_sessions` row is written in the same
 * transaction as the call to Stripe (its id is the idempotency key and the success page's reference), after
 * the rate limit and after `beforeOpening`, which runs under the same transaction (a subscription
 * Checkout closes the account's earlier ones there). Nothing changes on the account until Stripe's
 * webhooks say the payment happened.
 *
 * Under an idempotency key, the row's id is decided once for the request, so a retry that resumes it
 * after a crash records the same checkout and sends Stripe the same key: Stripe answers with the session
 * the first attempt opened, and exactly one exists. A retry after the commit answers the recorded one.
 * The return URLs are decided once with it (the partner's, or our own success and cancel pages), so the
 * resumed request is the same request to Stripe even if our public URL changed in between.
 */
export async function openCheckout({
  actor,
  account,
  purchase,
  returnUrls = {},
  beforeOpening,
}: {
  actor: Actor;
  account: Account;
  purchase: CheckoutPurchase;
  returnUrls?: CheckoutReturnUrls;
  beforeOpening?: (trx: Knex.Transaction) => Promise<void>;
}): Promise<StartedCheckout> {
  const attempt = currentAttempt();
  const opened = await attempt?.answerOf<StartedCheckout>('checkout');
  if (opened) return opened;
  const customerId = await callStripe('create the customer', () => ensureStripeCustomer({ account }));
  const userId = actor.kind === 'user' ? actor.userId : null;
  const started = await CheckoutSession.transaction(async (trx) => {
    await assertCheckoutRateLimit({ trx, userId, accountId: account.id });
    await beforeOpening?.(trx);
    const checkoutId = await decideOnce({ attempt, step: 'checkout', decide: async () => randomUUID() });
    const checkout = await CheckoutSession.query(trx).insertAndFetch({
      id: checkoutId,
      accountId: account.id,
      purpose: purchase.purpose,
      planId: purchase.planId ?? null,
      creditPackageId: purchase.creditPackageId ?? null,
      quantity: purchase.quantity,
      createdByUserId: userId,
      createdAt: now(),
    });
    const returnTo = (page: 'success' | 'cancel') =>
      `${settings().publicUrl}/billing/checkout/${page}?checkout=${checkout.id}`;
    const { successUrl, cancelUrl } = await decideOnce({
      attempt,
      step: 'checkoutReturnUrls',
      decide: async () => ({
        successUrl: returnUrls.successUrl ?? returnTo('success'),
        cancelUrl: returnUrls.cancelUrl ?? returnTo('cancel'),
      }),
    });
    await faultPoint('checkout.beforeStripeCall');
    const { stripeCheckoutSessionId, url } = await callStripe('open Checkout', () =>
      createStripeCheckoutSession({
        checkoutId: checkout.id,
        accountId: account.id,
        customerId,
        mode: purchase.mode,
        priceId: purchase.stripePriceId,
        quantity: purchase.quantity,
        trialDays: purchase.trialDays,
        trialEnd: purchase.trialEnd,
        successUrl,
        cancelUrl,
      }),
    );
    await faultPoint('checkout.afterStripeCall');
    await CheckoutSession.query(trx).findById(checkout.id).patch({ stripeCheckoutSessionId, url });
    const answer = { checkoutSessionId: checkout.id, url };
    await attempt?.recordAnswer({ trx, step: 'checkout', answer });
    await faultPoint('checkout.beforeCommit');
    return answer;
  });
  await faultPoint('checkout.afterCommit');
  return started;
}
