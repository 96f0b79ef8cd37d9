/**
 * Display formatting, the same on the server and in the browser (fixed locale and UTC, so a page
 * renders identically in both). Amounts arrive as integers and are only divided for display.
 */
const LOCALE = 'en-US';

export interface MoneyValue {
  amount: number;
  currency: string;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Money in minor units, written out ("$1,234.50"), or short for a chart's axis ("$1.2K", "$2.5"). */
export function formatMoney(
  { amount, currency }: MoneyValue,
  { compact = false }: { compact?: boolean } = {},
): string {
  const key = `${currency}:${compact}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(LOCALE, {
      style: 'currency',
      currency: currency.toUpperCase(),
      ...(compact ? { notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 1 } : {}),
    });
    moneyFormats.set(key, format);
  }
  return format.format(amount / 10 ** currencyDigits(currency));
}

/** How many minor units' digits the currency has: 2 for USD (cents), 0 for JPY. */
export function currencyDigits(currency: string): number {
  return (
    new Intl.NumberFormat(LOCALE, { style: 'currency', currency: currency.toUpperCase() }).resolvedOptions()
      .maximumFractionDigits ?? 2
  );
}

/**
 * Parses an amount typed in the currency's major units ("12", "12.5", "1,234.56" dollars) into minor
 * units without floating point; null when it is not a positive amount (or zero, when `allowZero`) with at
 * most the currency's decimals.
 */
export function parseMoney(
  text: string,
  currency: string,
  { allowZero = false }: { allowZero?: boolean } = {},
): number | null {
  const digits = currencyDigits(currency);
  const match = /^(\d{1,12})(?:\.(\d+))?$/.exec(text.replace(/[,\s]/g, ''));
  if (!match || (match[2] ?? '').length > digits) return null;
  const minor = Number(match[1]) * 10 ** digits + Number((match[2] ?? '').padEnd(digits, '0') || '0');
  return minor > 0 || (allowZero && minor === 0) ? minor : null;
}

/** Minor units as the plain amount a person would type back into a form: 2999 USD → "29.99", 0 → "0". */
export function formatMinorUnits(amount: number, currency: string): string {
  const digits = currencyDigits(currency);
  if (digits === 0) return String(amount);
  const text = String(Math.abs(amount)).padStart(digits + 1, '0');
  return `${amount < 0 ? '-' : ''}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** Basis points as a percentage: 250 → "2.5%". */
export function formatBasisPoints(basisPoints: number): string {
  return `${(basisPoints / 100).toLocaleString(LOCALE, { maximumFractionDigits: 2 })}%`;
}

/** Milli-credits as credits with up to three decimals, grouped: 1234500 → "1,234.5". */
export function formatCredits(milliCredits: number): string {
  const negative = milliCredits < 0;
  const magnitude = Math.abs(milliCredits);
  const whole = Math.floor(magnitude / 1000);
  const fraction = String(magnitude % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '');
  return `${negative ? '−' : ''}${whole.toLocaleString(LOCALE)}${fraction ? `.${fraction}` : ''}`;
}

/**
 * Parses credits typed by a person ("12", "-3.5", "0.125") into milli-credits without floating point;
 * null when it is not a number of credits with at most three decimals.
 */
export function parseCredits(text: string): number | null {
  const match = /^([+-]?)(\d{1,12})(?:\.(\d{1,3}))?$/.exec(text.replace(/[,\s]/g, ''));
  if (!match) return null;
  const milli = Number(match[2]) * 1000 + Number((match[3] ?? '').padEnd(3, '0'));
  return match[1] === '-' ? -milli : milli;
}

const dateFormat = new Intl.DateTimeFormat(LOCALE, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});
const dateTimeFormat = new Intl.DateTimeFormat(LOCALE, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});
const dayFormat = new Intl.DateTimeFormat(LOCALE, { month: 'short', day: 'numeric', timeZone: 'UTC' });

export const formatDate = (iso: string) => dateFormat.format(new Date(iso));
export const formatDateTime = (iso: string) => dateTimeFormat.format(new Date(iso));
export const formatDay = (iso: string) => dayFormat.format(new Date(iso));

export function formatNumber(value: number): string {
  return value.toLocaleString(LOCALE);
}

/** Whole days from `now` until `iso`, never below zero. */
export function daysUntil(iso: string, now: Date): number {
  return Math.max(0, Math.ceil((new Date(iso).getTime() - now.getTime()) / 86_400_000));
}

const STATUS_LABELS: Record<string, string> = {
  TRIALING: 'Trial',
  ACTIVE: 'Active',
  PAST_DUE: 'Past due',
  CANCELED: 'Canceled',
  EXPIRED: 'Expired',
  INCOMPLETE: 'Incomplete',
  PAUSED: 'Paused',
  DRAFT: 'Draft',
  OPEN: 'Open',
  PAID: 'Paid',
  VOID: 'Void',
  UNCOLLECTIBLE: 'Uncollectible',
  RECEIVED: 'Received',
  PROCESSED: 'Processed',
  FAILED: 'Failed',
  IGNORED: 'Ignored',
  COMPLETED: 'Completed',
  PENDING: 'Pending',
  REFUNDED: 'Refunded',
  CANCELLED: 'Cancelled',
  SENT: 'Sent',
  SKIPPED: 'Skipped',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status.charAt(0) + status.slice(1).toLowerCase().replace(/_/g, ' ');
}

export function intervalLabel(interval: string): string {
  return interval === 'MONTH' ? 'month' : interval === 'YEAR' ? 'year' : 'once';
}
