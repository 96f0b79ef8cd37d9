import type { Knex } from 'knex';
import { Meter } from '../catalog/Meter';
import { Plan } from '../catalog/Plan';
import { PlanEntitlement } from '../catalog/PlanEntitlement';
import { MAX_EVENT_AGE_DAYS } from '../usage/usageEventInput';
import { meterUsage } from '../usage/usageReads';
import { Invoice } from './Invoice';

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

/** A charge still to bill for one period's overage. */
export interface PeriodOverageCharge extends OverageCharge {
  periodStart: Date;
  periodEnd: Date;
  /** The period closed earlier and was billed then; this is the usage recorded for it since. */
  late: boolean;
}

/** Usage is accepted this long after it happened (a day's margin for the renewal's own timing). */
const LATE_USAGE_WINDOW_MS = (MAX_EVENT_AGE_DAYS + 1) * 24 * 60 * 60 * 1000;

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

/**
 * The overage a subscription's next renewal invoice must carry: that of the period it closes, and what
 * grew since billing in the closed periods before it whose usage may still arrive (events are accepted
 * up to 35 days late). A period's charge is the blocks its whole usage starts now less the blocks
 * already billed for it, so its charges add up to the price of all its usage whatever order they were
 * billed in. New blocks are priced at the subscription's plan now; billed ones are never repriced, and
 * a plan with a larger allowance does not refund what was billed under a smaller one.
 */
export async function unbilledOverage({
  trx,
  accountId,
  subscriptionId,
  planId,
  closing,
}: {
  trx?: Knex.Transaction;
  accountId: string;
  subscriptionId: string;
  planId: string;
  /** The period the invoice closes; for a preview, up to now. */
  closing: { start: Date; end: Date };
}): Promise<PeriodOverageCharge[]> {
  const closedBefore = await Invoice.query(trx)
    .distinct('periodStart', 'periodEnd')
    .where({ subscriptionId, billingReason: 'subscription_cycle' })
    .where('periodStart', '<', closing.start)
    .where('periodEnd', '>', new Date(closing.start.getTime() - LATE_USAGE_WINDOW_MS));
  const periods = [
    { start: closing.start, end: closing.end, late: false },
    ...closedBefore.map((period) => ({ start: period.periodStart!, end: period.periodEnd!, late: true })),
  ];
  const knex = trx ?? Invoice.knex();
  const billed: Array<{ meterId: string; periodStart: Date; quantity: number }> = await knex(
    'usageOverageCharges',
  )
    .select('meterId', 'periodStart', knex.raw('sum(quantity)::bigint as quantity'))
    .where({ subscriptionId })
    .whereIn(
      'periodStart',
      periods.map((period) => period.start),
    )
    .groupBy('meterId', 'periodStart');
  const billedFor = (meterId: string, start: Date) =>
    billed.find((row) => row.meterId === meterId && row.periodStart.getTime() === start.getTime());

  const unbilled: PeriodOverageCharge[] = [];
  for (const period of periods) {
    for (const charge of await overageCharges({
      trx,
      accountId,
      planId,
      from: period.start,
      to: period.end,
    })) {
      const billedQuantity = billedFor(charge.meter.id, period.start)?.quantity ?? 0;
      if (charge.overageQuantity <= billedQuantity) continue;
      // Only the blocks the new units start are charged: what was billed is never priced again.
      const blocks =
        Math.ceil(charge.overageQuantity / charge.blockSize) - Math.ceil(billedQuantity / charge.blockSize);
      if (blocks <= 0) continue;
      unbilled.push({
        ...charge,
        overageQuantity: charge.overageQuantity - billedQuantity,
        amount: blocks * charge.unitAmount,
        periodStart: period.start,
        periodEnd: period.end,
        late: period.late,
      });
    }
  }
  return unbilled;
}
