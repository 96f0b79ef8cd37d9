/**
 * Display formatting in the viewer's language and the account's time zone ({@link FormatSettings}),
 * the same on the server and in the browser: both get the settings from the root loader, so a page
 * renders identically in both. Components take the formatter from `useFormat()`
 * (web/app/lib/formatContext.tsx). Amounts arrive as integers; money is written from its exact decimal
 * digits, never through a division that could round a large amount wrong.
 */
export interface FormatSettings {
  /** A BCP 47 tag this runtime can format in, such as de-DE. */
  locale: string;
  /** An IANA time zone, such as Europe/Berlin. */
  timeZone: string;
}

export const DEFAULT_FORMAT: FormatSettings = { locale: 'en-US', timeZone: 'UTC' };

/** Parsing and form values stay in one fixed notation, whatever the viewer reads. */
const LOCALE = DEFAULT_FORMAT.locale;

export interface MoneyValue {
  amount: number;
  currency: string;
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

/** Whole days from `now` until `iso`, never below zero. */
export function daysUntil(iso: string, now: Date): number {
  return Math.max(0, Math.ceil((new Date(iso).getTime() - now.getTime()) / 86_400_000));
}

export interface Formatter {
  settings: FormatSettings;
  /** Money in minor units, written out ("1.234,56 €" in de-DE), or short for a chart's axis ("$1.2K"). */
  formatMoney(value: MoneyValue, options?: { compact?: boolean }): string;
  /** A count, grouped ("120,000"), or short for a chart's axis ("120K"). */
  formatNumber(value: number, options?: { compact?: boolean }): string;
  /** Milli-credits as credits with up to three decimals, grouped: 1234500 → "1,234.5". */
  formatCredits(milliCredits: number): string;
  /** Basis points as a percentage: 250 → "2.5%". */
  formatBasisPoints(basisPoints: number): string;
  /** An instant's date in the time zone: "Mar 5, 2026". */
  formatDate(iso: string): string;
  /** An instant in the time zone, with the zone: "Mar 5, 2026, 3:30 PM GMT+1". */
  formatDateTime(iso: string): string;
  /** The UTC calendar day a usage bucket covers: "Mar 5". Buckets are UTC days, whatever the zone. */
  formatDay(iso: string): string;
  /** The UTC calendar month a usage bucket covers: "Mar 2026". */
  formatMonth(iso: string): string;
}

const formatters = new Map<string, Formatter>();

/** The formatter for these settings, made once per language and zone. */
export function formatterFor(settings: FormatSettings = DEFAULT_FORMAT): Formatter {
  const key = `${settings.locale}|${settings.timeZone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = makeFormatter(settings);
    formatters.set(key, formatter);
  }
  return formatter;
}

function makeFormatter(settings: FormatSettings): Formatter {
  const { locale, timeZone } = settings;
  const numberFormats = new Map<string, Intl.NumberFormat>();
  const numberFormat = (key: string, options: Intl.NumberFormatOptions) => {
    let format = numberFormats.get(key);
    if (!format) {
      format = new Intl.NumberFormat(locale, options);
      numberFormats.set(key, format);
    }
    return format;
  };
  const compact = { notation: 'compact', maximumFractionDigits: 1 } as const;
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone });
  const dateTime = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  });
  const day = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const month = new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' });
  const grouped = numberFormat('number', {});
  return {
    settings,
    formatMoney({ amount, currency }, { compact: short = false } = {}) {
      const code = currency.toUpperCase();
      if (short) {
        const format = numberFormat(`money-compact:${code}`, {
          style: 'currency',
          currency: code,
          ...compact,
          minimumFractionDigits: 0,
        });
        return format.format(amount / 10 ** currencyDigits(currency));
      }
      // The exact decimal as a string: Intl formats it digit for digit, however large.
      const format = numberFormat(`money:${code}`, { style: 'currency', currency: code });
      return format.format(formatMinorUnits(amount, currency) as unknown as number);
    },
    formatNumber(value, { compact: short = false } = {}) {
      return short ? numberFormat('number-compact', compact).format(value) : grouped.format(value);
    },
    formatCredits(milliCredits) {
      const format = numberFormat('credits', { maximumFractionDigits: 3 });
      return format.format(creditsDecimal(milliCredits) as unknown as number);
    },
    formatBasisPoints(basisPoints) {
      return numberFormat('percent', { style: 'percent', maximumFractionDigits: 4 }).format(
        basisPoints / 10_000,
      );
    },
    formatDate: (iso) => date.format(new Date(iso)),
    formatDateTime: (iso) => dateTime.format(new Date(iso)),
    formatDay: (iso) => day.format(new Date(iso)),
    formatMonth: (iso) => month.format(new Date(iso)),
  };
}

/** Milli-credits as an exact decimal string: -1234500 → "-1234.500". */
function creditsDecimal(milliCredits: number): string {
  const magnitude = String(Math.abs(milliCredits)).padStart(4, '0');
  return `${milliCredits < 0 ? '-' : ''}${magnitude.slice(0, -3)}.${magnitude.slice(-3)}`;
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
