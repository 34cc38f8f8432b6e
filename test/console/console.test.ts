// The analyst console in a real browser (Debian's Chromium, headless, 1280×800) against a real server:
// the review flow by mouse and by keyboard alone, a rule fixed after a compile error and backtested,
// the threshold explorer, and every page fitting the screen. Screenshots go to artifacts/console/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealArtifact } from '../../src/models/index.js';
import { booking, LIVE_TS } from '../support/server.js';
import { chromiumAvailable, launchBrowser, newTab, screenshot, VIEWPORT, type ConsoleBrowser } from './browser.js';
import { startConsoleServer, type ConsoleServer } from './console-server.js';

interface CaseSummary {
  id: string;
  event_id: string;
  status: string;
  verdict: string | null;
}

const REVIEW_CASES = 6;

describe.skipIf(!chromiumAvailable())('analyst console', () => {
  let server: ConsoleServer;
  let browser: ConsoleBrowser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startConsoleServer(), launchBrowser()]);
    // Bookings whose message asks to pay off-platform: a review rule sends each to the queue.
    for (let i = 0; i < REVIEW_CASES; i++) {
      const request = booking({ amount: 300 + 150 * i, message: 'Please pay me by western union instead, it avoids the fees' });
      const { body } = await server.api<{ action: string }>('POST', '/v1/decisions', request, server.keys.decide);
      expect(body.action).toBe('review');
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const consoleUrl = (path = '/') => `${server.url}/console${path}`;
  const openCases = async () => (await server.api<{ cases: CaseSummary[] }>('GET', '/v1/cases?status=open&sort=priority&limit=50')).body.cases;

  async function signIn(page: Page, key: string): Promise<void> {
    await page.goto(consoleUrl('/'));
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Review queue' }).waitFor();
  }

  it('a reviewer signs in, opens the top case, reads its reasons, decides fraud with a note, and the label appears', async () => {
    const { page, problems } = await newTab(browser);
    await page.goto(consoleUrl('/'));
    await page.getByLabel('API key').fill('rg_not_a_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('This API key is not valid').waitFor();
    await screenshot(page, '01-sign-in-wrong-key');

    await page.getByLabel('API key').fill(server.keys.review);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Review queue' }).waitFor();
    const top = (await openCases())[0]!;
    const firstRow = page.locator('.queue-table tbody tr').first();
    await firstRow.getByRole('link').waitFor();
    expect(await firstRow.textContent()).toContain(top.event_id);
    await screenshot(page, '02-queue');

    await firstRow.getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: `Case ${top.id}` }).waitFor();
    const reasons = page.getByRole('region', { name: 'Reasons' });
    await reasons.getByText(/off-platform/i).first().waitFor();
    const file = (await server.api<{ decision: { reasons: Array<{ text: string }> } }>('GET', `/v1/cases/${top.id}`)).body;
    for (const reason of file.decision.reasons) expect(await reasons.textContent()).toContain(reason.text);
    await screenshot(page, '03-case');

    await page.getByRole('button', { name: /^Claim/ }).click();
    await page.getByText('You hold this case until').waitFor();
    await page.getByRole('radio', { name: /Fraud/ }).check();
    await page.getByLabel('Note', { exact: true }).fill('Asks to pay by Western Union: classic off-platform scam.');
    await page.getByRole('button', { name: 'Decide: fraud' }).click();

    const notice = page.getByRole('status').getByText(`Case ${top.id} decided`);
    await notice.waitFor();
    const labelId = (await page.getByRole('status').locator('.label-event-id').textContent())!;
    expect(labelId).toBeTruthy();
    await screenshot(page, '04-next-case-after-verdict');

    const labels = (await server.api<{ labels: Array<{ id: string; target_event_id: string; verdict: string }> }>('GET', '/v1/labels?limit=10')).body.labels;
    expect(labels).toContainEqual(expect.objectContaining({ id: labelId, target_event_id: top.event_id, verdict: 'fraud' }));

    await page.getByRole('link', { name: 'Review queue' }).click();
    await page.getByRole('region', { name: 'Recent labels' }).getByText(labelId).waitFor();
    await page.goto(consoleUrl(`/cases/${top.id}`));
    await page.getByRole('region', { name: 'History' }).getByText('Asks to pay by Western Union').waitFor();
    await page.getByRole('region', { name: 'Verdict' }).getByText(labelId).waitFor();
    await screenshot(page, '05-decided-case');
    expect(problems).toEqual([]);
  });

  it('a rule with a syntax error shows the message at its position; fixed, it saves and backtests', async () => {
    const { page, problems } = await newTab(browser);
    await signIn(page, server.keys.admin);
    await page.getByRole('link', { name: 'Rules', exact: true }).click();
    await page.getByRole('button', { name: 'Edit rule new_account_expensive_booking' }).click();
    const expression = page.getByLabel('Expression (CEL)');
    await expression.fill("features.?account_age_days.orValue(1e6) < 1.0 &&\n\trequest.payload.amount >=");
    await page.getByRole('button', { name: 'Save as a new version' }).click();

    const error = page.locator('.expression-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/line 2, column \d+/);
    expect(await expression.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.error-position').count()).toBe(1);
    // The caret stands under the character it points at, a tab before it or not.
    const [marked, caret] = [await page.locator('.error-position').boundingBox(), await page.locator('.error-caret').boundingBox()];
    expect(Math.abs(marked!.x - caret!.x)).toBeLessThan(2);
    await screenshot(page, '06-rule-compile-error');

    await expression.fill('features.?account_age_days.orValue(1e6) < 1.0 &&\n  request.payload.amount >= 500.0');
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.getByRole('status').getByText('Rule new_account_expensive_booking saved as version 2').waitFor();
    expect(await error.count()).toBe(0);

    await page.getByRole('button', { name: 'Run backtest' }).click();
    const results = page.getByRole('region', { name: 'Backtest results' });
    await results.waitFor({ timeout: 30_000 });
    for (const figure of ['Hits', 'Hit rate', 'Precision', 'Recall']) await results.getByText(figure, { exact: true }).waitFor();
    expect(await results.textContent()).toMatch(/of [\d,]+ scored events/);
    await screenshot(page, '07-rule-backtest');
    expect(problems).toEqual([]);
  });

  it("the threshold explorer's numbers change as the threshold moves", async () => {
    const { page, problems } = await newTab(browser);
    await signIn(page, server.keys.admin);
    await page.getByRole('link', { name: 'Thresholds', exact: true }).click();
    const figures = page.locator('.stats');
    await figures.getByText('Reviews per day').waitFor();
    const before = await figures.textContent();

    // From the keyboard: the block slider down to 0 blocks every booking.
    await page.getByLabel(/^Block at or above/).focus();
    await page.keyboard.press('Home');
    expect(await page.getByLabel(/^Block at or above/).inputValue()).toBe('0');
    expect(await page.getByLabel(/^Review at or above/).inputValue()).toBe('0');
    const after = await figures.textContent();
    expect(after).not.toEqual(before);
    await screenshot(page, '08-thresholds');
    expect(problems).toEqual([]);
  });

  it('the review flow works from the keyboard alone: sign in, open a case, claim, decide', async () => {
    const { page, problems } = await newTab(browser);
    await page.goto(consoleUrl('/'));
    await page.getByLabel('API key').and(page.locator(':focus')).waitFor(); // the app is up, its key field focused
    const keyboard = page.keyboard;
    await keyboard.type(server.keys.review); // into the key field, which has the focus
    await keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Review queue' }).waitFor();
    await page.locator('.queue-table tbody tr').first().waitFor();
    const top = (await openCases())[0]!;

    await keyboard.press('j');
    expect(await page.locator('.queue-table tr:focus-within').textContent()).toContain(top.event_id);
    await keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: `Case ${top.id}` }).waitFor();
    await page.getByRole('button', { name: /^Claim/ }).waitFor(); // the case has loaded: a reviewer sees it

    await keyboard.press('c');
    await page.getByText('You hold this case until').waitFor();
    await keyboard.press('l');
    expect(await page.getByLabel('Note', { exact: true }).evaluate((field) => field === field.ownerDocument.activeElement)).toBe(true);
    await keyboard.type('Regular guest, message is about the check-in time.');
    await screenshot(page, '09-keyboard-review');
    await keyboard.press('Enter');
    await page.getByRole('status').getByText(`Case ${top.id} decided`).waitFor();

    const decided = (await server.api<{ case: CaseSummary & { note: string } }>('GET', `/v1/cases/${top.id}`)).body.case;
    expect(decided).toMatchObject({ status: 'decided', verdict: 'legit', note: 'Regular guest, message is about the check-in time.' });
    expect(problems).toEqual([]);
  });

  it('a model in shadow is compared with the active one on live traffic', async () => {
    const active = server.service.lineup().active!.registered.artifact;
    const { id: _id, contentHash: _hash, format: _format, formatVersion: _version, ...rest } = active;
    const trial = sealArtifact({ ...rest, policy: { block: 0.5, review: 0 }, createdAt: active.createdAt + 1 });
    await server.service.embedded.models.register(trial, 'console test');
    expect((await server.api('POST', `/v1/admin/models/${trial.id}/promote`, { stage: 'shadow' })).status).toBe(200);
    for (let i = 0; i < 4; i++) await server.api('POST', '/v1/decisions', booking({ amount: 80 + i }), server.keys.decide);

    const { page, problems } = await newTab(browser);
    await signIn(page, server.keys.admin);
    await page.getByRole('link', { name: 'Models' }).click();
    const live = page.getByRole('region', { name: /in shadow, on live traffic/ });
    await live.waitFor();
    // Its review threshold of 0 sends every request to review at least: the shadow column is never "allow".
    await expect.poll(() => live.textContent()).toMatch(/On the latest \d+ decisions/);
    const matrix = live.getByRole('table');
    const allowColumn = await matrix.locator('tbody tr td:nth-of-type(1)').allTextContents();
    expect(allowColumn).toEqual(['0', '0', '0']);
    await screenshot(page, '18-models-shadow');
    expect(problems).toEqual([]);
  });

  it('every page fits 1280×800 without errors', async () => {
    const { page, problems } = await newTab(browser);
    await signIn(page, server.keys.admin);
    const someCase = (await openCases())[0]!;
    const pages: Array<[string, string, string]> = [
      ['/', 'Review queue', '10-queue'],
      [`/cases/${someCase.id}`, `Case ${someCase.id}`, '11-case'],
      ['/rules', 'Rules', '12-rules'],
      ['/lists', 'Lists', '13-lists'],
      ['/models', 'Models', '14-models'],
      ['/thresholds', 'Threshold explorer', '15-thresholds'],
      ['/top-risk', 'Top risky accounts', '16-top-risk'],
      ['/kill-switch', 'Kill switch', '17-kill-switch'],
    ];
    for (const [path, title, name] of pages) {
      await page.goto(consoleUrl(path));
      await page.getByRole('heading', { level: 1, name: title }).waitFor();
      await page.waitForLoadState('networkidle');
      await screenshot(page, name);
      expect.soft(await page.locator('.notice-error').allTextContents(), path).toEqual([]);
      expect.soft(await page.locator('html').evaluate((root) => root.scrollWidth), path).toBeLessThanOrEqual(VIEWPORT.width);
    }
    expect(problems).toEqual([]);
  });

  it("tells a verdict label a client sent through the events API from a reviewer's verdict in the console", async () => {
    const external = {
      id: 'partner_verdict_1',
      type: 'reviewer_verdict',
      ts: LIVE_TS + 90_000_000,
      entities: { user: 'u_partner_1' },
      payload: { target_event_id: 'bk_partner_1', verdict: 'fraud', reviewer: 'alice@partner' },
    };
    expect((await server.api('POST', '/v1/events', external, server.keys.events)).status).toBe(200);
    const { page, problems } = await newTab(browser);
    await signIn(page, server.keys.review);
    const item = page.locator('.label-list li', { hasText: 'bk_partner_1' });
    await item.waitFor();
    expect(await item.textContent()).toMatch(/sent through the events API, reviewer given as alice@partner/);
    const consoleVerdicts = page.locator('.label-list li', { hasText: 'verdict_case_' });
    if ((await consoleVerdicts.count()) > 0) expect(await consoleVerdicts.first().textContent()).not.toMatch(/events API/);
    expect(problems).toEqual([]);
  });

  it('the API documentation at /docs renders under its content security policy', async () => {
    const { page, problems } = await newTab(browser);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const response = await page.goto(`${server.url}/docs`);
    await page.locator('.opblock-summary-path', { hasText: '/v1/decisions' }).first().waitFor();
    await screenshot(page, '18-api-docs');
    const headers = response!.request().redirectedFrom() ? await (await page.request.get(`${server.url}/docs/`)).headers() : response!.headers();
    expect(headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect([...violations, ...problems]).toEqual([]);
  });
});
