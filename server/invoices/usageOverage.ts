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
    charges.push({
      meter,
      includedQuantity,
      usedQuantity,
      overageQuantity,
      amount: priceOfBlocks(
        blocksOf(overageQuantity, entitlement.overageBlockSize),
        entitlement.overageUnitAmount!,
      ),
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
 * billed in. Each period is priced by the plan in force in it (planInForce), not by the plan the
 * subscription has when the invoice is built: a downgrade made just before the period ended does not
 * reprice the period it ends (docs/decisions/016-allowances-by-period-and-overage-by-plan.md). Billed
 * blocks are never repriced.
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
  /** The subscription's plan now: the price of a period no invoice line tells the plan of. */
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
      planId: (await planInForce({ trx, subscriptionId, periodEnd: period.end })) ?? planId,
      from: period.start,
      to: period.end,
    })) {
      const billedQuantity = billedFor(charge.meter.id, period.start)?.quantity ?? 0;
      if (charge.overageQuantity <= billedQuantity) continue;
      // Only the blocks the new units start are charged: what was billed is never priced again.
      const blocks =
        blocksOf(charge.overageQuantity, charge.blockSize) - blocksOf(billedQuantity, charge.blockSize);
      if (blocks <= 0) continue;
      unbilled.push({
        ...charge,
        overageQuantity: charge.overageQuantity - billedQuantity,
        amount: priceOfBlocks(blocks, charge.unitAmount),
        periodStart: period.start,
        periodEnd: period.end,
        late: period.late,
      });
    }
  }
  return unbilled;
}

/**
 * The plan a period of a Stripe subscription was billed at when it ended: the plan of the latest charge
 * covering its last moment, which is the period's own charge, or an upgrade's prorated charge for the
 * rest of it. A downgrade is made without proration just before the period ends (decision 006), so it
 * charges nothing in the period it ends, and the period keeps the plan it was paid at. Null when no
 * invoice says (a subscription Stripe does not bill).
 */
async function planInForce({
  trx,
  subscriptionId,
  periodEnd,
}: {
  trx?: Knex.Transaction;
  subscriptionId: string;
  periodEnd: Date;
}): Promise<string | null> {
  const line: { planId: string } | undefined = await (trx ?? Invoice.knex())('invoiceLines as line')
    .join('invoices as invoice', 'invoice.id', 'line.invoiceId')
    .where('invoice.subscriptionId', subscriptionId)
    .whereNot('invoice.status', 'void')
    .whereNotNull('line.planId')
    .where('line.periodStart', '<', periodEnd)
    .where('line.periodEnd', '>=', periodEnd)
    .where((kind) =>
      kind
        .where('line.kind', 'subscription')
        .orWhere((proration) => proration.where('line.kind', 'proration').where('line.amount', '>', 0)),
    )
    .orderBy('line.periodStart', 'desc')
    .first('line.planId');
  return line?.planId ?? null;
}

/** Started blocks of `blockSize` in `quantity`, in exact integer arithmetic. */
function blocksOf(quantity: number, blockSize: number): number {
  return Number((BigInt(quantity) + BigInt(blockSize) - 1n) / BigInt(blockSize));
}

/**
 * What `blocks` cost, saturated at the largest exact integer: usage read back saturates (usageReads.ts),
 * and an amount must never make a read fail.
 */
function priceOfBlocks(blocks: number, unitAmount: number): number {
  const amount = BigInt(blocks) * BigInt(unitAmount);
  return amount > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(amount);
}
