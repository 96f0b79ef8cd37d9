import type { RelationMappings } from 'objection';
import { BaseModel } from '../db/BaseModel';
import { Meter } from './Meter';

export type EntitlementKind = 'boolean' | 'limit' | 'metered' | 'credits';
/** Whom a LIMIT counts for: the whole account, or each parent resource (each room) separately. */
export type EntitlementScope = 'account' | 'per_resource';

/** What a plan gives: a feature, a capped resource, a per-period allowance of a meter, or credits. */
export class PlanEntitlement extends BaseModel {
  static override tableName = 'plan_entitlements';

  id!: string;
  planId!: string;
  featureKey!: string;
  kind!: EntitlementKind;
  unlimited!: boolean;
  limitValue!: number | null;
  meterId!: string | null;
  includedQuantity!: number | null;
  /** Minor units charged per block of `overageBlockSize` units beyond the allowance; null: no overage, usage is refused. */
  overageUnitAmount!: number | null;
  overageBlockSize!: number;
  /** Milli-credits granted at the start of each period. */
  creditAllowance!: number | null;
  softLimitPercent!: number;
  scope!: EntitlementScope;
  /** The kind of parent a per-resource LIMIT counts under, e.g. room; null for account-wide limits. */
  scopeResourceType!: string | null;
  /** A LIMIT admits up to limit × (1 + percent / 100) before it refuses; 0: refused at the limit. */
  overageBufferPercent!: number;
  createdAt!: Date;

  meter?: Meter | null;

  static override get relationMappings(): RelationMappings {
    return {
      meter: {
        relation: BaseModel.BelongsToOneRelation,
        modelClass: Meter,
        join: { from: 'plan_entitlements.meterId', to: 'meters.id' },
      },
    };
  }
}
