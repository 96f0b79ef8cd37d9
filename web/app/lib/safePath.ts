/** Longer targets are not ours: no page of this site has an address anywhere near this long. */
const MAX_TARGET_LENGTH = 2048;
const THIS_SITE = 'http://same.origin';

/**
 * The one way the web app decides where to redirect. A target that came from a request (`redirectTo`)
 * must be a path on this site: anything else (another host, `//evil.example`, `/\evil.example`, a
 * scheme, a path whose dot segments collapse into `//evil.example`) is replaced by the fallback, so a
 * link to our sign-in page cannot send people elsewhere afterwards.
 *
 * The target is normalised first (dot segments removed, characters percent-encoded, as a browser
 * would), and it is the normalised path that is checked and returned: checking the raw target and
 * answering with its normalised form is how `/.//evil.example` became `Location: //evil.example`.
 */
export function safeRedirectPath(target: unknown, fallback = '/billing'): string {
  if (typeof target !== 'string' || target.length > MAX_TARGET_LENGTH) return fallback;
  const normalised = normalisedPath(target);
  return normalised !== null && isPathOnThisSite(normalised) && normalisedPath(normalised) === normalised
    ? normalised
    : fallback;
}

/** The path, query and fragment a browser would request for `target` on this site, or null. */
function normalisedPath(target: string): string | null {
  // Control characters and backslashes have no business in our links, and browsers rewrite both.
  // eslint-disable-next-line no-control-regex
  if (!target.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(target)) return null;
  try {
    const url = new URL(target, THIS_SITE);
    return url.origin === THIS_SITE ? `${url.pathname}${url.search}${url.hash}` : null;
  } catch {
    return null;
  }
}

/** A path a browser resolves against our own origin: one leading slash, never `//` or `/\`. */
function isPathOnThisSite(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\');
}
