/** Currencies whose amounts have no minor unit (Stripe's zero-decimal currencies). */
const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
const SYMBOLS: Record<string, string> = {
  usd: '$',
  eur: '€',
  gbp: '£',
  jpy: '¥',
  cad: 'CA$',
  aud: 'A$',
  chf: 'CHF ',
};

/** `$20.00`, `€9.50`, `¥500`: how invoice lines and pages show amounts. */
export function formatAmount(amount: number, currency: string): string {
  const code = currency.toLowerCase();
  const sign = amount < 0 ? '-' : '';
  const absolute = Math.abs(amount);
  const value = ZERO_DECIMAL.has(code) ? String(absolute) : (absolute / 100).toFixed(2);
  const symbol = SYMBOLS[code];
  return symbol ? `${sign}${symbol}${value}` : `${sign}${value} ${code.toUpperCase()}`;
}

/** `15 Jan 2025`, the date style of Stripe's proration descriptions. */
export function formatDate(unixSeconds: number): string {
  const date = new Date(unixSeconds * 1000);
  const month = date.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' });
  return `${date.getUTCDate()} ${month} ${date.getUTCFullYear()}`;
}

export function describeInterval(interval: string, count: number): string {
  return count === 1 ? interval : `${count} ${interval}s`;
}
