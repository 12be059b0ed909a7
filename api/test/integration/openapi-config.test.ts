/**
 * The OpenAPI document says what the contract says (the rollback body is
 * optional, every other body required), and `GET /api/config` serves the link
 * templates from the API config, to signed-in users only, with no secret in them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createTestApp, registerUser, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

type Doc = { paths: Record<string, Record<string, { requestBody?: { required?: boolean; content: Record<string, { schema: Record<string, unknown> }> } }>> };

describe('the OpenAPI document', () => {
  it('marks the rollback body optional and the other bodies required', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json() as Doc;
    const rollback = doc.paths['/api/deployments/{id}/rollback'].post.requestBody!;
    expect(rollback.required).toBe(false);
    expect(Object.keys(rollback.content['application/json'].schema.properties as object).sort()).toEqual(['only', 'reason']);
    expect(JSON.stringify(doc)).not.toContain('x-optional-body');
    const bodies = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).filter(([, op]) => op.requestBody).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op.requestBody!.required]),
    );
    expect(bodies.length).toBeGreaterThanOrEqual(8);
    expect(bodies.filter(([, required]) => required !== true)).toEqual([['POST /api/deployments/{id}/rollback', false]]);
  });

  it('describes GET /api/config with its schema', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: { properties: object } }> }> }>> };
    const ok = doc.paths['/api/config'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(ok.properties).sort()).toEqual(['argocdAppUrlTemplate', 'argocdUrl', 'commitUrlTemplate']);
  });
});

describe('GET /api/config', () => {
  it('answers nulls without templates, and 401 without a token', async () => {
    expect((await t.app.inject({ url: '/api/config' })).json()).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    const user = await registerUser(t.app);
    const res = await t.app.inject({ url: '/api/config', headers: user.auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ commitUrlTemplate: null, argocdUrl: null, argocdAppUrlTemplate: null });
  });

  it('serves the configured templates, never Argo CD credentials', async () => {
    const config = loadConfig({
      KUBIDU_DATA_DIR: '/nonexistent-kubidu-test',
      KUBIDU_COMMIT_URL_TEMPLATE: 'https://git.example.com/org/manifests/commit/{sha}',
      ARGOCD_URL: 'https://argocd.example.com/',
      ARGOCD_NAMESPACE: 'gitops',
      ARGOCD_APP_TEMPLATE: 'kubidu-{project}.{service}',
      ARGOCD_TOKEN: 'argo-secret-token',
    });
    const app = buildApp({ ds: t.ds, secretBox: t.secretBox, jwtSecret: randomBytes(32), config, logger: false });
    try {
      await app.ready();
      const user = await registerUser(app);
      const res = await app.inject({ url: '/api/config', headers: user.auth });
      expect(res.json()).toEqual({
        commitUrlTemplate: 'https://git.example.com/org/manifests/commit/{sha}',
        argocdUrl: 'https://argocd.example.com',
        argocdAppUrlTemplate: 'https://argocd.example.com/applications/gitops/kubidu-{project}.{service}',
      });
      expect(res.body).not.toContain('argo-secret-token');
    } finally {
      await app.close();
    }
  });

  it('refuses a bad template or an Argo CD URL with credentials at start-up (CONFIG_INVALID naming the variable)', () => {
    const bad = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return err as { code?: string; message: string };
      }
      return undefined;
    };
    expect(bad({ KUBIDU_COMMIT_URL_TEMPLATE: 'javascript:alert({sha})' })).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('KUBIDU_COMMIT_URL_TEMPLATE') });
    expect(bad({ KUBIDU_COMMIT_URL_TEMPLATE: 'https://git.example.com/commit/' })).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('{sha}') });
    expect(bad({ ARGOCD_URL: 'https://admin:pw@argocd.example.com' })).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('ARGOCD_URL') });
    expect(bad({ ARGOCD_URL: 'https://admin:pw@argocd.example.com' })?.message).not.toContain('pw@');
  });
});
