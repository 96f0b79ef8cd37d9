import type { Browser, Page } from 'playwright-core';
import { systemActor } from '../../server/auth/actor';
import { recordUsage } from '../../server/usage/recordUsage';
import { createMember, createPayment, sessionCookieFor, unique } from '../factories';
import { useWebApp } from '../web/support/webApp';
import { capture, collectPageErrors, DESKTOP, launchBrowser, shows } from './support/browser';

/**
 * A customer whose browser speaks German, in Berlin: money, dates and the usage charts are written the
 * German way, in the account's time zone, and the usage page draws one chart per meter on its own axis
 * with the plan's allowance.
 */
const web = useWebApp({ source: 'build' });
let browser: Browser;
let page: Page;
let errors: string[];

/** Intl separates with no-break spaces; compare as a reader sees them. */
const plain = (text: string | null) => (text ?? '').replace(/[\u00a0\u202f]/g, ' ');

beforeAll(async () => {
  const { account, user } = await createMember({ role: 'owner' });
  await createPayment({
    accountId: account.id,
    amount: 123456,
    currency: 'usd',
    description: 'Pro plan',
    createdAt: new Date('2026-01-15T23:30:00Z'),
  });
  const now = new Date();
  await recordUsage({
    actor: systemActor('browser test'),
    events: [
      {
        accountId: account.id,
        meterKey: 'api_calls',
        quantity: 120_000,
        occurredAt: now,
        idempotencyKey: unique('use'),
      },
      {
        accountId: account.id,
        meterKey: 'executions',
        quantity: 1,
        occurredAt: now,
        idempotencyKey: unique('use'),
      },
    ],
  });
  browser = await launchBrowser();
  const context = await browser.newContext({
    viewport: DESKTOP,
    locale: 'de-DE',
    timezoneId: 'Europe/Berlin',
  });
  const [name, value] = (await sessionCookieFor(user)).split('=') as [string, string];
  await context.addCookies([{ name, value, url: web.url }]);
  page = await context.newPage();
  errors = await collectPageErrors(page, () => web.url);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(() => {
  expect(errors.splice(0)).toEqual([]);
});

it('sets the account’s time zone on the preferences page, in the browser’s language', async () => {
  await page.goto(`${web.url}/settings/preferences`);
  expect(await page.locator('html').getAttribute('lang')).toBe('de-DE');
  await shows(page.getByText("The browser's default is de-DE at the moment.", { exact: false }));
  await page.getByLabel('Dates and times are shown in').selectOption('Europe/Berlin');
  await page.getByRole('button', { name: 'Save time zone' }).click();
  await shows(page.getByRole('status'), 'The account’s time zone is saved.');
});

it('writes money and dates the German way, in Berlin time', async () => {
  await page.goto(`${web.url}/billing/invoices`);
  const row = page.getByRole('row', { name: /Pro plan/ });
  await shows(row);
  const text = plain(await row.textContent());
  expect(text).toContain('1.234,56 $');
  // 23:30 UTC on the 15th is half past midnight on the 16th in Berlin.
  expect(text).toContain('16. Jan. 2026, 00:30 MEZ');
  await capture(page, 'invoices-de');
});

it('draws one chart per meter, with German axis numbers and the plan’s allowance', async () => {
  await page.goto(`${web.url}/billing/usage`);
  const daily = page.locator('section', {
    has: page.getByRole('heading', { name: 'Per day, last 30 days' }),
  });
  const monthly = page.locator('section', { has: page.getByRole('heading', { name: /Per month/ }) });
  for (const section of [daily, monthly]) {
    await shows(
      section
        .locator(
          'figure[data-meter="api_calls"] .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value',
        )
        .first(),
    );
    expect(
      await section
        .locator('figure.meter-chart')
        .evaluateAll((figures) => figures.map((f) => f.getAttribute('data-meter'))),
    ).toEqual(['api_calls', 'executions']);
    expect(await section.locator('figcaption strong').allTextContents()).toEqual([
      'API calls (calls)',
      'Workflow executions (executions)',
    ]);
  }
  // API calls are on their own axis, grouped the German way (an axis of raw numbers would say 120000).
  const apiTicks = (
    await daily
      .locator(
        'figure[data-meter="api_calls"] .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value',
      )
      .allTextContents()
  ).map(plain);
  expect(apiTicks).toContain('120.000');
  expect(apiTicks.every((tick) => /^\d{1,3}(\.\d{3})*$/.test(tick))).toBe(true);
  // The single execution is not flattened by them: its axis ends at a small number.
  const executionTicks = await daily
    .locator(
      'figure[data-meter="executions"] .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value',
    )
    .allTextContents();
  expect(Math.max(...executionTicks.map((tick) => Number(tick.replace(/\./g, ''))))).toBeLessThan(100_000);

  // The plan includes 1,000 API calls and 10,000 executions a period: a labelled line on each monthly chart.
  for (const [meter, label] of [
    ['api_calls', 'Included: 1.000'],
    ['executions', 'Included: 10.000'],
  ]) {
    const chart = monthly.locator(`figure[data-meter="${meter}"] svg`);
    await shows(chart.locator('.recharts-label'), label);
    // A horizontal line has no height, so it is counted rather than checked for visibility.
    expect(await chart.locator('.recharts-reference-line-line').count()).toBe(1);
  }
  expect(await daily.locator('.recharts-reference-line-line').count()).toBe(0);
  // Month labels in German.
  await shows(
    monthly.locator('figure[data-meter="api_calls"] .recharts-xAxis-tick-labels'),
    new RegExp(new Intl.DateTimeFormat('de-DE', { month: 'short', timeZone: 'UTC' }).format(new Date())),
  );
  await capture(page, 'usage-de');
});

it('applies a new range as soon as it is chosen', async () => {
  await page.goto(`${web.url}/billing/usage`);
  await page.waitForFunction(
    () =>
      (window as unknown as { __remixRouter?: { state: { initialized: boolean } } }).__remixRouter?.state
        .initialized === true,
  );
  await page.getByLabel('Range').selectOption('7d');
  await page.waitForURL(/range=7d/);
  await shows(page.getByRole('heading', { name: 'Per day, last 7 days' }));
});
