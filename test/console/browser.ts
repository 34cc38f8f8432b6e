// Debian's Chromium, headless, driven by playwright-core (no browser downloads), at the console's
// design size of 1280×800. Without Chromium the browser tests fail loudly in CI and are skipped, with a
// loud warning, elsewhere.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const VIEWPORT = { width: 1280, height: 800 };
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'artifacts', 'console');

/** Whether the browser tests can run here. In CI (CI=true) a missing Chromium throws. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const problem = `Chromium is not at ${CHROMIUM_PATH}. The console's browser tests need Debian's chromium (apt-get install chromium) or CHROMIUM_PATH.`;
  if (process.env.CI === 'true') throw new Error(`CONSOLE BROWSER TESTS CANNOT RUN: ${problem}`);
  console.warn(`\n${'!'.repeat(100)}\n  SKIPPING the console browser tests: ${problem}\n${'!'.repeat(100)}\n`);
  return false;
}

export interface ConsoleBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<ConsoleBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'rg-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: VIEWPORT,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  context.setDefaultTimeout(10_000);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A new tab that collects script errors and console errors (a Content-Security-Policy violation is one),
 * for tests to check there were none. Chromium also logs every 4xx answer as a console error; those are
 * the API answering (a wrong key, a missing scope) and are left out.
 */
export async function newTab(browser: ConsoleBrowser): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) problems.push(`console error: ${message.text()}`);
  });
  return { page, problems };
}

/** Saves what the page shows now to artifacts/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}
