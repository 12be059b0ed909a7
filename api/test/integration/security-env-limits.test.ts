/**
 * Issue 16.6 (sizes): a deployment's env must fit the objects it becomes — plain
 * env a ConfigMap committed to git (client-side apply keeps a 256 KiB annotation),
 * secrets a Kubernetes Secret (1 MiB, base64). Every door reaches the same core
 * write (createDeploy, and createEnvChange on top of it), so the deploy and the
 * env change are refused alike, with the limit and the size in the answer, and
 * nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ENV_VALUE_BYTES, MAX_PLAIN_ENV_BYTES, MAX_SECRET_ENV_BYTES } from '@kubidu/core/contract/common';
import { createService, createTestApp, deploy, registerUser, setStatus, type TestApp, type TestUser } from '../support/app.js';

let t: TestApp;
let alice: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.app);
});
afterAll(async () => t?.close());

const KIB = 1024;
/** `n` variables `K0..` each holding `bytes` ASCII bytes. */
const vars = (prefix: string, n: number, bytes: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'x'.repeat(bytes)]));
const rowCount = async (serviceId: string) =>
  (await t.ds.query(`SELECT count(*)::int AS n FROM deployments WHERE service_id = $1`, [serviceId]))[0].n as number;

describe('env size limits (ENV_TOO_LARGE)', () => {
  it('documents the limits under the Kubernetes object limits', () => {
    expect(MAX_PLAIN_ENV_BYTES).toBe(256 * KIB);
    expect(MAX_SECRET_ENV_BYTES).toBeLessThanOrEqual(768 * KIB); // 1 MiB once base64-encoded
    expect(MAX_ENV_VALUE_BYTES).toBe(32 * KIB);
  });

  it('a deploy whose plain env is over 256 KiB is a 400 naming the limit and the size; nothing is written', async () => {
    const { serviceId } = await createService(t.app, alice);
    const env = vars('K', 9, 30 * KIB); // 9 × 30 KiB + keys ≈ 270 KiB
    const res = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:1', env });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('ENV_TOO_LARGE');
    const size = 9 * 30 * KIB + 9 * 2;
    expect(body.data).toEqual({ what: 'plain env', limit: MAX_PLAIN_ENV_BYTES, size });
    expect(body.message).toContain('256 KiB');
    expect(body.message).toContain(String(size));
    expect(await rowCount(serviceId)).toBe(0);
    // Just under the limit is fine.
    const ok = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:1', env: vars('K', 8, 30 * KIB) });
    expect(ok.statusCode).toBe(202);
  });

  it('the limit counts the inherited env too: an env change that pushes the total over is refused', async () => {
    const { serviceId } = await createService(t.app, alice);
    const first = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:1', env: vars('A', 5, 30 * KIB) });
    expect(first.statusCode).toBe(202);
    await setStatus(t.ds, first.json().id, 'RUNNING');
    const before = await rowCount(serviceId);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/services/${serviceId}/env`,
      headers: alice.auth,
      payload: { set: vars('B', 4, 30 * KIB) },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ENV_TOO_LARGE', data: { what: 'plain env', limit: MAX_PLAIN_ENV_BYTES } });
    expect(await rowCount(serviceId)).toBe(before);
    // An image-only deploy of the same service still works (it inherits 150 KiB).
    expect((await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:2' })).statusCode).toBe(202);
  });

  it('secrets have their own total, checked on the sealed rows they inherit as well', async () => {
    const { serviceId } = await createService(t.app, alice);
    const first = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:1', secrets: vars('S', 12, 30 * KIB) });
    expect(first.statusCode).toBe(202);
    await setStatus(t.ds, first.json().id, 'RUNNING');
    const res = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:2', secrets: vars('T', 6, 30 * KIB) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ENV_TOO_LARGE', data: { what: 'secrets', limit: MAX_SECRET_ENV_BYTES } });
    expect(res.json().data.size).toBeGreaterThan(MAX_SECRET_ENV_BYTES);
  });

  it('one value is measured in bytes: 20 000 "€" (60 000 bytes) passes the character count but not the byte limit', async () => {
    const { serviceId } = await createService(t.app, alice);
    const res = await deploy(t.app, alice, serviceId, { image: 'ghcr.io/acme/web:1', env: { EURO: '€'.repeat(20_000) } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ENV_TOO_LARGE', data: { what: 'env value EURO', limit: MAX_ENV_VALUE_BYTES, size: 60_000 } });
    expect(await rowCount(serviceId)).toBe(0);
  });
});
