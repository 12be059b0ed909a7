/**
 * Property tests over what a client controls on the deploy path: the body, the
 * path parameter and the headers. Whatever arrives, the answer is a 4xx with a
 * code and a message (or a 202), never a 5xx; a refused request writes nothing;
 * an accepted env value comes back byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createService, createTestApp, registerUser, type TestApp, type TestUser } from '../support/app.js';

let t: TestApp;
let user: TestUser;
let serviceId: string;

beforeAll(async () => {
  t = await createTestApp();
  user = await registerUser(t.app);
  ({ serviceId } = await createService(t.app, user));
});
afterAll(async () => t?.close());

const NASTY = [
  '',
  '../etc/passwd',
  '..%2F..%2F',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ufeff',
  'key: [yaml]\n- item\n---\n!!binary',
  '${HOME}$(id)`id`',
  "'; DROP TABLE deployments; --",
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🚀 ÄÖÜ',
  'x'.repeat(33 * 1024),
  ' '.repeat(70),
  '__proto__',
  'constructor',
];

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 3 }),
  fc.constantFrom(...NASTY),
);
const envKey = fc.oneof(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/), text);
const image = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('nginx:1.25', 'ghcr.io/acme/app:v1', `app@sha256:${'b'.repeat(64)}`) },
  { weight: 1, arbitrary: text },
  { weight: 1, arbitrary: fc.anything() },
);
const maybeWeird = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: a }, { weight: 1, arbitrary: fc.anything() });
const deployBody = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        image,
        env: maybeWeird(fc.dictionary(envKey, maybeWeird(text), { maxKeys: 5 })),
        secrets: maybeWeird(fc.dictionary(envKey, maybeWeird(text), { maxKeys: 5 })),
        port: maybeWeird(fc.integer({ min: -10, max: 70_000 })),
        replicas: maybeWeird(fc.oneof(fc.integer({ min: -2, max: 200 }), fc.double())),
        cpuLimit: maybeWeird(fc.oneof(fc.constantFrom('500m', '1', '0.5'), text)),
        memoryLimit: maybeWeird(fc.oneof(fc.constantFrom('256Mi', '1Gi'), text)),
        commitSha: maybeWeird(fc.oneof(fc.constantFrom('abc1234'), text)),
        commitMessage: maybeWeird(text),
        reason: maybeWeird(text),
        unexpected: fc.anything(),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.anything() },
);

/** encodeURIComponent, or raw UTF-8 bytes for strings it refuses (lone surrogates). */
function percentEncode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

const countDeployments = async () => (await t.ds.query(`SELECT count(*)::int AS n FROM deployments`))[0].n as number;

function expectClientAnswer(status: number, body: string) {
  expect(status, body).toBeLessThan(500);
  if (status >= 400) {
    const json = JSON.parse(body);
    expect(typeof json.code).toBe('string');
    expect(typeof json.message).toBe('string');
    expect(json.message.length).toBeGreaterThan(0);
  }
}

describe('fuzzing the deploy endpoint', () => {
  it('random bodies: 202 or 4xx with a code and message, never 5xx; refused requests write nothing', async () => {
    await fc.assert(
      fc.asyncProperty(deployBody, fc.boolean(), async (body, asRawJson) => {
        const before = await countDeployments();
        let payload: string;
        try {
          payload = JSON.stringify(body) ?? 'undefined';
        } catch {
          payload = String(body);
        }
        const res = await t.app.inject({
          method: 'POST',
          url: `/api/services/${serviceId}/deployments`,
          headers: { ...user.auth, 'content-type': asRawJson ? 'application/json' : 'application/json; charset=utf-8' },
          payload,
        });
        expectClientAnswer(res.statusCode, res.body);
        const after = await countDeployments();
        expect(after).toBe(res.statusCode === 202 ? before + 1 : before);
      }),
      { numRuns: 120 },
    );
  });

  it('accepted env and secret values round-trip byte for byte (secrets masked); NUL or lone surrogates are refused', async () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.constantFrom(...NASTY.filter((s) => s.length <= 32 * 1024)),
    );
    const valid = (s: string) => !s.includes('\u0000') && !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/), value, { maxKeys: 6 }),
        fc.dictionary(fc.stringMatching(/^S_[A-Z0-9_]{1,10}$/), value, { maxKeys: 3 }),
        async (env, secrets) => {
          const before = await countDeployments();
          const res = await t.app.inject({
            method: 'POST',
            url: `/api/services/${serviceId}/deployments`,
            headers: user.auth,
            payload: { image: 'nginx:1', env, secrets },
          });
          const allValid = [...Object.values(env), ...Object.values(secrets)].every(valid);
          if (!allValid) {
            expect(res.statusCode, res.body).toBe(400);
            expect(await countDeployments()).toBe(before);
            return;
          }
          expect(res.statusCode, res.body).toBe(202);
          const detail = await t.app.inject({ url: `/api/deployments/${res.json().id}`, headers: user.auth });
          const got = new Map<string, { value: string | null; isSecret: boolean }>(
            detail.json().env.map((e: { key: string; value: string | null; isSecret: boolean }) => [e.key, e]),
          );
          expect(got.size).toBe(Object.keys(env).length + Object.keys(secrets).length);
          for (const [k, v] of Object.entries(env)) {
            expect(got.get(k)?.isSecret).toBe(false);
            expect(Buffer.from(got.get(k)!.value!, 'utf8').equals(Buffer.from(v, 'utf8'))).toBe(true);
          }
          for (const [k, v] of Object.entries(secrets)) {
            expect(got.get(k)).toEqual({ key: k, value: null, isSecret: true });
            const alsoPlain = Object.values(env).some((p) => p.includes(v));
            if (v.length >= 4 && !alsoPlain) expect(detail.body).not.toContain(JSON.stringify(v).slice(1, -1));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('random path parameters and headers: never 5xx, nothing written', async () => {
    const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uuid(), text, fc.constantFrom('..', '../..', '%00', '%', serviceId.toUpperCase())),
        fc.option(headerText),
        fc.option(fc.oneof(headerText, fc.constant(`Bearer ${user.token}`))),
        async (id, idempotencyKey, authorization) => {
          const before = await countDeployments();
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (idempotencyKey !== null) headers['idempotency-key'] = idempotencyKey;
          if (authorization !== null) headers.authorization = authorization;
          const encoded = /^[0-9a-fA-F-]{36}$/.test(id) || id.startsWith('%') || id.startsWith('..') ? id : percentEncode(id);
          for (const url of [`/api/services/${encoded}/deployments`, `/api/deployments/${encoded}/rollback`]) {
            const res = await t.app.inject({ method: 'POST', url, headers, payload: JSON.stringify({ image: 'nginx:1' }) });
            expectClientAnswer(res.statusCode, res.body);
            if (res.statusCode === 202) return; // a valid own id with valid headers: allowed to write
          }
          const get = await t.app.inject({ method: 'GET', url: `/api/deployments/${encoded}`, headers });
          expectClientAnswer(get.statusCode, get.body);
          expect(await countDeployments()).toBe(before);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('random query strings on the history and audit listings: never 5xx', async () => {
    const part = fc.oneof(
      fc.constantFrom('limit', 'cursor', 'idPrefix', 'projectId', 'serviceId', 'x', '', '__proto__', 'limit[]'),
      text.map(percentEncode),
    );
    const value = fc.oneof(fc.integer().map(String), fc.constantFrom('', '0', '101', '1e3', 'djE6MQ', serviceId), text.map(percentEncode));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(part, value), { maxLength: 4 }), async (pairs) => {
        const qs = pairs.map(([k, v]) => `${k}=${v}`).join('&');
        for (const url of [`/api/services/${serviceId}/deployments?${qs}`, `/api/audit?${qs}`]) {
          const res = await t.app.inject({ url, headers: user.auth });
          expectClientAnswer(res.statusCode, res.body);
        }
      }),
      { numRuns: 100 },
    );
  });
});
