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
    const button = w.get('.button-rollback');
    expect(button.text()).toContain('Roll back');
    expect(button.attributes('aria-label')).toBe(`Roll back to deployment ${yes.id.slice(0, 8)}`);
    await button.trigger('click');
    expect(w.emitted('rollback')).toEqual([[yes]]);

    for (const d of [
      deployment({ status: 'RUNNING', isCurrent: true, canRollback: false }),
      deployment({ status: 'FAILED', canRollback: false }),
      deployment({ status: 'QUEUED', canRollback: false }),
    ]) {
      expect(mount(DeploymentRow, { props: { deployment: d, now } }).find('.button-rollback').exists()).toBe(false);
    }
  });

  it('a role without the rollback permission sees no Rollback, Mark bad or Unmark button (issue 17)', () => {
    const target = deployment({ status: 'SUCCESS', canRollback: true });
    const w = mount(DeploymentRow, { props: { deployment: target, now, can: { rollback: false, markBad: false } } });
    expect(w.find('.button-rollback').exists()).toBe(false);
    expect(w.find('.button-mark-bad').exists()).toBe(false);
    const bad = mount(DeploymentRow, { props: { deployment: deployment({ status: 'SUCCESS', bad: { reason: 'leaks', by: 'ada@example.com', at: '2026-01-01T12:00:00Z' } }), now, can: { rollback: false, markBad: false } } });
    expect(bad.find('.button-unmark').exists()).toBe(false);
    expect(mount(DeploymentRow, { props: { deployment: target, now, can: { rollback: true, markBad: true } } }).find('.button-mark-bad').exists()).toBe(true);
  });

  it('shows id, status, image, message, actor, source, rollback origin, current mark and time', () => {
    const d = deployment({
      status: 'RUNNING',
      source: 'ROLLBACK',
      rollbackFromId: '1a2b3c4d-0000-4000-8000-000000000000',
      door: 'rollback',
      via: 'web',
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
    expect(w.get('.source').text()).toBe('Rollback (web)');
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

  it('labels each door; a git row shows what it reverted and its warning where it can be seen', () => {
    const doors = [
      [deployment({ door: 'api', via: 'api' }), 'API'],
      [deployment({ door: 'cli', via: 'cli' }), 'CLI'],
      [deployment({ source: 'ROLLBACK', door: 'rollback', via: 'cli', rollbackFromId: '1a2b3c4d-0000-4000-8000-000000000000' }), 'Rollback (CLI)'],
      [deployment({ source: 'GIT', door: 'git', via: null }), 'git'],
    ] as const;
    for (const [d, label] of doors) expect(mount(DeploymentRow, { props: { deployment: d, now } }).get('.source').text()).toBe(label);

    const git = deployment({
      source: 'GIT',
      door: 'git',
      via: null,
      actor: 'Ops <ops@example.com>',
      rollbackFromId: '0a0b0c0d-0000-4000-8000-000000000000',
      revertsDeploymentId: '1a2b3c4d-0000-4000-8000-000000000000',
      revertsSource: 'ROLLBACK',
      warning: 'secret S could not be matched',
    });
    const w = mount(DeploymentRow, { props: { deployment: git, now } });
    expect(w.get('.reverted').text()).toBe('⟲ Reverted rollback 1a2b3c4d');
    expect(w.find('.rollback-of').exists()).toBe(false);
    expect(w.get('[role="note"]').text()).toBe('⚠ Warning: secret S could not be matched');
    expect(w.text()).toContain('Ops <ops@example.com>');
  });

  it('shows a bad mark with its reason and no Rollback; marking asks for a reason; unmark emits', async () => {
    const bad = deployment({ status: 'SUCCESS', canRollback: false, bad: { reason: 'leaks memory', by: 'ada@example.com', at: '2026-01-01T12:01:00Z' } });
    const w = mount(DeploymentRow, { props: { deployment: bad, now } });
    expect(w.get('.bad-badge').text()).toBe('✗ Bad');
    expect(w.get('.bad-reason').text()).toContain('Marked bad by ada@example.com: leaks memory');
    expect(w.find('.button-rollback').exists()).toBe(false);
    expect(w.get('article').attributes('aria-label')).toContain('marked bad');
    await w.get('.button-unmark').trigger('click');
    expect(w.emitted('unmark')).toEqual([[bad]]);

    const ok = deployment({ status: 'SUCCESS', canRollback: true });
    const m = mount(DeploymentRow, { props: { deployment: ok, now }, attachTo: document.body });
    await m.get('.button-mark-bad').trigger('click');
    const submit = m.get('.mark-bad-form button[type="submit"]');
    expect(submit.attributes('disabled')).toBeDefined();
    await m.get('input[name="bad-reason"]').setValue('  crashes on start  ');
    await m.get('.mark-bad-form').trigger('submit');
    expect(m.emitted('mark-bad')).toEqual([[ok, 'crashes on start']]);
    expect(m.find('.mark-bad-form').exists()).toBe(false);
    m.unmount();
  });

  it('marks partial rollbacks and hold overrides', () => {
    const img = deployment({ source: 'ROLLBACK', door: 'rollback', rollbackFromId: '1a2b3c4d-0000-4000-8000-000000000000', rollbackOnly: 'image' });
    expect(mount(DeploymentRow, { props: { deployment: img, now } }).get('.rollback-of').text()).toBe('↩ Rollback of 1a2b3c4d (image only)');
    const over = deployment({ holdOverridden: true });
    expect(mount(DeploymentRow, { props: { deployment: over, now } }).get('.override-badge').text()).toBe('Overrode hold');
    expect(mount(DeploymentRow, { props: { deployment: deployment(), now } }).find('.override-badge').exists()).toBe(false);
  });
});
