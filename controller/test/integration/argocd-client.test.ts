/**
 * The Argo CD client against the test server: sessions and their renewal, the exact content
 * type, error mapping with Argo CD's real answers, and ARGOCD_INSECURE against self-signed TLS.
 * Also checks that the test server itself refuses what the real Argo CD would refuse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { ArgoClient } from '../../src/adapters/argocd/client.js';
import {
  ArgoAuthError,
  ArgoOperationInProgressError,
  ArgoRevisionNotTrackedError,
  ArgoSyncWindowError,
  ArgoUnavailableError,
} from '../../src/adapters/argocd/errors.js';
import { startArgoTestServer, type ArgoTestServer } from '../../../test-support/argocd-server.js';
import { startManifestsRemote, type ManifestsRemote } from '../../../test-support/argocd-git-fixture.js';

let remote: ManifestsRemote;
let s: ArgoTestServer;

beforeAll(async () => {
  remote = await startManifestsRemote();
  await remote.commitImage('shop', 'web', 'registry.example.com/shop/web:1.0.0');
  s = await startArgoTestServer({
    repoURL: remote.repoURL,
    apps: [{ name: 'shop-web', project: 'shop', path: 'apps/shop/web', targetRevision: 'main', automated: true }],
  });
});
afterAll(async () => {
  await s?.stop();
  await remote?.stop();
});

const sessions = () => s.requests.filter((r) => r.path === '/api/v1/session').length;

describe('ArgoClient', () => {
  it('logs in with username/password, reuses the session, renews it after revocation (once)', async () => {
    s.setFailure('none');
    const before = sessions();
    const c = new ArgoClient({ url: s.url, username: 'kubidu', password: 'kubidu-password' });
    await c.getApplication('shop-web');
    await c.getApplication('shop-web');
    expect(sessions() - before).toBe(1);
    s.revokeSessions();
    const app = await c.getApplication('shop-web');
    expect(app.metadata?.name).toBe('shop-web');
    expect(sessions() - before).toBe(2);
    const login = s.requests.find((r) => r.path === '/api/v1/session')!;
    expect(login.headers['content-type']).toBe('application/json');
    expect(login.headers.authorization).toBeUndefined();
  });

  it('renews the session before the JWT expires', async () => {
    let offset = 0;
    const c = new ArgoClient({ url: s.url, username: 'kubidu', password: 'kubidu-password', now: () => Date.now() + offset });
    const before = sessions();
    await c.getApplication('shop-web');
    offset = 3600_000; // the server's sessions last an hour
    await c.getApplication('shop-web');
    expect(sessions() - before).toBe(2);
  });

  it('maps Argo CD errors to Kubidu errors with code and retryable', async () => {
    const c = new ArgoClient({ url: s.url, token: s.token });
    const cases: Array<[Parameters<ArgoTestServer['setFailure']>[0], () => Promise<unknown>, Function, string, boolean]> = [
      ['unauthorized', () => c.getApplication('shop-web'), ArgoAuthError, 'ARGOCD_UNAUTHENTICATED', false],
      ['forbidden', () => c.sync('shop-web', {}), ArgoAuthError, 'ARGOCD_FORBIDDEN', false],
      // Kubidu names no project, so Argo CD does not say whether the app exists (see argocd-server.test.ts).
      ['app-not-found', () => c.getApplication('shop-web'), ArgoAuthError, 'ARGOCD_FORBIDDEN', false],
      ['sync-window', () => c.sync('shop-web', {}), ArgoSyncWindowError, 'ARGOCD_SYNC_WINDOW', false],
      ['http-500', () => c.getApplication('shop-web'), ArgoUnavailableError, 'ARGOCD_UNAVAILABLE', true],
    ];
    for (const [mode, call, cls, code, retryable] of cases) {
      s.setFailure(mode, { times: 1 });
      const err = await call().then(() => undefined, (e) => e);
      expect(err, mode).toBeInstanceOf(cls);
      expect(err, mode).toMatchObject({ code, retryable });
    }
    s.setFailure('none');
  });

  it('maps "Cannot sync to X: auto-sync currently set to Y" and "another operation is already in progress"', async () => {
    s.setFailure('none');
    const c = new ArgoClient({ url: s.url, token: s.token });
    const sha = await remote.commitImage('shop', 'web', 'registry.example.com/shop/web:2.0.0');
    const err = await c.sync('shop-web', { revision: sha }).catch((e) => e);
    expect(err).toBeInstanceOf(ArgoRevisionNotTrackedError);
    expect(err.argoMessage).toBe(`Cannot sync to ${sha}: auto-sync currently set to main`);
    expect(err.status).toBe(400);

    s.setFailure('operation-in-progress', { times: 1 });
    const busy = await c.sync('shop-web', {}).catch((e) => e);
    expect(busy).toBeInstanceOf(ArgoOperationInProgressError);
    expect(busy).toMatchObject({ retryable: true, argoMessage: 'another operation is already in progress' });
    s.setFailure('none');
  });

  it('connection refused is retryable and names the server, never the token', async () => {
    const probe = createNetServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const c = new ArgoClient({ url: `http://127.0.0.1:${port}`, token: 'secret-token-value' });
    const err = await c.getApplication('x').catch((e) => e);
    expect(err).toBeInstanceOf(ArgoUnavailableError);
    expect(err.message).toBe(`Argo CD at http://127.0.0.1:${port} refused the connection`);
  });
});

describe('the test server keeps the contract', () => {
  it('answers 415 when a non-GET request is not exactly application/json', async () => {
    for (const ct of ['application/json; charset=utf-8', 'text/plain', undefined]) {
      const res = await fetch(`${s.url}/api/v1/applications/shop-web/sync`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${s.token}`, ...(ct ? { 'Content-Type': ct } : {}) },
        body: ct ? '{}' : undefined,
      });
      expect(res.status, String(ct)).toBe(415);
    }
    s.violations.length = 0;
  });

  it('answers 400 for a body that breaks the swagger (syncOptions must be {items: [...]})', async () => {
    const res = await fetch(`${s.url}/api/v1/applications/shop-web/sync`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ syncOptions: ['Validate=false'] }),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ code: 3 });
    expect(s.violations.at(-1)).toMatch(/ApplicationService_Sync: body breaks the swagger/);
    s.violations.length = 0;
  });

  it('answers 404 for a path the swagger does not have, 401 without a token', async () => {
    expect((await fetch(`${s.url}/api/v1/applications/shop-web/resync`, { method: 'GET' })).status).toBe(404);
    const res = await fetch(`${s.url}/api/v1/applications/shop-web`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 16, error: 'no session information' });
    s.violations.length = 0;
  });
});

describe('ARGOCD_INSECURE', () => {
  let dir: string;
  let url: string;
  let close: () => void;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubidu-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      const ok = req.headers.authorization === 'Bearer t0k';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { metadata: { name: 'tls-app' } } : { error: 'no session information', code: 16, message: 'no session information' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => {
    close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a self-signed certificate by default, with a hint', async () => {
    const err = await new ArgoClient({ url, token: 't0k' }).getApplication('tls-app').catch((e) => e);
    expect(err).toBeInstanceOf(ArgoUnavailableError);
    expect(err.message).toMatch(/failed TLS verification \(DEPTH_ZERO_SELF_SIGNED_CERT\); set ARGOCD_INSECURE=true/);
  });

  it('accepts it with insecure: true', async () => {
    const app = await new ArgoClient({ url, token: 't0k', insecure: true }).getApplication('tls-app');
    expect(app.metadata?.name).toBe('tls-app');
  });
});
