import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import {
  checkCreditPackageChoice,
  creditPackageChoiceInput,
  creditPackageField,
  findChosenCreditPackage,
} from '../catalog/creditPackageChoice';
import { assertSelfServeBilling } from '../featureFlags/selfServeBilling';
import { ValidationError } from '../errors';
import { assertReturnOrigins, returnUrlInput } from '../returnUrls';
import { parseInput } from '../validation';
import { openCheckout, type StartedCheckout } from './openCheckout';

const input = z
  .object({
    accountId: z.string().uuid('is not an account id'),
    ...creditPackageChoiceInput,
    successUrl: returnUrlInput.nullish(),
    cancelUrl: returnUrlInput.nullish(),
  })
  .superRefine(checkCreditPackageChoice);

/**
 * Opens Checkout (payment mode) for a credit package. The card is saved for automatic top-ups. Credits
 * are granted only when Stripe's webhook confirms the payment (server/checkout/creditTopUps.ts).
 */
export async function startCreditPackageCheckout({
  actor,
  ...args
}: { actor: Actor } & z.input<typeof input>): Promise<StartedCheckout> {
  const { accountId, creditPackageId, creditPackageKey, successUrl, cancelUrl } = parseInput(input, args);
  assertReturnOrigins(actor, { successUrl, cancelUrl });
  const field = creditPackageField({ creditPackageKey });
  const account = await authorizeAccount({ actor, accountId, permission: 'billing.manage' });
  await assertSelfServeBilling({ actor, accountId: account.id, action: 'buy credits' });
  const creditPackage = await findChosenCreditPackage({ creditPackageId, creditPackageKey });
  if (
    !creditPackage ||
    !creditPackage.active ||
    !creditPackage.availableForPurchase ||
    !creditPackage.stripePriceId
  ) {
    throw ValidationError.forField(field, 'is not a credit package on sale');
  }
  if (creditPackage.currency !== account.currency) {
    throw ValidationError.forField(
      field,
      `is priced in ${creditPackage.currency.toUpperCase()}; the account pays in ${account.currency.toUpperCase()}`,
    );
  }

  return openCheckout({
    actor,
    account,
    purchase: {
      purpose: 'credit_top_up',
      creditPackageId: creditPackage.id,
      quantity: 1,
      mode: 'payment',
      stripePriceId: creditPackage.stripePriceId,
    },
    returnUrls: { successUrl, cancelUrl },
  });
}
