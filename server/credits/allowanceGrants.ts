import type { Knex } from 'knex';
import { describeActor, systemActor } from '../auth/actor';
import { recordCreditsGranted } from '../partnerWebhooks/events';
import { ledgerKey, withAccountLedger } from './accountLedger';
import { CreditGrant, GRANT_PRIORITY } from './CreditGrant';

const actor = describeActor(systemActor('plan credit allowance'));

export interface AllowanceMonth {
  start: Date;
  end: Date;
}

/**
 * Brings what a subscription was granted for one month of its allowance up to `allowance`, once,
 * under the account's ledger lock (docs/decisions/016-allowances-by-period-and-overage-by-plan.md):
 *
 * - A month is granted once, whatever the plan: it is known by its subscription and its end (the
 *   grants' expiry), and a later, larger allowance (an upgrade) adds only the difference, under a key
 *   naming the level reached, so flipping plans never adds more than the largest allowance.
 * - The current month's grant replaces every other allowance the account still holds (a trial that
 *   ended early, a period cut short by a change of interval, a subscription replaced): what is left of
 *   them is written off, so an account never holds two periods' allowances.
 * - A month that had already ended when it is granted (the job catching up) is granted and written off
 *   at once, so the ledger shows what the plan included and nothing stale is spendable.
 *
 * Returns the milli-credits granted.
 */
export async function grantAllowanceMonth({
  trx,
  accountId,
  subscriptionId,
  month,
  allowance,
  at,
}: {
  trx?: Knex.Transaction;
  accountId: string;
  subscriptionId: string;
  month: AllowanceMonth;
  allowance: number;
  at: Date;
}): Promise<number> {
  return withAccountLedger({ trx, accountId, at }, async (ledger) => {
    const thisMonth = CreditGrant.query(ledger.trx).where({
      accountId,
      subscriptionId,
      source: 'plan_allowance',
      expiresAt: month.end,
    });
    const granted = (await thisMonth.clone()).reduce((sum, grant) => sum + grant.amount, 0);
    const due = allowance - granted;
    if (due <= 0) return 0;

    if (month.start <= at && at < month.end) {
      const replaced = await CreditGrant.query(ledger.trx)
        .where({ accountId, source: 'plan_allowance' })
        .where('remaining', '>', 0)
        .whereNotIn('id', thisMonth.clone().select('id'));
      for (const grant of replaced)
        ledger.expireEarly(grant.id, {
          at,
          actor,
          description: 'Allowance of an earlier period, replaced by the current one',
        });
    }
    const grant = await CreditGrant.query(ledger.trx).insertAndFetch({
      accountId,
      subscriptionId,
      source: 'plan_allowance',
      priority: GRANT_PRIORITY.planAllowance,
      amount: due,
      remaining: due,
      expiresAt: month.end,
      description:
        granted === 0 ? 'Monthly credits included in the plan' : 'Monthly credits of the upgraded plan',
      createdAt: at,
    });
    ledger.credit(grant, {
      entryType: 'grant',
      at,
      actor,
      idempotencyKey: ledgerKey(
        'grant',
        `plan-allowance:${subscriptionId}:${month.start.toISOString()}-${month.end.toISOString()}:${allowance}`,
      ),
      description: grant.description,
    });
    const balanceAfter = ledger.balance;
    if (month.end <= at)
      ledger.expireEarly(grant.id, {
        at,
        actor,
        description: 'Allowance of a month that had ended when it was granted',
      });
    await ledger.commit();
    await recordCreditsGranted({ trx: ledger.trx, grant, balanceAfter });
    return due;
  });
}
