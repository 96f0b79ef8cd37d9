import { settings } from '../settings';
import type { RevenueReportFigures } from './RevenueReport';

/** The email platform admins get when a month's revenue report is ready. */
export function revenueReportNotice({ month, figures }: { month: string; figures: RevenueReportFigures[] }): {
  subject: string;
  bodyText: string;
} {
  const lines = figures.map((row) =>
    [
      `${row.currency.toUpperCase()}:`,
      `  Collected ${amount(row.grossCollected, row.currency)}, refunded ${amount(row.refunded, row.currency)}, net ${amount(row.net, row.currency)}`,
      `  MRR at month end ${amount(row.mrrAtMonthEnd, row.currency)}`,
      `  ${row.newSubscriptions} new subscriptions, ${row.cancellations} cancellations`,
      `  ${row.failedPayments} failed payments (${amount(row.failedAmount, row.currency)})`,
      `  ${row.creditsSold / 1000} credits sold`,
    ].join('\n'),
  );
  return {
    subject: `Revenue report for ${monthName(month)}`,
    bodyText: [
      `The revenue report for ${monthName(month)} is ready.`,
      '',
      ...(lines.length > 0 ? lines : ['No money moved and no paid subscription was live in the month.']),
      '',
      `See it in the admin console: ${settings().publicUrl}/admin/reports/${month}`,
    ].join('\n'),
  };
}

/** Minor units as plain text in the currency's own decimals, e.g. 2999 usd → "29.99 USD", 500 jpy → "500 JPY". */
function amount(minorUnits: number, currency: string): string {
  const code = currency.toUpperCase();
  const decimals =
    new Intl.NumberFormat('en-US', { style: 'currency', currency: code }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  const sign = minorUnits < 0 ? '-' : '';
  if (decimals === 0) return `${sign}${Math.abs(minorUnits)} ${code}`;
  const digits = String(Math.abs(minorUnits)).padStart(decimals + 1, '0');
  return `${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)} ${code}`;
}

function monthName(month: string): string {
  const [year, number] = month.split('-').map(Number);
  return new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(year, number - 1, 1)),
  );
}
