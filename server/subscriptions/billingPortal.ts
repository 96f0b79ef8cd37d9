import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { settings } from '../settings';
import { ensureStripeCustomer } from '../stripe/customers';
import { callStripe } from '../stripe/errors';
import { createStripePortalSession } from '../stripe/subscriptions';
import { parseInput } from '../validation';

/** Where the portal may send customers back to: our own billing and settings pages, nothing else. */
const RETURN_PATHS = /^\/(billing|settings)(\/[A-Za-z0-9/_-]*)?(\?[A-Za-z0-9=&_%-]*)?$/;

const portalInput = z.object({
  accountId: z.string().uuid('is not an account id'),
  returnPath: z.string().regex(RETURN_PATHS, 'must be a path of the billing or settings pages').nullish(),
});

/**
 * Opens Stripe's billing portal for the account (payment methods, invoices, cancellation). The return
 * URL is built here from our public URL and an allowed path, never taken whole from the caller.
 */
export async function openBillingPortal({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof portalInput>): Promise<{ url: string }> {
  const { accountId, returnPath } = parseInput(portalInput, input);
  const account = await authorizeAccount({ actor, accountId, permission: 'billing.manage' });
  const stripeCustomerId = await callStripe('create the customer', () => ensureStripeCustomer({ account }));
  const url = await callStripe('open the billing portal', () =>
    createStripePortalSession({
      stripeCustomerId,
      returnUrl: `${settings().publicUrl}${returnPath ?? '/billing'}`,
    }),
  );
  return { url };
}
