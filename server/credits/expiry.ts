import type { Knex } from 'knex';
import { Model } from 'objection';
import { now as clockNow } from '../clock';
import { eachOnItsOwn } from '../jobs/eachOnItsOwn';
import { withAccountLedger } from './accountLedger';
const ACCOUNTS_PER_ROUND = 100;

/**
 * Writes off what is left of every grant that has expired by `now`, with one 'expiry' ledger entry
 * per grant; the entries never change. For the job scheduler: safe to run twice or concurrently,
 * because each account is handled under its balance lock and a grant can be written off only once
 * (consumptions write off the expired grants of their account the same way before spending).
 */
export async function expireCreditGrants({
  now = clockNow(),
  knex,
}: { now?: Date; knex?: Knex } = {}): Promise<{
  grantsExpired: number;
  milliCreditsExpired: number;
}> {
  const database = knex ?? Model.knex();
  const handled = new Set<string>();
  let grantsExpired = 0;
  let milliCreditsExpired = 0;
  for (;;) {
    const accountIds = await accountsWithExpiredGrants(database, now, handled);
    if (accountIds.length === 0) return { grantsExpired, milliCreditsExpired };
    for (const accountId of accountIds) handled.add(accountId);
    await eachOnItsOwn(accountIds, async (accountId) => {
      const entries = await withAccountLedger({ knex: database, accountId, at: now }, (ledger) =>
        ledger.commit(),
      );
      grantsExpired += entries.length;
      milliCreditsExpired -= entries.reduce((sum, entry) => sum + entry.amount, 0);
    });
  }
}

async function accountsWithExpiredGrants(knex: Knex, at: Date, handled: Set<string>): Promise<string[]> {
  const { rows } = await knex.raw<{ rows: Array<{ account_id: string }> }>(
    `select distinct account_id from credit_grants
     where remaining > 0 and expires_at <= ? and not (account_id = any(?::uuid[]))
     limit ?`,
    [at.toISOString(), [...handled], ACCOUNTS_PER_ROUND],
  );
  return rows.map((row) => row.account_id);
}
