import { z } from 'zod';
import { recordAudit } from '../audit/auditLog';
import { describeActor, type Actor } from '../auth/actor';
import { authorizeAccount, requirePlatformAdmin } from '../auth/authorization';
import { now } from '../clock';
import { ConflictError, InsufficientCreditsError } from '../errors';
import { faultPoint } from '../faultPoints';
import { recordCreditsGranted } from '../partnerWebhooks/events';
import { parseInput } from '../validation';
import { ledgerKey, withAccountLedger, type EntryDetails } from './accountLedger';
import { MAX_CREDIT_AMOUNT } from './creditLimits';
import { CreditGrant } from './CreditGrant';
import { CreditLedgerEntry } from './CreditLedgerEntry';

const adjustCreditsInput = z.object({
  accountId: z.uuid('is not an account id'),
  amount: z
    .number()
    .int('must be whole milli-credits')
    .min(-MAX_CREDIT_AMOUNT, `is at least -${MAX_CREDIT_AMOUNT} milli-credits`)
    .max(MAX_CREDIT_AMOUNT, `is at most ${MAX_CREDIT_AMOUNT} milli-credits`)
    .refine((amount) => amount !== 0, 'must not be zero'),
  reason: z.string().trim().min(1, 'is required').max(500, 'is at most 500 characters'),
  idempotencyKey: z.string().min(1, 'is required').max(150, 'is at most 150 characters'),
});

export interface CreditAdjustment {
  ledgerEntry: CreditLedgerEntry;
  /** The grant a positive adjustment created. */
  grant: CreditGrant | null;
  replayed: boolean;
}

/**
 * A platform admin adds credits to an account (a new grant) or takes them away (drawn from its grants
 * in spending order, never below zero), with a reason that goes to the ledger and the audit log in the
 * same transaction. Idempotent by key.
 */
export async function adjustCredits({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof adjustCreditsInput>): Promise<CreditAdjustment> {
  const { accountId, amount, reason, idempotencyKey } = parseInput(adjustCreditsInput, input);
  requirePlatformAdmin(actor);
  await authorizeAccount({ actor, accountId, permission: 'account.manage' });
  const key = ledgerKey('adjustment', idempotencyKey);

  const at = now();
  // Only taking credits away spends grants, so only then are they loaded (and expired ones written off).
  const adjustment = await withAccountLedger(
    { accountId, at: amount < 0 ? at : undefined },
    async (ledger) => {
      const earlier = await CreditLedgerEntry.query(ledger.trx).findOne({ accountId, idempotencyKey: key });
      if (earlier) {
        if (earlier.amount !== amount || earlier.description !== reason)
          throw new ConflictError('This idempotency key was already used for a different adjustment.', {
            idempotencyKey,
          });
        const grant = earlier.grantId
          ? ((await CreditGrant.query(ledger.trx).findById(earlier.grantId)) ?? null)
          : null;
        return { ledgerEntry: earlier, grant, replayed: true };
      }
      const details: EntryDetails = {
        entryType: 'adjustment',
        at,
        actor: describeActor(actor),
        idempotencyKey: key,
        description: reason,
      };
      let grant: CreditGrant | null = null;
      if (amount > 0) {
        grant = await CreditGrant.query(ledger.trx).insertAndFetch({
          accountId,
          source: 'manual_adjustment',
          amount,
          remaining: amount,
          description: reason,
          createdAt: at,
        });
        ledger.credit(grant, details);
      } else if (!ledger.debit(-amount, details)) {
        throw new InsufficientCreditsError(ledger.balance, -amount);
      }
      const ledgerEntry = (await ledger.commit()).at(-1)!;
      if (grant)
        await recordCreditsGranted({ trx: ledger.trx, grant, balanceAfter: ledgerEntry.balanceAfter });
      await recordAudit({
        trx: ledger.trx,
        actor,
        accountId,
        action: 'credits.adjusted',
        target: { type: 'credit_ledger_entry', id: String(ledgerEntry.id) },
        reason,
        details: { amountMilliCredits: amount, balanceAfterMilliCredits: ledgerEntry.balanceAfter },
      });
      await faultPoint('adjustment.beforeCommit');
      return { ledgerEntry, grant, replayed: false };
    },
  );
  await faultPoint('adjustment.afterCommit');
  return adjustment;
}
