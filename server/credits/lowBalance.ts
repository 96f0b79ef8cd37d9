import { now } from '../clock';
import { settings } from '../settings';
import { enqueueAccountNotification } from '../notifications/outbox';
import { recordLowBalance } from '../partnerWebhooks/events';
import type { AccountLedger } from './accountLedger';
import { AutoTopUpSettings } from './AutoTopUpSettings';
import type { CreditBalance } from './CreditBalance';

/** Below this balance an account is told its credits run low, unless its auto top-up sets a threshold. */
export const DEFAULT_LOW_BALANCE_THRESHOLD = 100_000;
/** At most one low-balance notice per account in this window. */
export const LOW_BALANCE_COOLDOWN_MS = 24 * 60 * 60 * 1000;

/**
 * After consumptions, queues a notice to the billing contacts (and writes `credits.low_balance` for
 * partners) when the balance is below the account's threshold and none was sent within the cooldown.
 * The locked balance row carries when the last one was queued, so concurrent batches and processes
 * cannot both send one.
 */
export async function warnOfLowBalance({ ledger }: { ledger: AccountLedger }): Promise<void> {
  const threshold = ledger.lowBalance.threshold ?? DEFAULT_LOW_BALANCE_THRESHOLD;
  const at = now();
  const last = ledger.lowBalance.notifiedAt;
  if (ledger.balance >= threshold || (last && at.getTime() - last.getTime() < LOW_BALANCE_COOLDOWN_MS))
    return;

  await enqueueAccountNotification({
    trx: ledger.trx,
    accountId: ledger.accountId,
    notice: {
      kind: 'credits.low_balance',
      data: { balance: ledger.balance, threshold, creditsUrl: `${settings().publicUrl}/billing/credits` },
    },
    dedupeKey: `credits.low_balance:${ledger.accountId}:${at.toISOString()}`,
  });
  await recordLowBalance({
    trx: ledger.trx,
    accountId: ledger.accountId,
    balance: ledger.balance,
    threshold,
    at,
  });
  await ledger
    .trx('creditBalances')
    .where({ accountId: ledger.accountId })
    .update({ lowBalanceNotifiedAt: at });
}

/** The balances below which accounts are told their credits run low: each one's auto top-up threshold, or the default. */
export async function lowBalanceThresholds(accountIds: readonly string[]): Promise<number[]> {
  const settings = await AutoTopUpSettings.query()
    .whereIn('accountId', [...accountIds])
    .select('accountId', 'threshold');
  const thresholds = new Map(settings.map((row) => [row.accountId, row.threshold]));
  return accountIds.map((accountId) => thresholds.get(accountId) ?? DEFAULT_LOW_BALANCE_THRESHOLD);
}

/**
 * Whether the credits run low: below the threshold, for an account that has held credits at all (one
 * that never had any is not running low; it has not started).
 */
export function isBalanceLow(balance: CreditBalance, threshold: number): boolean {
  return balance.lastLedgerEntryId !== null && balance.balance < threshold;
}

/** Milli-credits as credits, e.g. 1500 → "1.5", in integer arithmetic. */
export function formatCredits(milliCredits: number): string {
  const remainder = milliCredits % 1000;
  const whole = (milliCredits - remainder) / 1000;
  return remainder === 0
    ? String(whole)
    : `${whole}.${String(Math.abs(remainder)).padStart(3, '0').replace(/0+$/, '')}`;
}
