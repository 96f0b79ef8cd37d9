import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { ValidationError } from '../errors';
import type { Page } from '../pagination';
import { parseInput } from '../validation';
import { CreditGrant } from './CreditGrant';
import { CREDIT_LEDGER_ENTRY_TYPES, CreditLedgerEntry } from './CreditLedgerEntry';

const MAX_PAGE_SIZE = 100;

const creditLedgerInput = z.object({
  first: z
    .number()
    .int()
    .min(1, `must be between 1 and ${MAX_PAGE_SIZE}`)
    .max(MAX_PAGE_SIZE, `must be between 1 and ${MAX_PAGE_SIZE}`)
    .nullish(),
  after: z.string().nullish(),
  entryTypes: z.array(z.enum(CREDIT_LEDGER_ENTRY_TYPES)).nullish(),
  from: z.date().nullish(),
  to: z.date().nullish(),
});

export type CreditLedgerPage = Page<CreditLedgerEntry>;

/**
 * An account's ledger, newest first, optionally only some entry types and entries created in
 * [from, to). Paged by entry id: within an account a later entry always has a larger id.
 */
export async function listCreditLedger({
  actor,
  accountId,
  ...input
}: { actor: Actor; accountId: string } & z.input<typeof creditLedgerInput>): Promise<CreditLedgerPage> {
  const { first, after, entryTypes, from, to } = parseInput(creditLedgerInput, input);
  await authorizeAccount({ actor, accountId, permission: 'credits.read' });
  const size = first ?? 20;
  const query = CreditLedgerEntry.query().where({ accountId });
  if (entryTypes?.length) query.whereIn('entryType', entryTypes);
  if (from) query.where('createdAt', '>=', from);
  if (to) query.where('createdAt', '<', to);
  if (after) query.where('id', '<', decodeCursor(after));
  const rows = await query.orderBy('id', 'desc').limit(size + 1);
  const nodes = rows.slice(0, size);
  const last = nodes.at(-1);
  return {
    nodes,
    hasNextPage: rows.length > size,
    endCursor: last ? encodeCursor(last) : null,
    cursorOf: encodeCursor,
  };
}

/** The grants that still hold credits, in the order they will be spent. */
export async function listCreditGrants({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<CreditGrant[]> {
  await authorizeAccount({ actor, accountId, permission: 'credits.read' });
  return CreditGrant.query()
    .where({ accountId })
    .where('remaining', '>', 0)
    .orderByRaw('priority, expires_at nulls last, created_at, id');
}

function encodeCursor(entry: CreditLedgerEntry): string {
  return Buffer.from(`ledger:${entry.id}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^ledger:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw ValidationError.forField('after', 'is not a cursor returned by this API');
  return Number(match[1]);
}
