import type { Knex } from 'knex';
import { Model } from 'objection';
import { forgetEntitlements } from '../entitlements/entitlementProfile';
import { Account } from './Account';

/**
 * Runs `work` in a transaction holding the account's row lock. Everything that changes an account's
 * subscription (webhooks, customer actions, jobs) goes through this lock, so those changes happen one
 * at a time per account and each sees the result of the one before. Once committed, this process's
 * cached entitlements of the account are dropped at once (other processes hear of it by notification).
 */
export async function withAccountLock<T>(
  accountId: string,
  work: (context: { trx: Knex.Transaction; account: Account }) => Promise<T>,
): Promise<T> {
  try {
    return await Model.knex().transaction(async (trx) => {
      // NO KEY UPDATE: exclusive among subscription changes, yet credit consumptions (which take a key
      // share lock on the account) go on meanwhile.
      const account = await Account.query(trx).findById(accountId).forNoKeyUpdate().throwIfNotFound();
      return work({ trx, account });
    });
  } finally {
    forgetEntitlements(accountId);
  }
}
