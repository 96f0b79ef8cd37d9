import { Account } from '../accounts/Account';
import { settings } from '../settings';

/**
 * The time an account lives at: its test clock's frozen time, or null for real time. Every API call for
 * every account asks, so the few accounts on a clock are read in one query and kept for a second; the
 * process that moves a clock forgets them at once, other processes within the second.
 */
const FRESH_FOR_MS = 1000;

interface ClockedAccounts {
  loadedAt: number;
  byId: Map<string, Date>;
  byExternalId: Map<string, Date>;
  byStripeCustomerId: Map<string, Date>;
}

let known: ClockedAccounts | undefined;
let loading: Promise<ClockedAccounts> | undefined;
/** Bumped by every forget, so a read that started before a clock moved is not kept. */
let generation = 0;

/** An account, named any way the caller knows it: our id, the partner's id, or its Stripe customer. */
export interface AccountTimeReference {
  accountId?: string | null;
  externalId?: string | null;
  stripeCustomerId?: string | null;
}

/** The account's simulated "now", or null when it follows real time. */
export async function accountClockTime(reference: AccountTimeReference): Promise<Date | null> {
  const answer = knownAccountClockTime(reference);
  if (answer !== undefined) return answer;
  return lookUp(await loadClockedAccounts(), reference);
}

/**
 * The same, answered only from what is already known: undefined when it must be read first. Lets the
 * API skip an await on every field of every account when no account is on a clock.
 */
export function knownAccountClockTime(reference: AccountTimeReference): Date | null | undefined {
  if (!settings().testClocks) return null;
  if (!reference.accountId && !reference.externalId && !reference.stripeCustomerId) return null;
  if (!known || Date.now() - known.loadedAt > FRESH_FOR_MS) return undefined;
  return lookUp(known, reference);
}

/** After a clock is attached or moved: the next question reads the database. */
export function forgetAccountClocks(): void {
  known = undefined;
  loading = undefined;
  generation += 1;
}

function lookUp(
  clocked: ClockedAccounts,
  { accountId, externalId, stripeCustomerId }: AccountTimeReference,
): Date | null {
  const time =
    (accountId && clocked.byId.get(accountId)) ||
    (externalId && clocked.byExternalId.get(externalId)) ||
    (stripeCustomerId && clocked.byStripeCustomerId.get(stripeCustomerId));
  return time ? new Date(time) : null;
}

function loadClockedAccounts(): Promise<ClockedAccounts> {
  const startedIn = generation;
  loading ??= Account.query()
    .whereNotNull('stripeTestClockId')
    .select('id', 'externalId', 'stripeCustomerId', 'testClockTime')
    .then((accounts) => {
      const loaded = {
        loadedAt: Date.now(),
        byId: new Map(accounts.map((account) => [account.id, account.testClockTime!])),
        byExternalId: new Map(
          accounts.flatMap((account) =>
            account.externalId ? [[account.externalId, account.testClockTime!] as const] : [],
          ),
        ),
        byStripeCustomerId: new Map(
          accounts.flatMap((account) =>
            account.stripeCustomerId ? [[account.stripeCustomerId, account.testClockTime!] as const] : [],
          ),
        ),
      };
      if (startedIn === generation) known = loaded;
      return loaded;
    })
    .finally(() => {
      if (startedIn === generation) loading = undefined;
    });
  return loading;
}
