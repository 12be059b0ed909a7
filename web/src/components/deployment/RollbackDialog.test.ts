// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createApiClient } from '../../api/client.js';
import { apiKey } from '../../api/inject.js';
import type { DeploymentDiff } from '@kubidu/core/contract/deployments';
import { deployment, fakeFetch, type Route } from '../../../test/support/fixtures.js';
import RollbackDialog from './RollbackDialog.vue';

const target = deployment({ status: 'SUCCESS', canRollback: true, imageUrl: 'shop/web:1.9' });
const diff: DeploymentDiff = {
  targetId: target.id,
  currentId: 'cur',
  only: null,
  fields: [{ field: 'image', from: 'shop/web:2.0', to: 'shop/web:1.9' }],
  env: { added: [], removed: [], changed: [{ key: 'DB_PASSWORD', isSecret: true }] },
};

let wrapper: VueWrapper | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

function mountDialog(rollbackRoute: Route) {
  const { fetch, calls } = fakeFetch({
    [`GET /api/deployments/${target.id}/diff`]: () => ({ status: 200, body: diff }),
    [`POST /api/deployments/${target.id}/rollback`]: rollbackRoute,
  });
  const api = createApiClient({ fetch, getToken: () => 'tok' });
  wrapper = mount(RollbackDialog, { props: { target, serviceName: 'web' }, global: { provide: { [apiKey as symbol]: api } }, attachTo: document.body });
  return { w: wrapper, calls };
}

describe('RollbackDialog', () => {
  it('opens as a modal naming the target and shows the diff, secrets without values', async () => {
    const { w } = mountDialog(() => ({ status: 500 }));
    await flushPromises();
    const dialog = w.get('dialog');
    expect((dialog.element as HTMLDialogElement).open).toBe(true);
    expect(w.get('h2').text()).toBe(`Roll back to ${target.id.slice(0, 8)}?`);
    expect(dialog.attributes('aria-labelledby')).toBe(w.get('h2').attributes('id'));
    expect(w.text()).toContain('shop/web:2.0');
    expect(w.text()).toContain('Secret DB_PASSWORD changed (value hidden)');
  });

  it('Cancel posts nothing and emits only close', async () => {
    const { w, calls } = mountDialog(() => ({ status: 202, body: {} }));
    await flushPromises();
    await w.get('button[type="button"]').trigger('click');
    await flushPromises();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    expect(w.emitted('close')).toHaveLength(1);
    expect(w.emitted('rolled-back')).toBeUndefined();
  });

  it('Escape (the dialog cancel event) closes without posting', async () => {
    const { w, calls } = mountDialog(() => ({ status: 202, body: {} }));
    await flushPromises();
    await w.get('dialog').trigger('cancel');
    expect(w.emitted('close')).toHaveLength(1);
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('Confirm posts the rollback with the reason and an Idempotency-Key, then emits the new row', async () => {
    const created = deployment({ status: 'QUEUED', source: 'ROLLBACK', rollbackFromId: target.id });
    const { w, calls } = mountDialog(() => ({ status: 202, body: created }));
    await flushPromises();
    await w.get('textarea').setValue('1.9 was fine');
    await w.get('button[data-action="confirm"]').trigger('click');
    await flushPromises();
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0].body).toEqual({ reason: '1.9 was fine' });
    expect(posts[0].headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(w.emitted('rolled-back')).toEqual([[created]]);
    expect(w.emitted('close')).toHaveLength(1);
  });

  it.each([
    [403, 'FORBIDDEN', 'Forbidden', 'You do not have permission to roll back this service.'],
    [400, 'ROLLBACK_TARGET_INVALID', 'Cannot rollback to a failed deployment', 'Cannot rollback to a failed deployment'],
    [409, 'ROLLBACK_TARGET_CURRENT', 'Conflict', 'This deployment is already the current one; there is nothing to roll back.'],
  ])('shows a %i (%s) in words inside the dialog and stays open', async (status, code, message, words) => {
    const { w } = mountDialog(() => ({ status, body: { statusCode: status, code, message } }));
    await flushPromises();
    await w.get('button[data-action="confirm"]').trigger('click');
    await flushPromises();
    expect(w.get('[role="alert"]').text()).toBe(words);
    expect(w.get('[role="alert"]').attributes('data-code')).toBe(code);
    expect(w.emitted('close')).toBeUndefined();
    expect(w.emitted('rolled-back')).toBeUndefined();
  });

  it('the choice of what to roll back reloads the diff with ?only= and is sent with the rollback', async () => {
    const imageDiff: DeploymentDiff = { ...diff, only: 'image', env: { added: [], removed: [], changed: [] } };
    const configDiff: DeploymentDiff = { ...diff, only: 'config', fields: [{ field: 'replicas', from: 1, to: 3 }] };
    const created = deployment({ status: 'QUEUED', source: 'ROLLBACK', rollbackFromId: target.id, rollbackOnly: 'config' });
    const { fetch, calls } = fakeFetch({
      [`GET /api/deployments/${target.id}/diff`]: (c) => {
        const only = new URL(c.url, 'http://x').searchParams.get('only');
        return { status: 200, body: only === 'image' ? imageDiff : only === 'config' ? configDiff : diff };
      },
      [`POST /api/deployments/${target.id}/rollback`]: () => ({ status: 202, body: created }),
    });
    const api = createApiClient({ fetch, getToken: () => 'tok' });
    wrapper = mount(RollbackDialog, { props: { target, serviceName: 'web' }, global: { provide: { [apiKey as symbol]: api } }, attachTo: document.body });
    const w = wrapper;
    await flushPromises();
    const radios = w.findAll('input[name="rollback-only"]');
    expect(radios.map((r) => (r.element as HTMLInputElement).value)).toEqual(['all', 'image', 'config']);
    expect((radios[0].element as HTMLInputElement).checked).toBe(true);
    expect(w.text()).toContain('Secret DB_PASSWORD changed');

    await radios[1].setValue(true);
    await flushPromises();
    expect(calls.filter((c) => c.url.includes('/diff')).at(-1)!.url).toContain('/diff?only=image');
    expect(w.text()).toContain('shop/web:2.0');
    expect(w.text()).not.toContain('DB_PASSWORD');
    expect(w.text()).toContain('in the image');
    expect(w.get('.dialog-intro').text()).toContain('with the current env and settings');

    await radios[2].setValue(true);
    await flushPromises();
    expect(calls.filter((c) => c.url.includes('/diff')).at(-1)!.url).toContain('/diff?only=config');
    expect(w.text()).not.toContain('shop/web:2.0');
    expect(w.text()).toContain('Replicas');
    expect(w.get('.dialog-intro').text()).toContain('current image with the env and settings of');

    await w.get('button[data-action="confirm"]').trigger('click');
    await flushPromises();
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ only: 'config' });
    expect(post.headers['x-kubidu-client']).toBe('web');
    expect(w.emitted('rolled-back')).toEqual([[created]]);
  });

  it('shows ROLLBACK_TARGET_BAD in words', async () => {
    const { w } = mountDialog(() => ({ status: 400, body: { statusCode: 400, code: 'ROLLBACK_TARGET_BAD', message: 'Cannot rollback to a deployment marked bad (leaks); unmark it first' } }));
    await flushPromises();
    await w.get('button[data-action="confirm"]').trigger('click');
    await flushPromises();
    expect(w.get('[role="alert"]').attributes('data-code')).toBe('ROLLBACK_TARGET_BAD');
    expect(w.get('[role="alert"]').text()).toContain('marked bad');
  });
});
