// Temporary visual preview (not committed): API only, rows set in the DB.
import { it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { build } from 'vite';
import { chromium } from 'playwright-core';
import { createTestDatabase } from '../../../api/test/support/database.js';
import { SecretBox } from '../../../api/src/crypto/secret-box.js';
import { loadConfig } from '../../../api/src/config.js';
import { buildApp } from '../../../api/src/app.js';

it('preview', async () => {
  const webRoot = resolve(import.meta.dirname, '../..');
  const dist = '/tmp/kubidu-web-preview-dist';
  await build({ configFile: join(webRoot, 'vite.config.ts'), root: webRoot, logLevel: 'warn', build: { outDir: dist, emptyOutDir: true, sourcemap: false } });
  const { ds } = await createTestDatabase();
  const key = randomBytes(32);
  const app = await buildApp({ ds, secretBox: new SecretBox(key), jwtSecret: randomBytes(32).toString('base64'), config: { ...loadConfig({ KUBIDU_DATA_DIR: '/tmp/kubidu-prev' }), port: 0 }, webDistDir: dist, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const req = async (m: string, p: string, t: string, b?: unknown) => {
    const r = await fetch(url + p, { method: m, headers: { ...(t ? { authorization: `Bearer ${t}` } : {}), ...(b ? { 'content-type': 'application/json' } : {}) }, body: b ? JSON.stringify(b) : undefined });
    return { status: r.status, body: await r.json() as any };
  };
  const reg = await req('POST', '/api/auth/register', '', { email: 'ada@example.com', password: 'correct horse' });
  const t = reg.body.token;
  const proj = await req('POST', '/api/projects', t, { name: 'shop' });
  const svc = await req('POST', `/api/projects/${proj.body.id}/services`, t, { name: 'web' });
  const ids: string[] = [];
  for (const [i, st] of (['SUCCESS', 'SUCCESS', 'RUNNING', 'FAILED', 'QUEUED'] as const).entries()) {
    const d = await req('POST', `/api/services/${svc.body.id}/deployments`, t, { image: `registry.example.com/shop/web:1.${i}.0`, env: { LOG_LEVEL: i % 2 ? 'debug' : 'info', ...(i > 2 ? { FEATURE: 'on' } : {}) }, secrets: { DB_PASSWORD: 'x' + i }, commitMessage: `Release 1.${i}.0`, replicas: i > 1 ? 2 : 1 });
    ids.push(d.body.id);
    await ds.query(`update deployments set status=$1, manifests_commit_sha=$2, status_message=$3 where id=$4`, [st, st === 'QUEUED' ? null : randomBytes(20).toString('hex'), st === 'FAILED' ? 'Sync failed: health Degraded' : null, d.body.id]);
  }
  console.log('URL', url);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  for (const [w, h, name] of [[1200, 900, 'desk'], [390, 844, 'phone']] as const) {
    const ctx = await browser.newContext({ viewport: { width: w, height: h } });
    const page = await ctx.newPage();
    page.on('console', (m) => console.log('[console]', m.text()));
    page.on('pageerror', (e) => console.log('[pageerror]', e.message));
    await page.goto(url + '/');
    await page.screenshot({ path: `/tmp/prev-${name}-signin.png` });
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password').fill('correct horse');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.goto(`${url}/#/services/${svc.body.id}`);
    await page.locator('article').first().waitFor();
    await new Promise((r) => setTimeout(r, 1000));
    await page.screenshot({ path: `/tmp/prev-${name}-history.png`, fullPage: true });
    await page.locator(`article[data-deployment-id="${ids[0]}"] button`).click();
    await page.locator('.diff-summary').waitFor();
    await page.screenshot({ path: `/tmp/prev-${name}-dialog.png` });
    await ctx.close();
  }
  await browser.close();
  await app.close();
  await ds.destroy();
}, 120_000);
