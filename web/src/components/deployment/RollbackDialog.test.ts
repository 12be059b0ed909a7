// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createApiClient } from '../../api/client.js';
import { apiKey } from '../../api/inject.js';
import type { DeploymentDiff } from '../../api/types.js';
import { deployment, fakeFetch, type Route } from '../../../test/support/fixtures.js';
import RollbackDialog from './RollbackDialog.vue';

const target = deployment({ status: 'SUCCESS', canRollback: true, imageUrl: 'shop/web:1.9' });
const diff: DeploymentDiff = {
  targetId: target.id,
  currentId: 'cur',
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
});
