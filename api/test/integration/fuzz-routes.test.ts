/**
 * Property tests beyond the deploy endpoint (fuzz.test.ts): rollback, projects,
 * services, bad marks, release, diff and the listings' query strings, with
 * random JSON, huge strings, unicode, NUL bytes, `../` and YAML-looking text in
 * bodies, path parameters and headers. Every answer is a success or a 4xx whose
 * code and message name the problem, never a 5xx; a refused request writes
 * nothing (every table is counted before and after).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createService, createTestApp, deploy, registerUser, setStatus, type TestApp, type TestUser } from '../support/app.js';

let t: TestApp;
let user: TestUser;
let other: TestUser;
let projectId: string;
let serviceId: string;
let targetId: string;
let currentId: string;

const NASTY = [
  '',
  '../etc/passwd',
  '../../',
  '..%2F..%2F',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\ufeff',
  '---\nkey: value\n...',
  'a: b',
  '# comment',
  '&anchor *alias <<: *x',
  '!!python/object:os.system',
  "'; DROP TABLE deployments; --",
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🚀 ÄÖÜ',
  'x'.repeat(70_000),
  '\r\n\t',
  '__proto__',
  'constructor',
  'image',
  'config',
];

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(...NASTY),
);
const weird = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: a }, { weight: 1, arbitrary: fc.anything() });
const body = (shape: Record<string, fc.Arbitrary<unknown>>) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ ...shape, extra: fc.anything() }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.anything() },
    { weight: 1, arbitrary: fc.jsonValue() },
  );

function percentEncode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

async function snapshot(): Promise<string> {
  const tables: Array<{ table_name: string }> = await t.ds.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations' ORDER BY 1`,
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM "${table_name}"`);
    parts.push(`${table_name}=${n}`);
  }
  const [{ bad }] = await t.ds.query(`SELECT count(*)::int AS bad FROM deployments WHERE marked_bad_at IS NOT NULL`);
  return parts.join(',') + `,bad=${bad}`;
}

/** A client mistake: 4xx, JSON with a code, and a message that names what was wrong. */
function expectNamedRefusal(status: number, raw: string) {
  expect(status, raw.slice(0, 300)).toBeGreaterThanOrEqual(400);
  expect(status, raw.slice(0, 300)).toBeLessThan(500);
  const json = JSON.parse(raw);
  expect(json.code).toMatch(/^[A-Z_]+$/);
  expect(typeof json.message).toBe('string');
  expect(json.message.length).toBeGreaterThan(0);
  if (json.code === 'VALIDATION_ERROR') {
    expect(json.message).toMatch(/^(body|params|querystring|headers|url)\b|^The request/);
  }
}

function payloadOf(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return String(v);
  }
}

async function send(method: 'GET' | 'POST' | 'DELETE', url: string, payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({
    method,
    url,
    headers: { ...user.auth, 'content-type': 'application/json', ...headers },
    payload: method === 'GET' ? undefined : payloadOf(payload),
  });
}

beforeAll(async () => {
  t = await createTestApp();
  user = await registerUser(t.app);
  other = await registerUser(t.app);
  ({ projectId, serviceId } = await createService(t.app, user));
  const a = await deploy(t.app, user, serviceId, { image: 'ghcr.io/acme/web:1' });
  const b = await deploy(t.app, user, serviceId, { image: 'ghcr.io/acme/web:2' });
  targetId = a.json().id;
  currentId = b.json().id;
  await setStatus(t.ds, targetId, 'SUCCESS');
  await setStatus(t.ds, currentId, 'RUNNING');
});
afterAll(async () => t?.close());

describe('fuzzing bodies of the write routes', () => {
  it('rollback: random bodies and idempotency keys → 202 or a named 4xx; refusals write nothing', async () => {
    const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 });
    await fc.assert(
      fc.asyncProperty(
        body({ reason: weird(text), only: weird(fc.oneof(fc.constantFrom('image', 'config'), text)) }),
        fc.option(headerText),
        fc.constantFrom(targetId, currentId),
        async (b, key, id) => {
          const before = await snapshot();
          const res = await send('POST', `/api/deployments/${id}/rollback`, b, key === null ? {} : { 'idempotency-key': key });
          if (res.statusCode === 202) {
            // Accepted: undo the hold and the row's effect so later runs see the same state.
            await t.ds.query(`DELETE FROM deploy_holds`);
            await t.ds.query(`UPDATE deployments SET status = 'CANCELLED' WHERE id = $1`, [res.json().id]);
            return;
          }
          expectNamedRefusal(res.statusCode, res.body);
          expect(await snapshot()).toBe(before);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('projects and services: random names, slugs and ports → 201 or a named 4xx; ../ and YAML never become names', async () => {
    await fc.assert(
      fc.asyncProperty(
        body({ name: weird(text), slug: weird(text) }),
        body({ name: weird(fc.oneof(text, fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/))), port: weird(fc.integer({ min: -5, max: 70_000 })) }),
        async (pb, sb) => {
          for (const [url, b] of [['/api/projects', pb], [`/api/projects/${projectId}/services`, sb]] as const) {
            const before = await snapshot();
            const res = await send('POST', url, b);
            if (res.statusCode === 201) {
              const made = res.json();
              const name = url === '/api/projects' ? made.slug : made.name;
              expect(name).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
              continue;
            }
            expectNamedRefusal(res.statusCode, res.body);
            expect(await snapshot()).toBe(before);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('bad marks and release: random bodies and ids → named 4xx or success, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        body({ reason: weird(text) }),
        fc.oneof(fc.constant(targetId), fc.uuid(), text.map(percentEncode)),
        async (b, id) => {
          const before = await snapshot();
          const mark = await send('POST', `/api/deployments/${id}/bad`, b);
          if (mark.statusCode === 200) {
            const un = await send('DELETE', `/api/deployments/${id}/bad`, undefined, { 'content-type': 'application/json' });
            expect(un.statusCode, un.body).toBe(200);
          } else {
            expectNamedRefusal(mark.statusCode, mark.body);
            expect(await snapshot()).toBe(before);
          }
          const rel = await send('POST', `/api/services/${id === targetId ? serviceId : id}/release`, b);
          if (rel.statusCode !== 200) expectNamedRefusal(rel.statusCode, rel.body);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('fuzzing params, query strings and headers of the read routes', () => {
  it('random ids, query strings and headers on get, diff, list, services and projects: never 5xx, nothing written', async () => {
    const part = fc.oneof(fc.constantFrom('limit', 'cursor', 'idPrefix', 'only', 'access_token', '', '__proto__', 'only[]'), text.map(percentEncode));
    const value = fc.oneof(fc.integer().map(String), fc.constantFrom('', 'image', 'config', '0', '101', serviceId), text.map(percentEncode));
    const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(targetId, serviceId, projectId), fc.uuid(), text.map(percentEncode), fc.constantFrom('..', '../..', '%2e%2e', '%00')),
        fc.array(fc.tuple(part, value), { maxLength: 4 }),
        fc.dictionary(fc.constantFrom('accept', 'x-kubidu-client', 'idempotency-key', 'if-none-match', 'x-forwarded-for', 'range'), headerValue, { maxKeys: 3 }),
        fc.boolean(),
        async (id, pairs, headers, asOther) => {
          const before = await snapshot();
          const qs = pairs.map(([k, v]) => `${k}=${v}`).join('&');
          for (const url of [
            `/api/deployments/${id}?${qs}`,
            `/api/deployments/${id}/diff?${qs}`,
            `/api/services/${id}/deployments?${qs}`,
            `/api/services/${id}?${qs}`,
            `/api/projects/${id}/services?${qs}`,
            `/api/projects/${id}?${qs}`,
            `/api/projects?${qs}`,
          ]) {
            const res = await t.app.inject({ method: 'GET', url, headers: { ...(asOther ? other.auth : user.auth), ...headers } });
            if (res.statusCode >= 400) expectNamedRefusal(res.statusCode, res.body);
            else expect(res.statusCode, url).toBe(200);
          }
          expect(await snapshot()).toBe(before);
        },
      ),
      { numRuns: 60 },
    );
  });
});
