import type { Knex } from 'knex';
import { Model } from 'objection';
import { settings } from '../settings';

/**
 * Which accounts one run of a time-driven job covers. The scheduled runs cover every account that lives
 * in real time; an account on a test clock is left to its clock, whose advance runs the same jobs for
 * that account alone, at the clock's time (server/testClocks/testClocks.ts). Without this a scheduled
 * run would end a clocked account's trial by the wall clock, or never reach the period it has jumped to.
 */
export interface JobScope {
  /** Only this account: a test clock's advance. */
  accountId?: string;
}

/** What withinJobScope needs of a query: objection's and knex's builders both have it. */
interface ScopableQuery {
  where(column: string, value: string): unknown;
  whereNotIn(column: string, values: Knex.QueryBuilder): unknown;
}

/** A query modifier limiting a job's candidates to its scope; `column` holds the account id. */
export function withinJobScope(column: string, { accountId }: JobScope) {
  return <Query extends ScopableQuery>(builder: Query): void => {
    if (accountId) {
      void builder.where(column, accountId);
      return;
    }
    if (!settings().testClocks) return;
    void builder.whereNotIn(column, Model.knex()('accounts').select('id').whereNotNull('stripeTestClockId'));
  };
}
