import fc from 'fast-check';
import { safeRedirectPath } from '../../web/app/lib/safePath';

/**
 * Every redirect of the web app goes through safeRedirectPath. Whatever a request puts in `redirectTo`,
 * the answer is a path on this site: a browser following `Location: <answer>` from our origin stays on
 * our origin.
 */
const OUR_ORIGIN = 'https://billing.example.com';
const landsOnOurSite = (location: string) => new URL(location, OUR_ORIGIN).origin === OUR_ORIGIN;

const OFF_SITE_TARGETS = [
  // Dot segments that collapse into a scheme-relative URL once normalised.
  '/.//evil.example',
  '/..//evil.example',
  '/%2e//evil.example',
  '/%2E//evil.example',
  '/%2e%2e//evil.example',
  '/.%2e//evil.example',
  '/billing/..//evil.example',
  '/billing/../..//evil.example',
  '/a/b/../../..//evil.example/phish',
  // Scheme-relative and absolute.
  '//evil.example',
  '///evil.example',
  '//evil.example/billing',
  'https://evil.example/phish',
  'http:evil.example',
  'https:evil.example',
  '//user@evil.example',
  '@evil.example',
  'evil.example',
  // Backslashes, which browsers read as slashes.
  '/\\evil.example',
  '\\\\evil.example',
  '/\\/evil.example',
  '/.\\evil.example',
  '/./\\evil.example',
  '/billing\\..\\..\\\\evil.example',
  // Tabs, newlines and other control characters, which browsers strip.
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '\t//evil.example',
  '/\u0000/evil.example',
  '/\u007f/evil.example',
  ' //evil.example',
  // Schemes.
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox',
  // Not a string, empty, too long.
  '',
  '/'.padEnd(5000, 'a'),
];

const ON_SITE_TARGETS: Array<[string, string]> = [
  ['/billing', '/billing'],
  ['/billing/invoices?after=x', '/billing/invoices?after=x'],
  ['/billing/./usage', '/billing/usage'],
  ['/billing/../pricing', '/pricing'],
  ['/%2e%2e/pricing', '/pricing'],
  ['/pricing#plans', '/pricing#plans'],
  ['/signin?redirectTo=//evil.example', '/signin?redirectTo=//evil.example'],
  // Encoded slashes and backslashes stay encoded: a path segment, not a separator.
  ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
  ['/%5C%5Cevil.example', '/%5C%5Cevil.example'],
  ['/@evil.example', '/@evil.example'],
  // Lookalikes of the slash and the dot are ordinary characters of a path, percent-encoded.
  ['/\uFF0F\uFF0Fevil.example', '/%EF%BC%8F%EF%BC%8Fevil.example'],
  ['/\u2215\u2215evil.example', '/%E2%88%95%E2%88%95evil.example'],
  ['/\u3002\u3002/evil.example', '/%E3%80%82%E3%80%82/evil.example'],
];

describe('safeRedirectPath', () => {
  it.each(OFF_SITE_TARGETS.map((target) => [JSON.stringify(target).slice(0, 60), target]))(
    'replaces %s with the fallback',
    (_name, target) => {
      expect(safeRedirectPath(target, '/fallback')).toBe('/fallback');
    },
  );

  it.each(ON_SITE_TARGETS)('keeps the path %j as %j', (target, expected) => {
    expect(safeRedirectPath(target, '/fallback')).toBe(expected);
    expect(landsOnOurSite(expected)).toBe(true);
  });

  it('refuses what is not a string', () => {
    for (const target of [undefined, null, 42, ['/billing'], { toString: () => '/billing' }])
      expect(safeRedirectPath(target)).toBe('/billing');
  });

  it('answers, for any target at all, a path that stays on our site and is already normalised', () => {
    const pieces = fc.constantFrom(
      '/',
      '//',
      '\\',
      '.',
      '..',
      '%2e',
      '%2E',
      '%2f',
      '%5c',
      '@',
      ':',
      '?',
      '#',
      '\t',
      '\n',
      ' ',
      'evil.example',
      'billing',
      'http:',
      'javascript:',
      '\uFF0F',
      '\u2215',
    );
    const adversarial = fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(adversarial, fc.string(), fc.webUrl()), (target) => {
        const answer = safeRedirectPath(target, '/fallback');
        expect(answer.startsWith('/')).toBe(true);
        expect(answer.startsWith('//')).toBe(false);
        expect(landsOnOurSite(answer)).toBe(true);
        expect(safeRedirectPath(answer, '/fallback')).toBe(answer);
      }),
      { numRuns: 2000 },
    );
  });
});
