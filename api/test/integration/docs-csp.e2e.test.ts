/**
 * `/docs` (swagger-ui) in real Chromium: the page renders the operations and the
 * browser reports no Content-Security-Policy violation and no console error.
 * helmet's policy covers the API; the docs route sends swagger-ui's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let t: TestApp;
let browser: Browser;
let base: string;
beforeAll(async () => {
  t = await createTestApp();
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('/docs in Chromium', () => {
  it('renders swagger-ui with no CSP violation or console error', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
    });
    await page.goto(`${base}/docs`, { waitUntil: 'networkidle' });
    await page.locator('.opblock-summary-path', { hasText: '/api/deployments/{id}/rollback' }).first().waitFor({ timeout: 15_000 });
    expect(errors).toEqual([]);
  });
});
