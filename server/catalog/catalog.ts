import type { Knex } from 'knex';
import type { Actor } from '../auth/actor';
import { requireCatalogManager } from '../auth/authorization';
import { CreditPackage } from './CreditPackage';
import { Meter } from './Meter';
import { Plan } from './Plan';

/**
 * The public catalog: readable by anyone, including signed-out visitors of the pricing page. Drafts,
 * retired versions and archived plans are for those who manage the catalog only.
 */
export async function listPlans({
  actor,
  includeInactive,
}: {
  actor: Actor;
  includeInactive?: boolean | null;
}): Promise<Plan[]> {
  if (includeInactive) requireCatalogManager(actor);
  const query = Plan.query()
    .withGraphFetched('entitlements.meter')
    .modifyGraph('entitlements', (builder) => builder.orderBy('featureKey'))
    .orderBy([
      { column: 'displayOrder' },
      { column: 'tierRank' },
      { column: 'key' },
      { column: 'version', order: 'desc' },
    ]);
  if (!includeInactive) query.where('active', true);
  return query;
}

/** Credit packages on sale; with `includeInactive`, those withdrawn too (for those who manage the catalog). */
export async function listCreditPackages({
  actor,
  includeInactive,
}: {
  actor: Actor;
  includeInactive?: boolean | null;
}): Promise<CreditPackage[]> {
  if (includeInactive) requireCatalogManager(actor);
  const query = CreditPackage.query().orderBy([
    { column: 'displayOrder' },
    { column: 'credits' },
    { column: 'key' },
  ]);
  if (!includeInactive) query.where('active', true);
  return query;
}

/** Meters in use; with `includeInactive`, archived ones too (for those who manage the catalog). */
export async function listMeters({
  actor,
  includeInactive,
}: {
  actor: Actor;
  includeInactive?: boolean | null;
}): Promise<Meter[]> {
  if (includeInactive) requireCatalogManager(actor);
  const query = Meter.query().orderBy('key');
  if (!includeInactive) query.where('active', true);
  return query;
}

export async function findDefaultPlan(trx?: Knex.Transaction): Promise<Plan | undefined> {
  return Plan.query(trx).findOne({ isDefault: true, active: true });
}
