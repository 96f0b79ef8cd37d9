import type { Knex } from 'knex';
import { Meter } from '../catalog/Meter';
import { Plan } from '../catalog/Plan';
import { PlanEntitlement } from '../catalog/PlanEntitlement';
import { meterUsage } from '../usage/usageReads';

export interface OverageCharge {
  meter: Meter;
  includedQuantity: number;
  usedQuantity: number;
  overageQuantity: number;
  /** Minor units: every started block of `blockSize` units beyond the allowance costs `unitAmount`. */
  amount: number;
  currency: string;
  unitAmount: number;
  blockSize: number;
}

/**
 * What usage beyond the plan's allowances costs for one period, meter by meter, for the metered
 * entitlements that price overage. Integer arithmetic only: blocks are rounded up, never fractions.
 */
export async function overageCharges({
  trx,
  accountId,
  planId,
  from,
  to,
}: {
  trx?: Knex.Transaction;
  accountId: string;
  planId: string;
  from: Date;
  to: Date;
}): Promise<OverageCharge[]> {
  const priced = await PlanEntitlement.query(trx)
    .where({ planId, kind: 'metered', unlimited: false })
    .whereNotNull('overageUnitAmount')
    .whereNotNull('meterId');
  const { currency } = await Plan.query(trx).findById(planId).throwIfNotFound();
  const charges: OverageCharge[] = [];
  for (const entitlement of priced) {
    const meter = await Meter.query(trx).findById(entitlement.meterId!).throwIfNotFound();
    const usedQuantity = await meterUsage({ trx, accountId, meter, from, to });
    const includedQuantity = entitlement.includedQuantity ?? 0;
    const overageQuantity = Math.max(0, usedQuantity - includedQuantity);
    const blocks = Math.ceil(overageQuantity / entitlement.overageBlockSize);
    charges.push({
      meter,
      includedQuantity,
      usedQuantity,
      overageQuantity,
      amount: blocks * entitlement.overageUnitAmount!,
      currency,
      unitAmount: entitlement.overageUnitAmount!,
      blockSize: entitlement.overageBlockSize,
    });
  }
  return charges;
}
