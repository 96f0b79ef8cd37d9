import { findDefaultPlan } from '../catalog/catalog';
import type { Logger } from '../logger';

export const NO_DEFAULT_PLAN_AT_START =
  'the catalog has no default plan, so sign-ups and new accounts are refused: sign in as a platform admin (create one with `npm run admin -- create --email <address>`) and create and publish a free plan with isDefault: true (createPlanDraft, publishPlan), or start once with SEED_DEMO_DATA=true to load the demo catalog';

/**
 * Tells the operator at start when nobody can sign up yet: a fresh production install has an empty
 * catalog, and without this line the first sign-up's NO_DEFAULT_PLAN would be the first sign of it.
 */
export async function reportCatalogReadiness({ logger }: { logger: Logger }): Promise<boolean> {
  const ready = (await findDefaultPlan()) !== undefined;
  if (!ready) logger.warn(NO_DEFAULT_PLAN_AT_START);
  return ready;
}
