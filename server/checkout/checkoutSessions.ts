import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { CheckoutSession } from './CheckoutSession';

/** A checkout of the account, for the page that waits for its webhook; another account's is not found. */
export async function getCheckoutSession({
  actor,
  accountId,
  checkoutSessionId,
}: {
  actor: Actor;
  accountId: string;
  checkoutSessionId: string;
}) {
  await authorizeAccount({ actor, accountId, permission: 'billing.read' });
  if (!/^[0-9a-f-]{36}$/i.test(checkoutSessionId)) return null;
  return (await CheckoutSession.query().findOne({ id: checkoutSessionId, accountId })) ?? null;
}
