import type { Knex } from 'knex';
import { Account } from '../accounts/Account';
import { findAccountOfStripeCustomer } from '../stripe/customers';

/** Thrown when an event names one customer and Stripe's own object belongs to another: nothing changes. */
export class StripeOwnershipMismatchError extends Error {
  constructor({
    what,
    claimedCustomerId,
    actualCustomerId,
  }: {
    what: string;
    claimedCustomerId: string | null;
    actualCustomerId: string | null;
  }) {
    super(
      `Refused: the event says ${what} belongs to Stripe customer ${claimedCustomerId ?? '(none)'}, but in ` +
        `Stripe it belongs to ${actualCustomerId ?? 'no customer'}. Nothing was changed; check who can ` +
        `sign webhooks with this endpoint's secret.`,
    );
    this.name = 'StripeOwnershipMismatchError';
  }
}

export type OwnedStripeObject<State> = { account: Account; state: State } | { ignored: string };

/**
 * Locks the account a Stripe object belongs to and fetches the object's current state, for a handler to
 * apply. The account comes from the fetched object's customer, never from the payload: the payload's
 * customer only says which account to lock first (locking before fetching makes concurrent deliveries
 * about one account apply Stripe's states in Stripe's order). When the fetched object belongs to another
 * customer than the payload said, the event is refused and nothing changes. Objects of customers that
 * are not ours are ignored.
 *
 * The lock is NO KEY UPDATE, like withAccountLock: exclusive among subscription changes, not blocking
 * credit consumption.
 */
export async function lockOwnerOfStripeObject<State extends { stripeCustomerId: string | null }>({
  trx,
  what,
  claimedCustomerId,
  fetch,
}: {
  trx: Knex.Transaction;
  /** The object, in words, for errors and the event log: `Invoice in_123`. */
  what: string;
  /** The customer the event's payload names, if any. */
  claimedCustomerId: string | null;
  fetch: () => Promise<State>;
}): Promise<OwnedStripeObject<State>> {
  const claimed = await findAccountOfStripeCustomer({ trx, stripeCustomerId: claimedCustomerId });
  if (claimed) {
    const account = await lock(trx, claimed.id);
    const state = await fetch();
    if (state.stripeCustomerId !== claimed.stripeCustomerId)
      throw new StripeOwnershipMismatchError({
        what,
        claimedCustomerId,
        actualCustomerId: state.stripeCustomerId,
      });
    return { account, state };
  }

  // The payload names no customer of ours: Stripe's object decides whether it is ours after all.
  const found = await fetch();
  const owner = await findAccountOfStripeCustomer({ trx, stripeCustomerId: found.stripeCustomerId });
  if (!owner) return { ignored: `${what} belongs to no account of ours` };
  if (claimedCustomerId && claimedCustomerId !== found.stripeCustomerId)
    throw new StripeOwnershipMismatchError({
      what,
      claimedCustomerId,
      actualCustomerId: found.stripeCustomerId,
    });
  const account = await lock(trx, owner.id);
  return { account, state: await fetch() };
}

async function lock(trx: Knex.Transaction, accountId: string): Promise<Account> {
  return Account.query(trx).findById(accountId).forNoKeyUpdate().throwIfNotFound();
}
