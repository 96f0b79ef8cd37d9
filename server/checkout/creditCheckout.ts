import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { CreditPackage } from '../catalog/CreditPackage';
import { now } from '../clock';
import { assertSelfServeBilling } from '../featureFlags/featureFlags';
import { ValidationError } from '../errors';
import { settings } from '../settings';
import { createStripeCheckoutSession } from '../stripe/checkout';
import { ensureStripeCustomer } from '../stripe/customers';
import { callStripe } from '../stripe/errors';
import { parseInput } from '../validation';
import { CheckoutSession } from './CheckoutSession';
import { assertCheckoutRateLimit } from './rateLimit';
import type { StartedCheckout } from './subscriptionCheckout';

const input = z.object({
  accountId: z.string().uuid('is not an account id'),
  creditPackageId: z.string().uuid('is not a credit package id'),
});

/**
 * Opens Checkout (payment mode) for a credit package. The card is saved for automatic top-ups. Credits
 * are granted only when Stripe's webhook confirms the payment (server/checkout/creditTopUps.ts).
 */
export async function startCreditPackageCheckout({
  actor,
  ...args
}: { actor: Actor } & z.input<typeof input>): Promise<StartedCheckout> {
  const { accountId, creditPackageId } = parseInput(input, args);
  const account = await authorizeAccount({ actor, accountId, permission: 'billing.manage' });
  await assertSelfServeBilling(actor);
  const creditPackage = await CreditPackage.query().findById(creditPackageId);
  if (
    !creditPackage ||
    !creditPackage.active ||
    !creditPackage.availableForPurchase ||
    !creditPackage.stripePriceId
  ) {
    throw ValidationError.forField('creditPackageId', 'is not a credit package on sale');
  }
  if (creditPackage.currency !== account.currency) {
    throw ValidationError.forField(
      'creditPackageId',
      `is priced in ${creditPackage.currency.toUpperCase()}; the account pays in ${account.currency.toUpperCase()}`,
    );
  }

  const checkout = await CheckoutSession.transaction(async (trx) => {
    const userId = actor.kind === 'user' ? actor.userId : null;
    await assertCheckoutRateLimit({ trx, userId, accountId });
    return CheckoutSession.query(trx).insertAndFetch({
      accountId,
      purpose: 'credit_top_up',
      creditPackageId,
      quantity: 1,
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
      mode: 'payment',
      priceId: creditPackage.stripePriceId!,
      quantity: 1,
      successUrl: `${settings().publicUrl}/billing/checkout/success?checkout=${checkout.id}`,
      cancelUrl: `${settings().publicUrl}/billing/checkout/cancel?checkout=${checkout.id}`,
    }),
  );
  await CheckoutSession.query().findById(checkout.id).patch({ stripeCheckoutSessionId, url });
  return { checkoutSessionId: checkout.id, url };
}
