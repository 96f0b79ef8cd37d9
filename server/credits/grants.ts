import type { Knex } from 'knex';
import { z } from 'zod';
import { describeActor, type Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { now } from '../clock';
import { ConflictError, ValidationError } from '../errors';
import { recordCreditsGranted } from '../partnerWebhooks/events';
import { parseInput } from '../validation';
import { ledgerKey, withAccountLedger } from './accountLedger';
import { creditAmount } from './creditLimits';
import { CREDIT_GRANT_SOURCES, CreditGrant } from './CreditGrant';
import { CreditLedgerEntry } from './CreditLedgerEntry';

const grantCreditsInput = z.object({
  accountId: z.uuid('is not an account id'),
  source: z.enum(CREDIT_GRANT_SOURCES),
  amount: creditAmount,
  priority: z.number().int().min(-1000).max(1000).default(0),
  expiresAt: z.date().nullish(),
  paymentId: z.uuid().nullish(),
  subscriptionId: z.uuid().nullish(),
  description: z.string().trim().max(500, 'is at most 500 characters').nullish(),
  idempotencyKey: z.string().min(1, 'is required').max(150, 'is at most 150 characters'),
});

export interface GrantedCredits {
  grant: CreditGrant;
  ledgerEntry: CreditLedgerEntry;
  /** True when the key had been used already: the first call's grant, nothing new was granted. */
  replayed: boolean;
}

/**
 * Gives an account credits: purchases, refunds, promotions and each period's plan allowance call this.
 * Idempotent by key within the account (name keys after their cause, e.g. `purchase:<payment id>`; at
 * most 150 characters): a retry returns the first grant. Pass `trx` to grant in the transaction of the cause. System actors
 * and platform admins only.
 */
export async function grantCredits({
  trx,
  actor,
  ...input
}: { trx?: Knex.Transaction; actor: Actor } & z.input<typeof grantCreditsInput>): Promise<GrantedCredits> {
  const { accountId, idempotencyKey, ...grant } = parseInput(grantCreditsInput, input);
  requirePlatformAdmin(actor);
  const at = now();
  if (grant.expiresAt && grant.expiresAt <= at)
    throw ValidationError.forField('expiresAt', 'must be in the future');

  return withAccountLedger({ trx, accountId }, async (ledger) => {
    const key = ledgerKey('grant', idempotencyKey);
    const earlier = await CreditLedgerEntry.query(ledger.trx).findOne({ accountId, idempotencyKey: key });
    if (earlier) {
      const earlierGrant = earlier.grantId
        ? await CreditGrant.query(ledger.trx).findById(earlier.grantId)
        : undefined;
      if (
        earlier.entryType !== 'grant' ||
        !earlierGrant ||
        earlierGrant.amount !== grant.amount ||
        earlierGrant.source !== grant.source
      ) {
        throw new ConflictError(
          'This idempotency key was already used for a different change to these credits.',
          { idempotencyKey },
        );
      }
      return { grant: earlierGrant, ledgerEntry: earlier, replayed: true };
    }
    const inserted = await CreditGrant.query(ledger.trx).insertAndFetch({
      accountId,
      ...grant,
      expiresAt: grant.expiresAt ?? null,
      remaining: grant.amount,
      createdAt: at,
    });
    ledger.credit(inserted, {
      entryType: 'grant',
      at,
      actor: describeActor(actor),
      idempotencyKey: key,
      description: grant.description,
    });
    const [ledgerEntry] = await ledger.commit();
    await recordCreditsGranted({ trx: ledger.trx, grant: inserted, balanceAfter: ledgerEntry!.balanceAfter });
    return { grant: inserted, ledgerEntry: ledgerEntry!, replayed: false };
  });
}
