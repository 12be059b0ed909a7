// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { deployment } from '../../../test/support/fixtures.js';
import DeploymentRow from './DeploymentRow.vue';

const now = Date.parse('2026-01-01T12:05:00Z');

describe('DeploymentRow', () => {
  it('shows the Rollback button only when canRollback, and emits the row on click', async () => {
    const yes = deployment({ status: 'SUCCESS', canRollback: true });
    const w = mount(DeploymentRow, { props: { deployment: yes, now } });
    const button = w.get('button');
    expect(button.text()).toContain('Rollback');
    expect(button.attributes('aria-label')).toBe(`Roll back to deployment ${yes.id.slice(0, 8)}`);
    await button.trigger('click');
    expect(w.emitted('rollback')).toEqual([[yes]]);

    for (const d of [
      deployment({ status: 'RUNNING', isCurrent: true, canRollback: false }),
      deployment({ status: 'FAILED', canRollback: false }),
      deployment({ status: 'QUEUED', canRollback: false }),
    ]) {
      expect(mount(DeploymentRow, { props: { deployment: d, now } }).find('button').exists()).toBe(false);
    }
  });

  it('shows id, status, image, message, actor, source, rollback origin, current mark and time', () => {
    const d = deployment({
      status: 'RUNNING',
      source: 'ROLLBACK',
      rollbackFromId: '1a2b3c4d-0000-4000-8000-000000000000',
      isCurrent: true,
      createdAt: '2026-01-01T12:00:00Z',
      reason: 'checkout broke',
    });
    const w = mount(DeploymentRow, { props: { deployment: d, now } });
    const text = w.text();
    expect(text).toContain(d.id.slice(0, 8));
    expect(text).toContain('Running');
    expect(text).toContain(d.imageUrl);
    expect(text).toContain(d.commitMessage!);
    expect(text).toContain('ada@example.com');
    expect(w.get('.source').text()).toBe('Rollback');
    expect(w.get('.rollback-of').text()).toBe('↩ Rollback of 1a2b3c4d');
    expect(w.get('.current-mark').text()).toBe('Current');
    expect(text).toContain('checkout broke');
    const time = w.get('time');
    expect(time.text()).toBe('5 minutes ago');
    expect(time.attributes('datetime')).toBe('2026-01-01T12:00:00Z');
    expect(time.attributes('title')).toMatch(/2026/);
  });

  it('links the manifests commit only when a URL template is configured', () => {
    const d = deployment();
    const plain = mount(DeploymentRow, { props: { deployment: d, now } });
    expect(plain.find('.manifests a').exists()).toBe(false);
    expect(plain.get('.manifests').text()).toContain('a1b2c3d');
    const linked = mount(DeploymentRow, { props: { deployment: d, now, commitUrlTemplate: 'https://git.example.com/c/{sha}' } });
    expect(linked.get('.manifests a').attributes('href')).toBe(`https://git.example.com/c/${d.manifestsCommitSha}`);
  });
});
