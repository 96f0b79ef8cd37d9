const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Whether text is a calendar month as the API writes it (YYYY-MM). */
export const isReportMonth = (text: string) => MONTH.test(text);

/** "2026-01" → "January 2026". */
export function monthName(month: string): string {
  const [year, number] = month.split('-').map(Number);
  return new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(year, number - 1, 1)),
  );
}

/** The month before the one `now` is in (UTC), as YYYY-MM: the latest a report can be made for. */
export function lastEndedMonth(now: Date): string {
  const previous = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return `${previous.getUTCFullYear()}-${String(previous.getUTCMonth() + 1).padStart(2, '0')}`;
}
