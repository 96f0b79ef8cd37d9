import type { RelationMappings } from 'objection';
import { BaseModel } from '../db/BaseModel';
import { PlanEntitlement } from './PlanEntitlement';

export type BillingInterval = 'month' | 'year' | 'lifetime';
export type PurchaseMode = 'self_serve' | 'contact_sales';
/** draft: still changing, never sold; published: immutable; archived: withdrawn from sale. */
export type PlanStatus = 'draft' | 'published' | 'archived';

/**
 * One version of a plan. A new price is a new version; subscribers keep the version they bought. Only a
 * published version is ever on sale (`active`), and only the newest published version of its key.
 */
export class Plan extends BaseModel {
  static override tableName = 'plans';

  id!: string;
  key!: string;
  version!: number;
  name!: string;
  description!: string | null;
  tier!: string;
  tierRank!: number;
  billingInterval!: BillingInterval;
  /** Minor units of `currency`, per seat for per-seat plans. */
  priceAmount!: number;
  currency!: string;
  trialDays!: number;
  trialWithoutCard!: boolean;
  perSeat!: boolean;
  purchaseMode!: PurchaseMode;
  status!: PlanStatus;
  /** On sale: the published version of its key that new customers get. */
  active!: boolean;
  isDefault!: boolean;
  displayOrder!: number;
  stripeProductId!: string | null;
  stripePriceId!: string | null;
  createdAt!: Date;
  updatedAt!: Date;

  entitlements?: PlanEntitlement[];

  static override get relationMappings(): RelationMappings {
    return {
      entitlements: {
        relation: BaseModel.HasManyRelation,
        modelClass: PlanEntitlement,
        join: { from: 'plans.id', to: 'plan_entitlements.planId' },
      },
    };
  }
}
