import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { settings } from '../settings';
import { ensureStripeCustomer } from '../stripe/customers';
import { callStripe } from '../stripe/errors';
import { createStripePortalSession } from '../stripe/subscriptions';
import { ValidationError } from '../errors';
import { assertReturnOrigins, returnUrlInput } from '../returnUrls';
import { parseInput } from '../validation';

/** Where the portal may send customers back to: our own billing and settings pages, nothing else. */
const RETURN_PATHS = /^\/(billing|settings)(\/[A-Za-z0-9/_-]*)?(\?[A-Za-z0-9=&_%-]*)?$/;

const portalInput = z.object({
  accountId: z.string().uuid('is not an account id'),
  returnPath: z.string().regex(RETURN_PATHS, 'must be a path of the billing or settings pages').nullish(),
  returnUrl: returnUrlInput.nullish(),
});

/**
 * Opens Stripe's billing portal for the account (payment methods, invoices, cancellation). It returns
 * to a partner's `returnUrl` on an allowed origin (server/returnUrls.ts), or to our public URL
 * and an allowed path of ours.
 */
export async function openBillingPortal({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof portalInput>): Promise<{ url: string }> {
  const { accountId, returnPath, returnUrl } = parseInput(portalInput, input);
  if (returnUrl && returnPath)
    throw ValidationError.forField('returnUrl', 'give returnUrl or returnPath, not both');
  assertReturnOrigins(actor, { returnUrl });
  const account = await authorizeAccount({ actor, accountId, permission: 'billing.manage' });
  const stripeCustomerId = await callStripe('create the customer', () => ensureStripeCustomer({ account }));
  const url = await callStripe('open the billing portal', () =>
    createStripePortalSession({
      stripeCustomerId,
      returnUrl: returnUrl ?? `${settings().publicUrl}${returnPath ?? '/billing'}`,
    }),
  );
  return { url };
}
