import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { settings } from '../settings';

/**
 * Notices are Handlebars templates, one file per notice and language (`templates/<language>/<kind>.hbs`),
 * wrapped in a layout (`templates/layout.html.hbs`, `layout.text.hbs`) that carries the operator's
 * name, logo and colour. A notice file defines its parts as inline partials:
 *
 *     {{#*inline "subject"}}Your payment failed{{/inline}}
 *     {{#*inline "text"}}We could not collect …{{/inline}}
 *     {{#*inline "html"}}<p>We could not collect …</p>{{/inline}}   (optional: else made from the text)
 *
 * An operator overrides any file by putting one with the same path in NOTIFICATION_TEMPLATES_DIR; the
 * rest keep the shipped version. The language is the account's (or the user's) locale, falling back
 * from `de-AT` to `de` to `en`. Money, credits and dates are formatted for that locale with Intl.
 */

/** Stands in a stored body for the one-time link that sending puts there (server/notifications/oneTimeLinks.ts). */
export const ONE_TIME_LINK = '[one-time link, created when this message is sent]';

export const SHIPPED_TEMPLATES = join(__dirname, 'templates');
export const FALLBACK_LOCALE = 'en';

export interface RenderedNotice {
  subject: string;
  text: string;
  html: string;
}

export interface RenderOptions {
  /** A BCP 47 tag such as `de-DE`; the template's language and the formats follow it. */
  locale?: string | null;
  /** IANA time zone dates are shown in. */
  timeZone?: string | null;
}

/** Renders one notice in its three parts. Throws when its template is missing or does not render. */
export function renderNotice(kind: string, data: object, options: RenderOptions = {}): RenderedNotice {
  const locale = supportedLocale(options.locale);
  const timeZone = options.timeZone ?? 'UTC';
  const file = findTemplate(`${kind}.hbs`, locale);
  if (!file) throw new Error(`No template for the notice ${kind} (looked for ${kind}.hbs)`);
  const { branding } = settings().notifications;
  const context = { ...data, brand: branding };
  const runtime = (mode: 'text' | 'html', part: string) => ({
    data: { locale, timeZone, mode, part },
    allowProtoPropertiesByDefault: false,
  });

  const source = compiled(file);
  const subject = collapse(source.text(context, runtime('text', 'subject')));
  const text = tidyText(source.text(context, runtime('text', 'text')));
  const body = source.hasHtml
    ? source.html(context, runtime('html', 'html')).trim()
    : htmlFromText(tidyText(source.html(context, runtime('html', 'text'))));
  const layout = { brand: branding, subject, locale };
  return {
    subject,
    text: tidyText(compiledLayout('layout.text.hbs', locale, true)({ ...layout, body: text })),
    html: compiledLayout('layout.html.hbs', locale, false)({ ...layout, body }),
  };
}

/** Every notice kind with a shipped template: what the tests render and the mail viewer lists. */
export function shippedNoticeKinds(): string[] {
  return readdirSync(join(SHIPPED_TEMPLATES, FALLBACK_LOCALE))
    .filter((name) => name.endsWith('.hbs'))
    .map((name) => name.slice(0, -'.hbs'.length))
    .sort();
}

/** The languages shipped templates exist in. */
export function shippedLocales(): string[] {
  return readdirSync(SHIPPED_TEMPLATES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function supportedLocale(locale: string | null | undefined): string {
  if (!locale) return FALLBACK_LOCALE;
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? FALLBACK_LOCALE;
  } catch {
    return FALLBACK_LOCALE;
  }
}

/** `de-AT` → de-AT, de, en; in the operator's folder first, then the shipped one. */
function findTemplate(name: string, locale: string): string | null {
  const languages = [...new Set([locale, locale.split('-')[0]!, FALLBACK_LOCALE])];
  for (const language of languages)
    for (const folder of templateFolders()) {
      const file = join(folder, language, name);
      if (existsSync(file)) return file;
    }
  return null;
}

function templateFolders(): string[] {
  const own = settings().notifications.templatesDirectory;
  return own ? [own, SHIPPED_TEMPLATES] : [SHIPPED_TEMPLATES];
}

function findLayout(name: string, locale: string): string {
  return (
    findTemplate(name, locale) ??
    templateFolders()
      .map((folder) => join(folder, name))
      .find(existsSync)!
  );
}

const engine = Handlebars.create();
const PART = '{{> (noticePart)}}';
interface CompiledNotice {
  text: HandlebarsTemplateDelegate;
  html: HandlebarsTemplateDelegate;
  hasHtml: boolean;
}
/** Compiled templates by file, recompiled when the file changes, so an operator's edit shows at once. */
const cache = new Map<string, { modified: number; value: CompiledNotice | HandlebarsTemplateDelegate }>();

function cached<T extends CompiledNotice | HandlebarsTemplateDelegate>(
  file: string,
  build: (source: string) => T,
): T {
  const modified = statSync(file).mtimeMs;
  const hit = cache.get(file);
  if (hit && hit.modified === modified) return hit.value as T;
  const value = build(readFileSync(file, 'utf8'));
  cache.set(file, { modified, value });
  return value;
}

function compiled(file: string): CompiledNotice {
  return cached(file, (source) => ({
    // Text parts are not HTML: nothing in them is escaped.
    text: engine.compile(source + PART, { noEscape: true, strict: false }),
    html: engine.compile(source + PART, { strict: false }),
    hasHtml: /\{\{#\*inline\s+"html"\s*\}\}/.test(source),
  }));
}

function compiledLayout(name: string, locale: string, text: boolean): HandlebarsTemplateDelegate {
  const file = findLayout(name, locale);
  return cached(file, (source) => engine.compile(source, { noEscape: text, strict: false }));
}

interface HelperData {
  data: { locale: string; timeZone: string; mode: 'text' | 'html'; part: string };
}

engine.registerHelper('noticePart', (options: HelperData) => options.data.part);

/** `{{money 123456 "eur"}}` → "€1,234.56" (en) or "1.234,56 €" (de), from integer minor units, exactly. */
engine.registerHelper('money', (amount: unknown, currency: unknown, options: HelperData) =>
  formatMoney(Number(amount), String(currency), options.data.locale),
);

/** `{{credits 1500}}` (milli-credits) → "1.5". */
engine.registerHelper('credits', (milliCredits: unknown, options: HelperData) =>
  formatDecimal(BigInt(Number(milliCredits)), 3, options.data.locale, { maximumFractionDigits: 3 }),
);

/** `{{number 12000}}` → "12,000". */
engine.registerHelper('number', (value: unknown, options: HelperData) =>
  new Intl.NumberFormat(options.data.locale).format(Number(value)),
);

/** `{{date at}}` → "Dec 4, 2026" in the account's time zone; empty when there is no date. */
engine.registerHelper('date', (value: unknown, options: HelperData) => {
  if (value === null || value === undefined || value === '') return '';
  return new Intl.DateTimeFormat(options.data.locale, {
    dateStyle: 'medium',
    timeZone: options.data.timeZone,
  }).format(new Date(value as string | Date));
});

/** `{{monthOf at}}` → "January 2026" (UTC: a month is a calendar month of the books). */
engine.registerHelper('monthOf', (value: unknown, options: HelperData) =>
  new Intl.DateTimeFormat(options.data.locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(value as string | Date),
  ),
);

/** `{{upper currency}}` → "USD". */
engine.registerHelper('upper', (value: unknown) => String(value).toUpperCase());

/** `{{button url "Update your card"}}`: a button in HTML, "Update your card: <url>" in text. */
engine.registerHelper('button', (url: unknown, label: unknown, options: HelperData) => {
  const href = String(url);
  if (options.data.mode === 'text') return `${String(label)}: ${href}`;
  const colour = settings().notifications.branding.accentColor;
  return new Handlebars.SafeString(
    `<a href="${Handlebars.escapeExpression(href)}" style="display:inline-block;padding:10px 18px;border-radius:6px;background:${colour};color:#ffffff;text-decoration:none;font-weight:600">${Handlebars.escapeExpression(String(label))}</a>`,
  );
});

engine.registerHelper('eq', (left: unknown, right: unknown) => left === right);
/** `{{#if (present limit)}}`: true for 0 too, unlike a plain `if`. */
engine.registerHelper('present', (value: unknown) => value !== null && value !== undefined);

/** Minor units to a decimal string and through Intl, so that no amount goes through a float. */
export function formatMoney(amount: number, currency: string, locale: string): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return formatDecimal(BigInt(amount), digits, locale, {
    style: 'currency',
    currency: currency.toUpperCase(),
  });
}

function formatDecimal(
  units: bigint,
  exponent: number,
  locale: string,
  options: Intl.NumberFormatOptions,
): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(exponent + 1, '0');
  const decimal = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  // Intl formats a decimal string exactly (no conversion to a double).
  const format = new Intl.NumberFormat(locale, options) as Intl.NumberFormat & {
    format(value: string): string;
  };
  return format.format(`${negative ? '-' : ''}${decimal}`);
}

function collapse(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** Paragraphs separated by one blank line, no indentation left from the template file. */
function tidyText(value: string): string {
  return value
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const LINK = new RegExp(`(https?://[^\\s<>"]+[^\\s<>".,;:!?)]|${escapeRegExp(ONE_TIME_LINK)})`, 'g');

/**
 * The HTML of a notice that has only a text part, from that part rendered as HTML (values escaped,
 * buttons as buttons): its paragraphs, with bare links made clickable.
 */
function htmlFromText(escapedText: string): string {
  return escapedText
    .split(/\n{2,}/)
    .map((paragraph) => {
      // Links the template made itself (buttons) are left as they are.
      const linked = paragraph
        .split(/(<a\s[^>]*>.*?<\/a>)/s)
        .map((part, index) =>
          index % 2 === 1 ? part : part.replace(LINK, (url) => `<a href="${url}">${url}</a>`),
        )
        .join('');
      return `<p>${linked.replace(/\n/g, '<br>')}</p>`;
    })
    .join('\n');
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
