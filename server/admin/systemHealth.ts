import { Account } from '../accounts/Account';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { now } from '../clock';
import { migrationStatus } from '../db/migrations';

/**
 * What a platform admin checks first when something looks wrong: can we reach the database, is its
 * schema current, is background work piling up, and are we talking to real Stripe or the emulator.
 */
export interface HealthCheck {
  ok: boolean;
  detail: string;
}

export interface SystemHealth {
  database: HealthCheck;
  migrations: HealthCheck;
  jobQueue: HealthCheck;
  stripeMode: 'real' | 'emulated';
  checkedAt: Date;
}

let stripeMode: SystemHealth['stripeMode'] = 'emulated';

/** Called at start-up with the Stripe the process talks to (server/stripe/stripeRuntime.ts decides). */
export function recordStripeMode(mode: SystemHealth['stripeMode']): void {
  stripeMode = mode;
}

/** Notices older than this still waiting in the outbox mean its sender is stuck or missing. */
const STALE_OUTBOX_MS = 15 * 60 * 1000;

export async function checkSystemHealth({ actor }: { actor: Actor }): Promise<SystemHealth> {
  requirePlatformAdmin(actor);
  const database = Account.knex();
  const checkedAt = now();
  try {
    await database.raw('select 1');
  } catch {
    const down = { ok: false, detail: 'Not checked: the database is unreachable.' };
    return {
      database: { ok: false, detail: 'The database does not answer.' },
      migrations: down,
      jobQueue: down,
      stripeMode,
      checkedAt,
    };
  }
  const { applied, pending } = await migrationStatus(database);
  const migrations =
    pending.length === 0
      ? { ok: true, detail: `All ${applied} migrations applied.` }
      : { ok: false, detail: `${pending.length} pending: ${pending.join(', ')}.` };
  return {
    database: { ok: true, detail: 'Reachable.' },
    migrations,
    jobQueue: await outboxBacklog(checkedAt),
    stripeMode,
    checkedAt,
  };
}

async function outboxBacklog(at: Date): Promise<HealthCheck> {
  const [row] = (await Account.knex()('notifications')
    .where({ status: 'pending' })
    .select(
      Account.knex().raw('count(*)::int as pending'),
      Account.knex().raw('min(send_after) as oldest'),
    )) as Array<{ pending: number; oldest: Date | null }>;
  const [failed] = (await Account.knex()('notifications')
    .where({ status: 'failed' })
    .count({ count: '*' })) as Array<{ count: string | number }>;
  const failedCount = Number(failed?.count ?? 0);
  const stale = row?.oldest ? at.getTime() - new Date(row.oldest).getTime() > STALE_OUTBOX_MS : false;
  const detail = `${row?.pending ?? 0} notices waiting${stale ? ', the oldest for more than 15 minutes' : ''}; ${failedCount} failed.`;
  return { ok: !stale, detail };
}
