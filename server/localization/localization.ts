import { z } from 'zod';

/**
 * The languages and time zones the web app writes numbers, money and dates in. Both are checked
 * against what this runtime's Intl knows, and stored in its canonical spelling ("de-de" → "de-DE",
 * "europe/berlin" → "Europe/Berlin"), so a stored value always formats.
 */

/** A BCP 47 language tag this runtime can format dates in; its canonical form, or null when it cannot. */
export function canonicalLocale(tag: string): string | null {
  if (!/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(tag)) return null;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical && Intl.DateTimeFormat.supportedLocalesOf([canonical]).length > 0 ? canonical : null;
  } catch {
    return null;
  }
}

/** An IANA time zone name this runtime knows; its canonical form, or null. Offsets are not zones. */
export function canonicalTimeZone(name: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

export const localeInput = z
  .string()
  .trim()
  .max(35, 'is at most 35 characters')
  .transform((tag, context) => {
    const canonical = canonicalLocale(tag);
    if (!canonical) {
      context.addIssue({ code: 'custom', message: 'is not a language we can show, such as en-US or de-DE' });
      return z.NEVER;
    }
    return canonical;
  });

export const timeZoneInput = z
  .string()
  .trim()
  .max(64, 'is at most 64 characters')
  .transform((name, context) => {
    const canonical = canonicalTimeZone(name);
    if (!canonical) {
      context.addIssue({ code: 'custom', message: 'is not a time zone, such as UTC or Europe/Berlin' });
      return z.NEVER;
    }
    return canonical;
  });
