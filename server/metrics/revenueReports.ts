import type { Knex } from 'knex';
import { Model } from 'objection';
import { z } from 'zod';
import { systemActor, type Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { User } from '../auth/User';
import { recordAudit } from '../audit/auditLog';
import { now } from '../clock';
import { ValidationError } from '../errors';
import { enqueueNotificationsTo } from '../notifications/outbox';
import { parseInput } from '../validation';
import { computeRevenueFigures } from './revenueReportFigures';
import { revenueReportNotice } from './revenueReportNotice';
import { RevenueReport } from './RevenueReport';

const monthInput = z.object({
  month: z
    .string()
    .trim()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'is a month written YYYY-MM, e.g. 2026-01'),
});

/** The month's bounds in UTC: [first instant, first instant of the next month). */
export function monthBounds(month: string): { from: Date; to: Date } {
  const [year, number] = month.split('-').map(Number);
  return { from: new Date(Date.UTC(year, number - 1, 1)), to: new Date(Date.UTC(year, number, 1)) };
}

/** The calendar month (UTC) before the one `at` falls in, as YYYY-MM. */
export function monthBefore(at: Date): string {
  const previous = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - 1, 1));
  return `${previous.getUTCFullYear()}-${String(previous.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Every stored report, latest month first. Platform admins only. */
export async function listRevenueReports({ actor }: { actor: Actor }): Promise<RevenueReport[]> {
  requirePlatformAdmin(actor);
  return RevenueReport.query().orderBy('month', 'desc');
}

/** One month's report, or null when none was generated. Platform admins only. */
export async function findRevenueReport({
  actor,
  month,
}: {
  actor: Actor;
  month: string;
}): Promise<RevenueReport | null> {
  requirePlatformAdmin(actor);
  const parsed = parseInput(monthInput, { month });
  return (await RevenueReport.query().findOne({ month: parsed.month })) ?? null;
}

/**
 * Computes a month's report now and stores it, replacing the figures stored for that month before (a
 * late refund or webhook changes the books after the fact). Only a month that is over. Audited.
 */
export async function generateRevenueReport({
  actor,
  month,
}: {
  actor: Actor;
  month: string;
}): Promise<RevenueReport> {
  requirePlatformAdmin(actor);
  const parsed = parseInput(monthInput, { month });
  return Model.knex().transaction(async (trx) => {
    const { report } = await storeReport({ trx, month: parsed.month, replace: true });
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: 'revenue_report.generated',
      target: { type: 'revenue_report', id: report.id },
      details: { month: report.month, currencies: Object.keys(report.figures) },
    });
    return report;
  });
}

/**
 * The monthly job: on the 1st (by the app's clock), the previous month's report, once, and an email to
 * every platform admin, once each. Safe to run again or on two processes at once: the month is locked,
 * a stored report is kept as it is, and each email carries a dedupe key naming the month and recipient.
 */
export async function produceMonthlyRevenueReport(): Promise<{ month: string; emailed: number }> {
  const month = monthBefore(now());
  return Model.knex().transaction(async (trx) => {
    const { report, generated } = await storeReport({ trx, month, replace: false });
    const admins = await User.query(trx).where({ isPlatformAdmin: true }).whereNull('deletedAt');
    const emailed = await enqueueNotificationsTo({
      trx,
      recipients: admins.map((admin) => admin.email),
      notice: revenueReportNotice({ month, figures: Object.values(report.figures) }),
      dedupeKey: `revenue-report:${month}`,
    });
    if (generated)
      await recordAudit({
        trx,
        actor: systemActor('monthly revenue report'),
        accountId: null,
        action: 'revenue_report.generated',
        target: { type: 'revenue_report', id: report.id },
        details: { month, currencies: Object.keys(report.figures) },
      });
    return { month, emailed };
  });
}

async function storeReport({
  trx,
  month,
  replace,
}: {
  trx: Knex.Transaction;
  month: string;
  replace: boolean;
}): Promise<{ report: RevenueReport; generated: boolean }> {
  const { from, to } = monthBounds(month);
  if (to > now()) throw ValidationError.forField('month', 'is not over yet');
  await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`revenue_report:${month}`]);
  const stored = await RevenueReport.query(trx).findOne({ month });
  if (stored && !replace) return { report: stored, generated: false };
  const figures = await computeRevenueFigures({ from, to });
  await trx(RevenueReport.tableName)
    .insert({ month, figures, generatedAt: now() })
    .onConflict('month')
    .merge(['figures', 'generatedAt']);
  return { report: await RevenueReport.query(trx).findOne({ month }).throwIfNotFound(), generated: true };
}
