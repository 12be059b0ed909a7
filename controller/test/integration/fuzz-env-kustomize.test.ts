/**
 * Env values full of YAML syntax, end to end: sent through the API (which
 * refuses what it cannot store, with a message naming the field), committed by
 * the real controller to a `git http-backend` remote, then rendered from a
 * fresh clone with the real `kubectl kustomize`: every accepted value comes
 * back in the ConfigMap byte for byte, and every refused one wrote nothing.
 * (manifests-kustomize.test.ts checks the renderer alone; this is the product.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../../api/src/app.js';
import { loadConfig } from '../../../api/src/config.js';
import { SecretBox } from '@kubidu/core/crypto/secret-box';
import { createTestDatabase } from '../../../test-support/database.js';
import { startGitHttpServer, type GitHttpServer } from '../../../test-support/git-http-server.js';
import { cloneFresh, gitCli } from '../../../test-support/git-cli.js';
import { startController, type ControllerHandle } from '../../src/start.js';
import { loadControllerConfig } from '../../src/config.js';
import { testControllerEnv, errorsOnlyLogger } from '../support/controller-env.js';
import { toolOrSkip } from '../../../test-support/tools.js';
import { waitFor } from '../../../test-support/wait.js';

// Skips on a machine without kubectl, fails under CI (scripts/ensure-system-deps.sh installs it).
const KUBECTL = toolOrSkip('kubectl');
const key = randomBytes(32);
let ds: DataSource;
let app: FastifyInstance;
let git: GitHttpServer;
let controller: ControllerHandle;
let dataDir: string;
let auth: Record<string, string>;
let projectId: string;
let round = 0;

const YAMLISH = [
  '---',
  '---\nkind: Secret\n...',
  'key: value',
  'a: b: c',
  '# not a comment',
  'x # trailing',
  '&anchor value',
  '*alias',
  '<<: *base',
  '|\n  block',
  '>\n  folded',
  '- item\n- item2',
  '[1, 2]',
  '{a: 1}',
  '"double"',
  "'single'",
  'true',
  'null',
  '~',
  '0x1F',
  '1e3',
  '012',
  '%YAML 1.2',
  '!!binary aGVsbG8=',
  '@at `tick`',
  '  leading and trailing  ',
  '\ttab',
  'line1\nline2\n',
  '\n\n',
  'a\r\nb',
  'C:\\path\\n',
  'a=b=c',
  '${VAR} $(cmd)',
  'grüße 🚀 日本 \u200b',
  '',
  // C0 controls round-trip; DEL, C1, U+FFFE/U+FFFF break kustomize and NEL, U+2028, U+2029 come back changed: refused.
  'esc \u001b[0m bell \u0007',
  'del \u007f',
  'c1 \u0080 \u009b \u009f',
  'nel \u0085 next',
  'ls \u2028 ps \u2029',
  'nonchar \ufffe \uffff',
];
const value = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...YAMLISH) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...YAMLISH), { minLength: 2, maxLength: 4 }).map((xs) => xs.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('a\u0000b', 'x\ud800y') },
);
const envArb = fc.dictionary(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,12}$/), value, { minKeys: 1, maxKeys: 6 });

// The oracle (independent of the API's code): storable text, not a multi-line value starting with a tab (kustomize
// cannot emit that), and none of DEL, U+0080-U+009F, U+2028, U+2029, U+FFFE, U+FFFF (kustomize breaks on or changes them).
const storable = (s: string) =>
  !s.includes('\u0000') &&
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s) &&
  !(s.startsWith('\t') && s.includes('\n')) &&
  ![...s].some((c) => (c >= '\u007f' && c <= '\u009f') || c === '\u2028' || c === '\u2029' || c === '\ufffe' || c === '\uffff');

function kustomize(dir: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(KUBECTL!, ['kustomize', dir], { maxBuffer: 16 << 20 }, (err, out, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(out))),
  );
}

function waitFinished(id: string, timeoutMs = 60_000) {
  return waitFor(`deployment ${id} finished`, async () => (await ds.query(`SELECT status, status_message FROM deployments WHERE id = $1`, [id]))[0], {
    until: (r) => r.status !== 'QUEUED' && r.status !== 'DEPLOYING',
    timeoutMs,
  });
}

beforeAll(async () => {
  ({ ds } = await createTestDatabase());
  git = await startGitHttpServer();
  git.createBareRepo('manifests', { withLayout: true });
  dataDir = mkdtempSync(join(tmpdir(), 'kubidu-envfuzz-'));
  app = buildApp({
    ds,
    secretBox: new SecretBox(key),
    jwtSecret: randomBytes(32),
    config: loadConfig({}),
    logger: false,
    wakeController: () => controller?.wake(),
  });
  await app.ready();
  controller = await startController({
    ds,
    logger: errorsOnlyLogger,
    config: loadControllerConfig(testControllerEnv(git.url('manifests'), key.toString('base64')), dataDir),
  });
  const reg = await app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: 'env@example.com', password: 'correct horse battery' } });
  auth = { authorization: `Bearer ${reg.json().token}` };
  projectId = (await app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'Env', slug: 'env' } })).json().id;
});

afterAll(async () => {
  await controller?.stop();
  await app?.close();
  await ds?.destroy();
  await git?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('env values through API → controller → git → kubectl kustomize', () => {
  it.skipIf(!KUBECTL)('accepted values round-trip byte for byte into the ConfigMap; refused ones write nothing', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(envArb, { minLength: 10, maxLength: 10 }), async (envs) => {
        round++;
        // One service per env, all deployed at once (the controller commits them side by side).
        const queued: Array<{ service: string; id: string; env: Record<string, string> }> = [];
        for (const [i, env] of envs.entries()) {
          const service = `r${round}-s${i}`;
          const s = await app.inject({ method: 'POST', url: `/api/projects/${projectId}/services`, headers: auth, payload: { name: service } });
          expect(s.statusCode, s.body).toBe(201);
          const [{ n: before }] = await ds.query(`SELECT count(*)::int AS n FROM deployments`);
          const res = await app.inject({ method: 'POST', url: `/api/services/${s.json().id}/deployments`, headers: auth, payload: { image: 'nginx:1.27', env } });
          if (Object.values(env).every(storable)) {
            expect(res.statusCode, res.body).toBe(202);
            queued.push({ service, id: res.json().id, env });
            accepted++;
          } else {
            expect(res.statusCode, res.body).toBe(400);
            expect(res.json().code).toBe('VALIDATION_ERROR');
            expect(res.json().message).toMatch(/^body\/env\/[A-Z0-9_]+ /);
            const [{ n: after }] = await ds.query(`SELECT count(*)::int AS n FROM deployments`);
            expect(after).toBe(before);
            refused++;
          }
        }
        for (const q of queued) expect((await waitFinished(q.id)).status).toBe('RUNNING');
        const clone = await cloneFresh(git.url('manifests'));
        try {
          for (const q of queued) {
            const objects = parseAllDocuments(await kustomize(join(clone, 'apps/env', q.service))).map((d) => d.toJSON());
            const cm = objects.find((o) => o?.kind === 'ConfigMap');
            expect(Object.keys(cm.data ?? {}).sort()).toEqual(Object.keys(q.env).sort());
            for (const [k, v] of Object.entries(q.env)) {
              expect(Buffer.from(cm.data[k], 'utf8').equals(Buffer.from(v, 'utf8')), `${k}=${JSON.stringify(v)} came back as ${JSON.stringify(cm.data[k])}`).toBe(true);
            }
            // The Deployment takes its env from that ConfigMap.
            const dep = objects.find((o) => o?.kind === 'Deployment');
            expect(JSON.stringify(dep.spec.template.spec.containers[0])).toContain(cm.metadata.name);
          }
          // One commit per accepted deployment, no more.
          for (const q of queued) {
            expect((await gitCli(clone, 'log', '--format=%H', '-F', `--grep=Kubidu-Deployment: ${q.id}`)).trim().split('\n')).toHaveLength(1);
          }
        } finally {
          rmSync(clone, { recursive: true, force: true });
        }
      }),
      { numRuns: 2 },
    );
    expect(accepted).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(0);
  }, 150_000);
});
