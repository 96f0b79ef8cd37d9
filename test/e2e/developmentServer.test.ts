import type { Browser } from 'playwright-core';
import { systemActor } from '../../server/auth/actor';
import { recordUsage } from '../../server/usage/recordUsage';
import { createMember, createUser, sessionCookieFor } from '../factories';
import { useWebApp } from '../web/support/webApp';
import { collectPageErrors, DESKTOP, launchBrowser } from './support/browser';

/**
 * `npm start` in development: Vite compiles the pages on request and its client connects back for hot
 * reload, under the same Content-Security-Policy as production (with the two allowances Vite's client
 * needs). Every main page must hydrate with nothing refused.
 */
const web = useWebApp({ source: 'vite' });
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

async function signedInPage(cookie: string) {
  const context = await browser.newContext({ viewport: DESKTOP });
  const [name, value] = cookie.split('=') as [string, string];
  if (name) await context.addCookies([{ name, value, url: web.url }]);
  const page = await context.newPage();
  return { page, errors: await collectPageErrors(page, () => web.url) };
}

async function visitHydrated(
  page: Awaited<ReturnType<typeof signedInPage>>['page'],
  path: string,
  // A cold server compiles every module of the first page before it loads.
  { timeout = 30_000 }: { timeout?: number } = {},
) {
  const response = await page.goto(`${web.url}${path}`, { timeout });
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+'/);
  // Remix's router exists once the page's scripts (inline ones included) have run and hydrated it.
  await page.waitForFunction(
    () =>
      (window as unknown as { __remixRouter?: { state: { initialized: boolean } } }).__remixRouter?.state
        .initialized === true,
    undefined,
    { timeout },
  );
}

// First in the file: the development server is fresh (its own empty Vite cache), so this is the very
// first page it compiles, the moment a late-found chart dependency would make Vite reload the page with a
// second copy of React ("Invalid hook call") and the error page instead of the charts.
it('draws the usage charts on the very first page after a fresh start', async () => {
  const { account, user } = await createMember({ role: 'owner' });
  await recordUsage({
    actor: systemActor('development server test'),
    events: [
      {
        accountId: account.id,
        meterKey: 'api_calls',
        quantity: 6000,
        occurredAt: new Date(),
        idempotencyKey: 'first-load',
      },
    ],
  });
  const { page, errors } = await signedInPage(await sessionCookieFor(user));
  await visitHydrated(page, '/billing/usage', { timeout: 120_000 });
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Usage');
  // Drawn in the browser: one chart per meter used, each an SVG with its axis.
  await page
    .locator('figure[data-meter="api_calls"] svg.recharts-surface')
    .first()
    .waitFor({ timeout: 30_000 });
  expect(await page.getByText('Something went wrong').count()).toBe(0);
  expect(errors).toEqual([]);
}, 180_000);

it('serves the public pages with hot reload connected and nothing refused', async () => {
  const { page, errors } = await signedInPage('');
  const hotReload = page.waitForEvent('console', {
    predicate: (message) => message.text().includes('[vite] connected'),
    timeout: 30_000,
  });
  for (const path of ['/', '/pricing', '/signin', '/signup', '/reset-password'])
    await visitHydrated(page, path);
  await hotReload;
  // A client-side navigation works: the app is live, not just painted.
  await page.getByRole('link', { name: 'Pricing' }).first().click();
  await page.waitForURL(`${web.url}/pricing`);
  expect(errors).toEqual([]);
}, 120_000);

it('serves the customer’s and the admin’s pages, charts included, with nothing refused', async () => {
  const { user } = await createMember({ role: 'owner' });
  const customer = await signedInPage(await sessionCookieFor(user));
  for (const path of [
    '/billing',
    '/billing/usage',
    '/billing/credits',
    '/billing/invoices',
    '/settings/members',
    '/settings/preferences',
  ])
    await visitHydrated(customer.page, path);
  expect(customer.errors).toEqual([]);

  const admin = await signedInPage(await sessionCookieFor(await createUser({ isPlatformAdmin: true })));
  for (const path of [
    '/admin',
    '/admin/accounts',
    '/admin/revenue',
    '/admin/health',
    '/admin/catalog',
    '/admin/catalog/new',
    '/admin/catalog/meters',
    '/admin/catalog/credit-packages',
  ])
    await visitHydrated(admin.page, path);
  expect(admin.errors).toEqual([]);
}, 180_000);
