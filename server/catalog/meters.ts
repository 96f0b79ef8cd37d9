import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { requireCatalogManager } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { CURRENT_STATUSES } from '../subscriptions/Subscription';
import { parseInput } from '../validation';
import { Meter } from './Meter';

/**
 * Meters, written by the operator (decision 031). A meter is created, or its name, unit and credit cost
 * changed; how its events add up (aggregation, and the property a unique count counts) never changes,
 * since the usage already recorded against it was added up that way: another key makes another meter.
 */

/** The most milli-credits one unit may cost (decision 023's bound on one credit movement). */
const MAX_CREDIT_COST = 1_000_000_000_000;

export const meterInput = z
  .object({
    key: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9_.-]{0,62}$/,
        'is 1 to 63 lower-case letters, digits, dots, dashes or underscores',
      ),
    name: z.string().trim().min(1, 'is required').max(100, 'is at most 100 characters'),
    aggregation: z.enum(['sum', 'count', 'max', 'unique_count', 'latest']),
    /** For unique_count: the event property whose distinct values are counted. */
    property: z
      .string()
      .trim()
      .min(1, 'is required')
      .max(63, 'is at most 63 characters')
      .nullish()
      .transform((value) => value ?? null),
    unit: z
      .string()
      .trim()
      .min(1, 'is required')
      .max(40, 'is at most 40 characters')
      .nullish()
      .transform((value) => value ?? 'unit'),
    /** Milli-credits one unit costs when it is paid for with credits; null: not payable with credits. */
    creditCostMilliCredits: z
      .number()
      .int('must be a whole number')
      .min(0, 'must not be negative')
      .max(MAX_CREDIT_COST, `is at most ${MAX_CREDIT_COST.toLocaleString('en-US')}`)
      .nullish()
      .transform((value) => value ?? null),
  })
  .superRefine((meter, context) => {
    if (meter.aggregation === 'unique_count' && meter.property == null)
      context.addIssue({
        code: 'custom',
        path: ['property'],
        message: 'a unique count needs the event property whose distinct values it counts',
      });
    if (meter.aggregation !== 'unique_count' && meter.property != null)
      context.addIssue({ code: 'custom', path: ['property'], message: 'only a unique count has a property' });
  });

export type MeterInput = z.input<typeof meterInput>;
export type MeterDefinition = z.output<typeof meterInput>;

/** A meter's definition in the words of MeterInput. */
export function meterDefinition(meter: Meter): MeterDefinition {
  return {
    key: meter.key,
    name: meter.name,
    aggregation: meter.aggregation,
    property: meter.fieldName,
    unit: meter.unit,
    creditCostMilliCredits: meter.creditCostPerUnit == null ? null : Number(meter.creditCostPerUnit),
  };
}

/** What writing `definition` over `existing` would change, and the fields it may not change. */
export function meterChanges(
  existing: Meter,
  definition: MeterDefinition,
): { changed: string[]; problems: Record<string, string> } {
  const current = meterDefinition(existing);
  const changed: string[] = (['name', 'unit', 'creditCostMilliCredits'] as const).filter(
    (field) => current[field] !== definition[field],
  );
  if (!existing.active) changed.push('active');
  const problems: Record<string, string> = {};
  if (current.aggregation !== definition.aggregation)
    problems.aggregation = `is ${current.aggregation} for the usage already recorded; a meter adding up otherwise needs another key`;
  else if (current.property !== definition.property)
    problems.property = `is ${current.property} for the usage already recorded; counting another property needs another key`;
  return { changed, problems };
}

/**
 * Creates the meter of the input's key, or brings the existing one to it (and back on, if it was off).
 * With `createOnly`, a key the catalog already has is refused rather than changed, unless the input is
 * what it already says (the same creation sent again).
 */
export async function saveMeter({
  actor,
  input,
  createOnly = false,
}: {
  actor: Actor;
  input: MeterInput;
  createOnly?: boolean;
}): Promise<{ meter: Meter; outcome: 'created' | 'updated' | 'unchanged' }> {
  requireCatalogManager(actor);
  const definition = parseInput(meterInput, input);
  return Meter.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [
      `catalog-meter:${definition.key}`,
    ]);
    const existing = await Meter.query(trx).findOne({ key: definition.key }).forUpdate();
    const columns = {
      name: definition.name,
      unit: definition.unit,
      creditCostPerUnit: definition.creditCostMilliCredits,
      active: true,
    };
    if (!existing) {
      const meter = await Meter.query(trx).insertAndFetch({
        key: definition.key,
        aggregation: definition.aggregation,
        fieldName: definition.property,
        ...columns,
      });
      await recordAudit({
        trx,
        actor,
        accountId: null,
        action: 'meter.created',
        target: { type: 'meter', id: meter.id },
        details: { key: meter.key, aggregation: meter.aggregation },
      });
      return { meter, outcome: 'created' as const };
    }
    const { changed, problems } = meterChanges(existing, definition);
    if (createOnly && (changed.length > 0 || Object.keys(problems).length > 0))
      throw ValidationError.forField('key', 'is already a meter; edit it instead');
    if (Object.keys(problems).length > 0) throw ValidationError.forFields(problems);
    if (changed.length === 0) return { meter: existing, outcome: 'unchanged' as const };
    const meter = await Meter.query(trx).patchAndFetchById(existing.id, columns);
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: 'meter.updated',
      target: { type: 'meter', id: meter.id },
      details: { key: meter.key, changed },
    });
    return { meter, outcome: 'updated' as const };
  });
}

/**
 * Takes a meter out of use: usage is no longer recorded against it nor shown, and saving its key again
 * brings it back. Refused while a plan on sale, a draft or a plan someone is subscribed to gives an
 * allowance of it, since their usage would have nowhere to go.
 */
export async function archiveMeter({ actor, key }: { actor: Actor; key: string }): Promise<Meter> {
  requireCatalogManager(actor);
  return Meter.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`catalog-meter:${key}`]);
    const meter = await Meter.query(trx).findOne({ key }).forUpdate();
    if (!meter) throw new NotFoundError('Meter');
    if (!meter.active) return meter;
    const plan = await trx('planEntitlements')
      .join('plans', 'plans.id', 'planEntitlements.planId')
      .where('planEntitlements.meterId', meter.id)
      .where((inUse) =>
        inUse
          .where('plans.active', true)
          .orWhere('plans.status', 'draft')
          .orWhereExists((subscribed) =>
            subscribed
              .select(trx.raw('1'))
              .from('subscriptions')
              .whereRaw('subscriptions.plan_id = plans.id')
              .whereIn('subscriptions.status', CURRENT_STATUSES),
          ),
      )
      .orderBy(['plans.key', 'plans.version'])
      .first('plans.key', 'plans.version');
    if (plan)
      throw new ConflictError(
        `Version ${plan.version} of ${plan.key} gives an allowance of ${key}; archive that plan, or publish a version without it, first.`,
      );
    const archived = await Meter.query(trx).patchAndFetchById(meter.id, { active: false });
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: 'meter.archived',
      target: { type: 'meter', id: meter.id },
      details: { key },
    });
    return archived;
  });
}
