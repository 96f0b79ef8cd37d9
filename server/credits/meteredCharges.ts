import type { Knex } from 'knex';
import type { Meter } from '../catalog/Meter';
import { meterAllowancesAt, type MeterAllowance } from '../usage/allowances';

/** A meter that can be paid for in credits: it adds up quantities and has a credit weight. */
export type PricedMeter = Pick<Meter, 'id' | 'key' | 'aggregation'> & { creditCostPerUnit: number };

/**
 * Prices consumptions by meter within one locked batch: the units the plan still includes this period
 * are free, the rest cost the meter's credit weight each. Usage priced in the batch counts against the
 * allowance at once, so two consumptions in one batch never share the same free units.
 */
export class MeteredCharges {
  private constructor(private readonly allowances: Map<string, MeterAllowance>) {}

  static async load({
    trx,
    accountId,
    meters,
    at,
  }: {
    trx: Knex.Transaction;
    accountId: string;
    meters: PricedMeter[];
    at: Date;
  }) {
    return new MeteredCharges(
      meters.length === 0 ? new Map() : await meterAllowancesAt({ trx, accountId, meters, at }),
    );
  }

  quote(meter: PricedMeter, quantity: number): { includedQuantity: number; amount: number } {
    const { included, used } = this.allowances.get(meter.id)!;
    const includedQuantity = included === null ? quantity : Math.min(Math.max(included - used, 0), quantity);
    return { includedQuantity, amount: (quantity - includedQuantity) * meter.creditCostPerUnit };
  }

  record(meter: PricedMeter, quantity: number): void {
    this.allowances.get(meter.id)!.used += quantity;
  }
}
