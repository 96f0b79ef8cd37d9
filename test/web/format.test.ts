import { formatterFor, formatMinorUnits, parseCredits, parseMoney } from '../../web/app/lib/format';
import { negotiateLocale } from '../../web/app/lib/locale.server';

/** Intl separates with no-break spaces; compare as a reader sees them. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe('money is written in the viewer’s language, exactly', () => {
  it('writes euros the German way and dollars the American way', () => {
    expect(
      plain(
        formatterFor({ locale: 'de-DE', timeZone: 'UTC' }).formatMoney({ amount: 123456, currency: 'eur' }),
      ),
    ).toBe('1.234,56 €');
    expect(
      formatterFor({ locale: 'en-US', timeZone: 'UTC' }).formatMoney({ amount: 123456, currency: 'usd' }),
    ).toBe('$1,234.56');
    expect(
      plain(formatterFor({ locale: 'fr-FR', timeZone: 'UTC' }).formatMoney({ amount: -5, currency: 'usd' })),
    ).toBe('-0,05 $US');
  });

  it('follows the currency’s own minor units: yen have none, dinars three', () => {
    const english = formatterFor({ locale: 'en-US', timeZone: 'UTC' });
    expect(english.formatMoney({ amount: 1234, currency: 'jpy' })).toBe('¥1,234');
    expect(plain(english.formatMoney({ amount: 1234, currency: 'kwd' }))).toBe('KWD 1.234');
  });

  it('keeps every cent of amounts too large for a division in floating point', () => {
    // 9,007,199,254,740,991 cents: divided by 100 as a double, the last cents would round away.
    expect(
      formatterFor({ locale: 'en-US', timeZone: 'UTC' }).formatMoney({
        amount: Number.MAX_SAFE_INTEGER,
        currency: 'usd',
      }),
    ).toBe('$90,071,992,547,409.91');
    expect(
      plain(
        formatterFor({ locale: 'de-DE', timeZone: 'UTC' }).formatMoney({
          amount: 900719925474099,
          currency: 'eur',
        }),
      ),
    ).toBe('9.007.199.254.740,99 €');
  });

  it('shortens money and counts for a chart’s axis', () => {
    const english = formatterFor({ locale: 'en-US', timeZone: 'UTC' });
    expect(english.formatNumber(120000, { compact: true })).toBe('120K');
    expect(english.formatNumber(1_250_000, { compact: true })).toBe('1.3M');
    expect(english.formatMoney({ amount: 250_000, currency: 'usd' }, { compact: true })).toBe('$2.5K');
    expect(
      plain(formatterFor({ locale: 'de-DE', timeZone: 'UTC' }).formatNumber(1_200_000, { compact: true })),
    ).toBe('1,2 Mio.');
  });

  it('writes counts, credits and rates with the language’s separators', () => {
    const german = formatterFor({ locale: 'de-DE', timeZone: 'UTC' });
    expect(german.formatNumber(120000)).toBe('120.000');
    expect(german.formatCredits(1_234_500)).toBe('1.234,5');
    expect(german.formatCredits(-125)).toBe('-0,125');
    expect(plain(german.formatBasisPoints(250))).toBe('2,5 %');
    expect(formatterFor({ locale: 'en-US', timeZone: 'UTC' }).formatCredits(1_234_500)).toBe('1,234.5');
  });

  it('leaves the notation forms read back unchanged', () => {
    expect(formatMinorUnits(2999, 'usd')).toBe('29.99');
    expect(parseMoney('1,234.56', 'usd')).toBe(123456);
    expect(parseCredits('1,234.5')).toBe(1_234_500);
  });
});

describe('dates are written in the account’s time zone', () => {
  const lateEvening = '2026-03-05T23:30:00Z';

  it('moves an instant to the next day where the zone is ahead of UTC', () => {
    expect(formatterFor({ locale: 'en-US', timeZone: 'UTC' }).formatDate(lateEvening)).toBe('Mar 5, 2026');
    expect(formatterFor({ locale: 'de-DE', timeZone: 'Europe/Berlin' }).formatDate(lateEvening)).toBe(
      '06.03.2026',
    );
    expect(
      formatterFor({ locale: 'en-US', timeZone: 'America/Los_Angeles' }).formatDate('2026-03-06T03:00:00Z'),
    ).toBe('Mar 5, 2026');
  });

  it('names the zone with a date and time', () => {
    expect(
      plain(
        formatterFor({ locale: 'de-DE', timeZone: 'Europe/Berlin' }).formatDateTime('2026-03-05T14:30:00Z'),
      ),
    ).toBe('5. März 2026, 15:30 MEZ');
    expect(
      plain(
        formatterFor({ locale: 'en-US', timeZone: 'America/New_York' }).formatDateTime(
          '2026-07-01T14:30:00Z',
        ),
      ),
    ).toBe('Jul 1, 2026, 10:30 AM EDT');
  });

  it('labels a usage bucket by the UTC day or month it covers, in the viewer’s language', () => {
    const german = formatterFor({ locale: 'de-DE', timeZone: 'America/Los_Angeles' });
    expect(german.formatDay('2026-03-05T00:00:00Z')).toBe('5. März');
    expect(german.formatMonth('2026-03-01T00:00:00Z')).toBe('März 2026');
  });
});

describe('the viewer’s language comes from the browser’s Accept-Language', () => {
  it.each([
    ['de-DE,de;q=0.9,en;q=0.8', 'de-DE'],
    ['en;q=0.5, fr-CA', 'fr-CA'],
    ['xx-unknown, de', 'de'],
    ['*', 'en-US'],
    ['', 'en-US'],
    ['not a header;;;', 'en-US'],
  ])('%j → %s', (header, locale) => {
    expect(negotiateLocale(header)).toBe(locale);
  });

  it('takes en-US when no header is sent', () => {
    expect(negotiateLocale(null)).toBe('en-US');
  });
});
