import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { CreditPackage } from '../catalog/CreditPackage';
import { assertSelfServeBilling } from '../featureFlags/featureFlags';
import { ValidationError } from '../errors';
import { assertReturnOrigins, returnUrlInput } from '../returnUrls';
import { parseInput } from '../validation';
import { openCheckout, type StartedCheckout } from './openCheckout';

const input = z
  .object({
    accountId: z.string().uuid('is not an account id'),
    creditPackageId: z.string().uuid('is not a credit package id').nullish(),
    creditPackageKey: z.string().trim().min(1, 'is required').max(100, 'is at most 100 characters').nullish(),
    successUrl: returnUrlInput.nullish(),
    cancelUrl: returnUrlInput.nullish(),
  })
  .superRefine(({ creditPackageId, creditPackageKey }, context) => {
    if (!creditPackageId !== !creditPackageKey) return;
    const message = creditPackageId
      ? 'give creditPackageId or creditPackageKey, not both'
      : 'give creditPackageId or creditPackageKey';
    context.addIssue({ code: 'custom', path: ['creditPackageId'], message });
    context.addIssue({ code: 'custom', path: ['creditPackageKey'], message });
  });

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
  const field = creditPackageKey ? 'creditPackageKey' : 'creditPackageId';
  const account = await authorizeAccount({ actor, accountId, permission: 'billing.manage' });
  await assertSelfServeBilling(actor);
  const creditPackage = creditPackageKey
    ? await CreditPackage.query().findOne({ key: creditPackageKey })
    : await CreditPackage.query().findById(creditPackageId!);
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
