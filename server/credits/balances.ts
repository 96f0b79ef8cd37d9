import type { Knex } from 'knex';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { CreditBalance } from './CreditBalance';

export async function openCreditBalance({
  trx,
  accountId,
}: {
  trx: Knex.Transaction;
  accountId: string;
}): Promise<void> {
  await CreditBalance.query(trx).insert({ accountId, balance: 0 }).onConflict('accountId').ignore();
}

export async function getCreditBalance({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<CreditBalance> {
  await authorizeAccount({ actor, accountId, permission: 'credits.read' });
  const balance = await CreditBalance.query().findById(accountId);
  return (
    balance ??
    CreditBalance.fromJson({
      accountId,
      balance: 0,
      lastLedgerEntryId: null,
      lowBalanceNotifiedAt: null,
      updatedAt: new Date(0),
    })
  );
}
