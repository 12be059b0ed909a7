import { describe, expect, it } from 'vitest';
import { createApiClient } from '../api/client.js';
import type { DeploymentDiff } from '@kubidu/core/contract/deployments';
import { deployment, fakeFetch } from '../../test/support/fixtures.js';
import { formatDiff, newIdempotencyKey, plainValues, rollbackErrorText, summarizeDiff, useRollback } from './useRollback.js';
import { ApiError } from '../api/client.js';

const diff: DeploymentDiff = {
  targetId: 't',
  currentId: 'c',
  only: null,
  fields: [
    { field: 'image', from: 'shop/web:2.0', to: 'shop/web:1.9' },
    { field: 'cpuLimit', from: '500m', to: null },
  ],
  env: {
    added: [{ key: 'FEATURE_X', isSecret: false }],
    removed: [{ key: 'OLD', isSecret: false }],
    changed: [
      { key: 'STRIPE_KEY', isSecret: true },
      { key: 'LOG_LEVEL', isSecret: false },
    ],
  },
};

describe('formatDiff', () => {
  it('puts fields as from → to and env keys as added/removed/changed, secrets without values', () => {
    const lines = formatDiff(diff);
    expect(lines[0]).toEqual({ kind: 'field', field: 'image', label: 'Image', from: 'shop/web:2.0', to: 'shop/web:1.9' });
    expect(lines[1]).toMatchObject({ label: 'CPU limit', from: '500m', to: 'none' });
    const env = lines.filter((l) => l.kind === 'env').map((l) => (l.kind === 'env' ? l.text : ''));
    expect(env).toEqual([
      'Variable FEATURE_X added',
      'Variable OLD removed',
      'Variable LOG_LEVEL changed',
      'Secret STRIPE_KEY changed (value hidden)',
    ]);
  });

  it('shows plain values as the CLI does (GREETING: hello v1 → hello v3), never a secret value', () => {
    const values = {
      from: plainValues([
        { key: 'LOG_LEVEL', value: 'debug', isSecret: false },
        { key: 'OLD', value: 'gone', isSecret: false },
        { key: 'STRIPE_KEY', value: null, isSecret: true },
      ]),
      to: plainValues([
        { key: 'LOG_LEVEL', value: 'info', isSecret: false },
        { key: 'FEATURE_X', value: 'on', isSecret: false },
        { key: 'STRIPE_KEY', value: 'should-never-show', isSecret: true },
      ]),
    };
    const env = formatDiff(diff, values).flatMap((l) => (l.kind === 'env' ? [l.text] : []));
    expect(env).toEqual([
      'Variable FEATURE_X added: on',
      'Variable OLD removed (was gone)',
      'LOG_LEVEL: debug → info',
      'Secret STRIPE_KEY changed (value hidden)',
    ]);
  });

  it('summarizes empty and current-less diffs in words', () => {
    expect(summarizeDiff(diff)).toBe('6 changes against the current deployment:');
    expect(summarizeDiff({ ...diff, fields: [], env: { added: [], removed: [], changed: [] } })).toMatch(/Nothing differs/);
    expect(summarizeDiff({ ...diff, currentId: null })).toMatch(/no current deployment/);
  });
});

describe('newIdempotencyKey', () => {
  it('makes a v4 uuid even without randomUUID (plain-http pages)', () => {
    const key = newIdempotencyKey({ getRandomValues: (a) => crypto.getRandomValues(a) });
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newIdempotencyKey()).not.toBe(newIdempotencyKey());
  });
});

describe('rollbackErrorText', () => {
  it('says 403, 409 and network failures in words', () => {
    expect(rollbackErrorText(new ApiError('FORBIDDEN', 'Forbidden', 403))).toMatch(/permission/);
    expect(rollbackErrorText(new ApiError('ROLLBACK_TARGET_CURRENT', 'x', 409))).toMatch(/already the current/);
    expect(rollbackErrorText(new ApiError('ROLLBACK_TARGET_INVALID', 'Cannot rollback to a failed deployment', 400))).toBe(
      'Cannot rollback to a failed deployment',
    );
    expect(rollbackErrorText(new ApiError('NETWORK_ERROR', '', 0))).toMatch(/Could not reach the server/);
  });
});

describe('useRollback', () => {
  it('loads the diff, posts with one Idempotency-Key across retries, and reports errors', async () => {
    const target = deployment({ status: 'SUCCESS', canRollback: true });
    const created = deployment({ status: 'QUEUED', source: 'ROLLBACK', rollbackFromId: target.id });
    let attempts = 0;
    const { fetch, calls } = fakeFetch({
      [`GET /api/deployments/${target.id}/diff`]: () => ({ status: 200, body: diff }),
      [`POST /api/deployments/${target.id}/rollback`]: () =>
        ++attempts === 1
          ? { status: 403, body: { statusCode: 403, code: 'FORBIDDEN', message: 'Forbidden' } }
          : { status: 202, body: created },
    });
    const r = useRollback(target, { api: createApiClient({ fetch, getToken: () => 't' }) });
    await r.loadDiff();
    expect(r.diff.value).toEqual(diff);

    r.reason.value = '  bad release ';
    expect(await r.confirm()).toBeNull();
    expect(r.error.value).toEqual({ code: 'FORBIDDEN', message: 'You do not have permission to roll back this service.' });
    expect(await r.confirm()).toEqual(created);
    expect(r.error.value).toBeNull();

    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts[0].body).toEqual({ reason: 'bad release' });
    expect(posts[0].headers['idempotency-key']).toBe(r.idempotencyKey);
    expect(posts[1].headers['idempotency-key']).toBe(r.idempotencyKey);
  });

  it('shows a diff failure in words', async () => {
    const target = deployment();
    const { fetch } = fakeFetch({});
    const r = useRollback(target, { api: createApiClient({ fetch, getToken: () => 't' }) });
    await r.loadDiff();
    expect(r.diffError.value).toBe(`no GET /api/deployments/${target.id}/diff`);
  });
});
