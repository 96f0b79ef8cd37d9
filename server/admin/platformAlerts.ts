import { Model } from 'objection';
import { User } from '../auth/User';
import { addDays } from '../calendar';
import { now as clockNow } from '../clock';
import type { Notice } from '../notifications/notices';
import { enqueueUserNotification } from '../notifications/outbox';
import { settings } from '../settings';
import { StripeEvent } from '../webhooks/StripeEvent';

/** More than this many Stripe events failing in a row, with none processed between, alerts the admins. */
export const STRIPE_FAILURE_STREAK = 5;
/** A day's collected revenue this many percent below the day before's alerts the admins. */
export const REVENUE_DROP_PERCENT = 10;

/**
 * The alerts platform admins get by email: Stripe events failing in a row (once per streak) and a
 * day-over-day drop in collected revenue (once per day and currency). Run by the job queue; each alert
 * has a dedupe key, so runs on several processes send it once.
 */
export async function sendPlatformAlerts({ now = clockNow() } = {}): Promise<number> {
  const alerts = [...(await stripeFailureAlerts()), ...(await revenueDropAlerts({ now }))];
  if (alerts.length === 0) return 0;
  const admins = await User.query().where({ isPlatformAdmin: true }).whereNull('deletedAt');
  for (const { notice, dedupeKey } of alerts)
    for (const admin of admins) await enqueueUserNotification({ userId: admin.id, notice, dedupeKey });
  return alerts.length;
}

interface Alert {
  notice: Notice;
  dedupeKey: string;
}

/** The failures since the last event that was processed, oldest first; an alert once there are more than five. */
async function stripeFailureAlerts(): Promise<Alert[]> {
  const lastProcessed = await StripeEvent.query()
    .where({ status: 'processed' })
    .orderBy('receivedAt', 'desc')
    .first();
  const streak = StripeEvent.query()
    .where({ status: 'failed' })
    .modify((query) => {
      if (lastProcessed) query.where('receivedAt', '>', lastProcessed.receivedAt);
    });
  const failures = await streak.clone().resultSize();
  if (failures <= STRIPE_FAILURE_STREAK) return [];
  const first = (await streak.clone().orderBy('receivedAt').first())!;
  const last = (await streak.clone().orderBy('receivedAt', 'desc').first())!;
  return [
    {
      notice: {
        kind: 'admin.stripe_events_failing',
        data: {
          failures,
          lastEventType: last.type,
          lastError: last.lastError ?? 'unknown error',
          eventsUrl: `${settings().publicUrl}/admin/events?status=FAILED`,
        },
      },
      dedupeKey: `admin.stripe_events_failing:${first.id}`,
    },
  ];
}

/**
 * Yesterday's collected revenue (completed charges, less nothing: refunds are their own story) against
 * the day before's, per currency, in UTC days. A currency with nothing the day before cannot drop.
 */
async function revenueDropAlerts({ now }: { now: Date }): Promise<Alert[]> {
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const yesterday = addDays(today, -1);
  const dayBefore = addDays(today, -2);
  const knex = Model.knex();
  const rows: Array<{ currency: string; yesterday: boolean; collected: string }> = await knex('payments')
    .whereNot('type', 'refund')
    .whereIn('status', ['completed', 'refunded'])
    .where('completedAt', '>=', dayBefore)
    .where('completedAt', '<', today)
    .groupBy('currency', 'yesterday')
    .select('currency', knex.raw('completed_at >= ? as yesterday', [yesterday]))
    .sum({ collected: 'amount' });
  const byCurrency = new Map<string, { before: bigint; after: bigint }>();
  for (const row of rows) {
    const entry = byCurrency.get(row.currency) ?? { before: 0n, after: 0n };
    if (row.yesterday) entry.after += BigInt(row.collected);
    else entry.before += BigInt(row.collected);
    byCurrency.set(row.currency, entry);
  }
  const alerts: Alert[] = [];
  for (const [currency, { before, after }] of byCurrency) {
    if (before === 0n || after * 100n >= before * BigInt(100 - REVENUE_DROP_PERCENT)) continue;
    alerts.push({
      notice: {
        kind: 'admin.revenue_drop',
        data: {
          currency: currency.toUpperCase(),
          day: yesterday,
          collected: Number(after),
          previousDay: dayBefore,
          previouslyCollected: Number(before),
          dropPercent: Number(((before - after) * 100n) / before),
          revenueUrl: `${settings().publicUrl}/admin/revenue`,
        },
      },
      dedupeKey: `admin.revenue_drop:${currency}:${yesterday.toISOString().slice(0, 10)}`,
    });
  }
  return alerts;
}
