import type { Knex } from 'knex';
import { Model } from 'objection';
import { now as clockNow } from '../clock';
import { eachOnItsOwn } from '../jobs/eachOnItsOwn';
import { withAccountLedger } from './accountLedger';
import { withinJobScope, type JobScope } from '../testClocks/jobScope';
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
  ...scope
}: { now?: Date; knex?: Knex } & JobScope = {}): Promise<{
  grantsExpired: number;
  milliCreditsExpired: number;
}> {
  const database = knex ?? Model.knex();
  const handled = new Set<string>();
  let grantsExpired = 0;
  let milliCreditsExpired = 0;
  for (;;) {
    const accountIds = await accountsWithExpiredGrants(database, now, handled, scope);
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

async function accountsWithExpiredGrants(
  knex: Knex,
  at: Date,
  handled: Set<string>,
  scope: JobScope,
): Promise<string[]> {
  const rows: Array<{ accountId: string }> = await knex('creditGrants')
    .distinct('accountId')
    .where('remaining', '>', 0)
    .where('expiresAt', '<=', at)
    .whereNot('accountId', knex.raw('any(?::uuid[])', [[...handled]]))
    .modify(withinJobScope('accountId', scope))
    .limit(ACCOUNTS_PER_ROUND);
  return rows.map((row) => row.accountId);
}
