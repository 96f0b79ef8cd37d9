/**
 * The one way the web app redirects. A target that came from a request (`redirectTo`) must be a path
 * on this site: anything else (another host, `//evil.example`, `/\evil.example`, a scheme) is
 * replaced by the fallback, so a link to our sign-in page cannot send people elsewhere afterwards.
 */
export function safeRedirectPath(target: unknown, fallback = '/billing'): string {
  if (typeof target !== 'string' || !target.startsWith('/') || target.startsWith('//')) return fallback;
  // Control characters are exactly what this refuses.
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(target)) return fallback;
  try {
    // Parsed against a throwaway origin: a path that still lands there is a path on our site.
    const url = new URL(target, 'http://same.origin');
    if (url.origin !== 'http://same.origin') return fallback;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}
