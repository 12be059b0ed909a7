// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createApiClient } from '../../api/client.js';
import { apiKey } from '../../api/inject.js';
import type { MemberView } from '@kubidu/core/contract/members';
import { fakeFetch } from '../../../test/support/fixtures.js';
import MembersPanel from './MembersPanel.vue';

const P = 'p1';
const ada: MemberView = { userId: 'u1', email: 'ada@example.com', role: 'owner', addedAt: '2026-01-01T00:00:00Z' };
const bob: MemberView = { userId: 'u2', email: 'bob@example.com', role: 'oncall', addedAt: '2026-01-02T00:00:00Z' };

let wrapper: VueWrapper | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

function mountPanel(role: 'owner' | 'viewer' | 'oncall', permissions: string[], myEmail: string | null = null) {
  let members = [ada, bob];
  const { fetch, calls } = fakeFetch({
    [`GET /api/projects/${P}/members`]: () => ({ status: 200, body: { items: members } }),
    [`POST /api/projects/${P}/members`]: (c) => {
      const added = { userId: 'u3', email: (c.body as { email: string }).email, role: (c.body as { role: MemberView['role'] }).role, addedAt: '2026-01-03T00:00:00Z' };
      members = [...members, added];
      return { status: 201, body: added };
    },
    [`DELETE /api/projects/${P}/members/u2`]: () => {
      members = [ada];
      return { status: 204 };
    },
    [`PATCH /api/projects/${P}/members/u2`]: () => ({ status: 409, body: { statusCode: 409, code: 'LAST_OWNER', error: 'Conflict', message: 'A project keeps at least one owner: make someone else owner first' } }),
  });
  const api = createApiClient({ fetch, getToken: () => 'tok' });
  wrapper = mount(MembersPanel, { props: { projectId: P, role, permissions, myEmail }, global: { provide: { [apiKey as symbol]: api } } });
  return { calls };
}

describe('MembersPanel', () => {
  it('a viewer sees the members and roles, no controls, and why', async () => {
    mountPanel('viewer', ['read']);
    await flushPromises();
    expect(wrapper!.findAll('tbody tr').map((r) => r.text())).toEqual(['ada@example.comowner', 'bob@example.comoncall']);
    expect(wrapper!.find('select').exists()).toBe(false);
    expect(wrapper!.find('form').exists()).toBe(false);
    expect(wrapper!.findAll('button')).toHaveLength(0);
    expect(wrapper!.get('.role-lacks').text()).toContain('The viewer role cannot manage members');
  });

  it('an owner adds by email with a role, removes, and sees a refusal in words', async () => {
    const { calls } = mountPanel('owner', ['read', 'rollback', 'deploy', 'manage']);
    await flushPromises();
    await wrapper!.get('input[type="email"]').setValue('cy@example.com');
    await wrapper!.get('select[aria-label="Role of the new member"]').setValue('oncall');
    await wrapper!.get('form').trigger('submit');
    await flushPromises();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ email: 'cy@example.com', role: 'oncall' });
    expect(wrapper!.find('tr[data-member-email="cy@example.com"]').exists()).toBe(true);

    await wrapper!.get('select[aria-label="Role of bob@example.com"]').setValue('viewer');
    await flushPromises();
    expect(wrapper!.get('[role="alert"]').text()).toContain('at least one owner');

    await wrapper!.get('button[aria-label="Remove bob@example.com"]').trigger('click');
    await flushPromises();
    expect(wrapper!.find('tr[data-member-email="bob@example.com"]').exists()).toBe(false);
  });

  it('a member leaves after confirming (their own membership is deleted, the page is told); the only owner cannot', async () => {
    const { calls } = mountPanel('oncall', ['read', 'rollback'], 'Bob@example.com');
    await flushPromises();
    await wrapper!.get('.member-leave button').trigger('click');
    expect(wrapper!.get('[aria-label="Leave the project"]').text()).toContain('You lose access to this project at once');
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    await wrapper!.findAll('.member-leave button').find((b) => b.text() === 'Leave')!.trigger('click');
    await flushPromises();
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual([`/api/projects/${P}/members/u2`]);
    expect(wrapper!.emitted('left')).toHaveLength(1);
    wrapper!.unmount();

    mountPanel('owner', ['read', 'rollback', 'deploy', 'manage'], 'ada@example.com');
    await flushPromises();
    const only = wrapper!.get('.member-leave button');
    expect(only.attributes('disabled')).toBeDefined();
    expect(wrapper!.get('.member-leave').text()).toContain('You are the only owner');
  });
});
