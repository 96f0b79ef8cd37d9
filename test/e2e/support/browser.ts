import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run), never a browser downloaded by Playwright. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOT_DIRECTORY = join(__dirname, '../../../test-results/screenshots');
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** Empties the screenshot folder, so that what it holds after a run is that run's pages and nothing older. */
export async function clearScreenshots(): Promise<void> {
  await rm(SCREENSHOT_DIRECTORY, { recursive: true, force: true });
}

/**
 * Saves the page as a desktop and a phone-sized screenshot (full length), so a person can check each
 * main page at both sizes from CI's log.
 */
export async function capture(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIRECTORY, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIRECTORY, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await settleLayout(page);
  await page.screenshot({ path: join(SCREENSHOT_DIRECTORY, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
  await settleLayout(page);
}

/** Lets the page lay itself out at a new size (charts measure their container on the next frames). */
async function settleLayout(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
      ),
  );
}

/**
 * Collects every error our pages log or throw (a hydration mismatch, a failed request, anything the
 * Content-Security-Policy refused), for the test to fail on. Stripe's hosted pages are not ours: their
 * console is left alone.
 */
export async function collectPageErrors(page: Page, origin: () => string): Promise<string[]> {
  const errors: string[] = [];
  const ours = () => page.url().startsWith(origin());
  page.on('pageerror', (error) => {
    if (ours()) errors.push(`${page.url()}: ${error.message}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && ours()) errors.push(`${page.url()}: ${message.text()}`);
  });
  // Chromium also logs a refusal to the console, but the event names exactly what was refused.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(
        `Content-Security-Policy refused ${event.blockedURI || 'an inline resource'} (${event.effectiveDirective}) at ${event.sourceFile}:${event.lineNumber}`,
      );
    });
  });
  return errors;
}

/**
 * Waits until the locator shows (with the text, when given), failing with what the page showed instead.
 * The page is a moving target (navigation, polling), so this waits rather than reading once.
 */
export async function shows(locator: Locator, text?: string | RegExp, timeout = 10_000): Promise<void> {
  const target = text === undefined ? locator.first() : locator.filter({ hasText: text }).first();
  try {
    await target.waitFor({ state: 'visible', timeout });
  } catch {
    const found = await locator.allInnerTexts().catch(() => []);
    const url = locator.page().url();
    throw new Error(
      `expected ${String(locator)}${text === undefined ? '' : ` with ${String(text)}`} on ${url}; it showed: ${JSON.stringify(found.slice(0, 5))}`,
    );
  }
}
