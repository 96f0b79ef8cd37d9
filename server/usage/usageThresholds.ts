import { accountClockTime } from '../testClocks/accountTime';
import { Model } from 'objection';
import { Meter } from '../catalog/Meter';
import { Plan } from '../catalog/Plan';
import { now } from '../clock';
import { recordPartnerEvent } from '../partnerWebhooks/events';
import { allowanceWindowOf } from './allowances';
import { END_OF_TIME, floorToHour } from './usageWindow';

/** The shares of a metered allowance partners hear of, once each per account, meter and period. */
export const USAGE_THRESHOLD_PERCENTS = [80, 100] as const;

const HOUR_MS = 60 * 60 * 1000;

/**
 * Tells partners (`usage.threshold_crossed`) when an account's usage of a meter has reached 80 % and
 * 100 % of what its plan includes in the current period. It runs as a job rather than at ingest so that
 * recording usage does no extra work: the accounts worth checking are those with usage in the current or
 * the previous hour (one index range of the hourly rollups), so a crossing is told within a minute or so.
 * Each threshold is told once per account, meter and period (the event's dedupe key), however often the
 * job runs or on how many processes; usage recorded late for an hour long past is counted the next time
 * the account records usage in the period.
 */
export async function tellUsageThresholdsCrossed({ at = now() }: { at?: Date } = {}): Promise<{
  accountsChecked: number;
  told: number;
}> {
  const since = new Date(floorToHour(at).getTime() - HOUR_MS);
  const recent = (await Model.knex()('usageRollups as r')
    .join('accounts as a', 'a.id', 'r.accountId')
    .whereNull('a.deletedAt')
    .where('r.granularity', 'hour')
    .where('r.bucketStart', '>=', since)
    .distinct('r.accountId', 'r.meterId')) as Array<{ accountId: string; meterId: string }>;
  const meterIdsByAccount = new Map<string, string[]>();
  for (const { accountId, meterId } of recent)
    meterIdsByAccount.set(accountId, [...(meterIdsByAccount.get(accountId) ?? []), meterId]);
  const meters = new Map(
    (await Meter.query().findByIds([...new Set(recent.map((row) => row.meterId))])).map((meter) => [
      meter.id,
      meter,
    ]),
  );

  let told = 0;
  for (const [accountId, meterIds] of meterIdsByAccount) {
    const found = await allowanceWindowOf({
      accountId,
      meters: meterIds.map((id) => meters.get(id)!),
      // An account on a test clock is in the period of its clock's date (server/testClocks/).
      at: (await accountClockTime({ accountId })) ?? at,
    });
    if (!found) continue;
    const crossings = [...found.allowances].flatMap(([meterId, { included, used }]) =>
      included === null || included <= 0
        ? []
        : USAGE_THRESHOLD_PERCENTS.filter((percent) => used * 100 >= included * percent).map((percent) => ({
            meter: meters.get(meterId)!,
            percent,
            included,
            used,
          })),
    );
    if (crossings.length === 0) continue;
    const plan = await Plan.query().findById(found.planId).throwIfNotFound();
    await Model.knex().transaction(async (trx) => {
      for (const { meter, percent, included, used } of crossings) {
        const event = await recordPartnerEvent({
          trx,
          accountId,
          type: 'usage.threshold_crossed',
          dedupeKey: `usage.threshold_crossed:${accountId}:${meter.id}:${found.window.from.toISOString()}:${percent}`,
          payload: {
            meter: { key: meter.key, name: meter.name, unit: meter.unit },
            thresholdPercent: percent,
            includedQuantity: included,
            usedQuantity: used,
            plan: { key: plan.key, version: plan.version, name: plan.name },
            periodStart: found.window.from.toISOString(),
            periodEnd: found.window.to < END_OF_TIME ? found.window.to.toISOString() : null,
          },
        });
        if (event) told += 1;
      }
    });
  }
  return { accountsChecked: meterIdsByAccount.size, told };
}
