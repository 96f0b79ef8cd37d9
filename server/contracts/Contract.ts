import type { RelationMappings } from 'objection';
import { Plan } from '../catalog/Plan';
import { BaseModel } from '../db/BaseModel';

export type CollectionMethod = 'charge_automatically' | 'send_invoice';
/** pending: being set up in Stripe; active: its subscription bills the account; ended: over. */
export type ContractStatus = 'pending' | 'active' | 'ended';

/** A change to one of the base plan's resource limits, for this account only. */
export interface LimitOverride {
  featureKey: string;
  /** null with `unlimited`. */
  limit: number | null;
  unlimited: boolean;
}

/**
 * A sales-led agreement: one account on a plan version at its own price, billed by card
 * (`charge_automatically`) or by invoice with payment terms (`send_invoice`, `daysUntilDue`), until
 * `endsAt` or renewing (`autoRenew`). Its price and billing never change once written (a new deal is a
 * new contract); only its term does (`updateContract`).
 */
export class Contract extends BaseModel {
  static override tableName = 'contracts';

  id!: string;
  accountId!: string;
  planId!: string;
  /** Minor units of `currency` per interval. */
  unitAmount!: number;
  currency!: string;
  billingInterval!: 'month' | 'year';
  entitlementOverrides!: LimitOverride[];
  collectionMethod!: CollectionMethod;
  daysUntilDue!: number | null;
  /** Days of trial before the first charge or invoice; 0 for none. */
  trialDays!: number;
  startsAt!: Date;
  endsAt!: Date | null;
  autoRenew!: boolean;
  status!: ContractStatus;
  stripePriceId!: string | null;
  stripeSubscriptionId!: string | null;
  createdByUserId!: string | null;
  createdAt!: Date;
  updatedAt!: Date;

  plan?: Plan;

  static override get jsonAttributes(): string[] {
    return ['entitlementOverrides'];
  }

  static override get relationMappings(): RelationMappings {
    return {
      plan: {
        relation: BaseModel.BelongsToOneRelation,
        modelClass: Plan,
        join: { from: 'contracts.planId', to: 'plans.id' },
      },
    };
  }
}
