import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { CreditPackage } from '../catalog/CreditPackage';
import { assertSelfServeBilling } from '../featureFlags/featureFlags';
import { ValidationError } from '../errors';
import { parseInput } from '../validation';
import { returnUrlInput } from './returnUrls';
import { openCheckout, type StartedCheckout } from './openCheckout';

const input = z.object({
  accountId: z.string().uuid('is not an account id'),
  creditPackageId: z.string().uuid('is not a credit package id'),
  successUrl: returnUrlInput.nullish(),
  cancelUrl: returnUrlInput.nullish(),
});

/**
 * Opens Checkout (payment mode) for a credit package. The card is saved for automatic top-ups. Credits
 * are granted only when Stripe's webhook confirms the payment (server/checkout/creditTopUps.ts).
 */
export async function startCreditPackageCheckout({
  actor,
  ...args
}: { actor: Actor } & z.input<typeof input>): Promise<StartedCheckout> {
  const { accountId, creditPackageId, successUrl, cancelUrl } = parseInput(input, args);
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

  return openCheckout({
    actor,
    account,
    purchase: {
      purpose: 'credit_top_up',
      creditPackageId,
      quantity: 1,
      mode: 'payment',
      stripePriceId: creditPackage.stripePriceId,
    },
    returnUrls: { successUrl, cancelUrl },
  });
}
