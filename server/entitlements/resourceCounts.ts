import type { Knex } from 'knex';
import { Model } from 'objection';

/** Seats are held by the account's members and by any seat the partner registers for its own users. */
export const SEATS_FEATURE = 'seats';

/**
 * How many of a countable resource the account holds, in all (scopeKey undefined) or under one parent
 * resource (an index-only count either way).
 */
export async function countResources({
  trx,
  accountId,
  featureKey,
  scopeKey,
}: {
  trx?: Knex.Transaction;
  accountId: string;
  featureKey: string;
  scopeKey?: string;
}): Promise<number> {
  const knex = trx ?? Model.knex();
  const [{ count: registered }] = await knex('entitledResources')
    .where({ accountId, featureKey, ...(scopeKey !== undefined && { scopeKey }) })
    .count<[{ count: number }]>('* as count');
  if (featureKey !== SEATS_FEATURE) return registered;
  const [{ count: members }] = await knex('memberships')
    .where({ accountId })
    .count<[{ count: number }]>('* as count');
  return registered + members;
}
