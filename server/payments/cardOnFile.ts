import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { callStripe } from '../stripe/errors';
import { describeCardOnFile, type CardSummary } from '../stripe/paymentMethods';

/**
 * The card an account pays with, as Stripe holds it (the customer's default, else the newest card), so
 * that the billing page can say which card renewals and top-ups will charge. Read from Stripe each time:
 * cards change in Stripe's portal without an event we keep. Null before the account has a card.
 */
export async function getCardOnFile({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<CardSummary | null> {
  const account = await authorizeAccount({ actor, accountId, permission: 'billing.read' });
  if (!account.stripeCustomerId) return null;
  return callStripe('read the card on file', () => describeCardOnFile(account.stripeCustomerId!));
}
