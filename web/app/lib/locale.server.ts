import { DEFAULT_FORMAT } from './format';

/**
 * The viewer's language from the Accept-Language header: the first tag, by preference, that this runtime
 * can format dates in (Intl.DateTimeFormat.supportedLocalesOf), else en-US. A bare language ("de") is
 * kept as it is: Intl writes it in the language's default region.
 */
export function negotiateLocale(acceptLanguage: string | null): string {
  const tags = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...parameters] = part.trim().split(';');
      const quality = parameters.map((parameter) => /^\s*q=([\d.]+)\s*$/.exec(parameter)?.[1]).find(Boolean);
      return { tag: tag.trim(), quality: quality === undefined ? 1 : Number(quality), index };
    })
    .filter(({ tag, quality }) => /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(tag) && quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const { tag } of tags) {
    try {
      const [supported] = Intl.DateTimeFormat.supportedLocalesOf([tag]);
      if (supported) return supported;
    } catch {
      // A tag Intl cannot parse: try the next one.
    }
  }
  return DEFAULT_FORMAT.locale;
}
