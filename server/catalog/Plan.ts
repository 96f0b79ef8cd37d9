import type { RelationMappings } from 'objection';
import { BaseModel } from '../db/BaseModel';
import { PlanEntitlement } from './PlanEntitlement';

export type BillingInterval = 'month' | 'year' | 'lifetime';
export type PurchaseMode = 'self_serve' | 'contact_sales';

/** One version of a plan. A new price is a new version; subscribers keep the version they bought. */
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
