import { describe, expect, it } from 'vitest';
import type { DeploymentView } from '@kubidu/core/contract/deployments';
import { deploymentMessage, formatDeploymentsTable, formatHold } from './format-deployment.js';
import { createStyle, visibleLength } from './output.js';
import { fitWidths, formatAge, formatTable, truncate } from './table.js';

const now = new Date('2026-11-25T12:00:00Z');

function dep(over: Partial<DeploymentView>): DeploymentView {
  return {
    id: '3f2a9c1d-0000-4000-8000-000000000001',
    serviceId: 's',
    status: 'RUNNING',
    source: 'API',
    imageUrl: 'acme/api:1.0',
    commitSha: null,
    commitMessage: null,
    port: 8080,
    replicas: 1,
    cpuLimit: null,
    memoryLimit: null,
    rollbackFromId: null,
    revertsDeploymentId: null,
    warning: null,
    createdById: 'u',
    actor: 'ana@example.com',
    manifestsCommitSha: null,
    statusMessage: null,
    reason: null,
    createdAt: '2026-11-25T11:55:00Z',
    startedAt: null,
    finishedAt: null,
    isCurrent: false,
    canRollback: false,
    bad: null,
    rollbackOnly: null,
    via: 'api',
    door: 'api',
    holdOverridden: false,
    revertsSource: null,
    ...over,
  };
}

describe('formatTable', () => {
  it('aligns columns by visible width, ignoring colour codes', () => {
    const style = createStyle(true);
    const out = formatTable(['A', 'B', 'C'], [[style.red('xx'), 'y', 'z'], ['x', 'yyyy', '']]);
    const lines = out.trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''))).toEqual(['A   B     C', 'xx  y     z', 'x   yyyy']);
    expect(visibleLength(style.red('xx'))).toBe(2);
  });

  it('truncates with an ellipsis and flattens newlines', () => {
    expect(truncate('hello world', 5)).toBe('hell…');
    expect(truncate('a\nb', 10)).toBe('a b');
    expect(truncate('short', 5)).toBe('short');
  });

  it('formats ages', () => {
    expect(formatAge('2026-11-25T11:59:58Z', now)).toBe('just now');
    expect(formatAge('2026-11-25T11:59:00Z', now)).toBe('1m ago');
    expect(formatAge('2026-11-25T09:00:00Z', now)).toBe('3h ago');
    expect(formatAge('2026-11-20T12:00:00Z', now)).toBe('5d ago');
    expect(formatAge('2025-01-01T00:00:00Z', now)).toBe('2025-01-01');
  });
});

describe('formatDeploymentsTable', () => {
  it('shows short id, status, image, message, author, age, rollback marker and current star', () => {
    const rows = [
      dep({
        id: 'aaaaaaaa-0000-4000-8000-000000000003',
        source: 'ROLLBACK',
        rollbackFromId: '3f2a9c1d-0000-4000-8000-000000000001',
        door: 'rollback',
        via: 'cli',
        isCurrent: true,
        createdAt: '2026-11-25T11:59:00Z',
      }),
      dep({ id: 'bbbbbbbb-0000-4000-8000-000000000002', status: 'FAILED', imageUrl: 'acme/api:2.0', commitMessage: 'new checkout\nsecond line', createdAt: '2026-11-25T10:00:00Z' }),
      dep({ status: 'SUCCESS', canRollback: true, reason: 'first' }),
    ];
    const text = formatDeploymentsTable(rows, now);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s+ID\s+STATUS\s+IMAGE\s+MESSAGE\s+AUTHOR\s+AGE\s+DOOR$/);
    expect(lines[1]).toMatch(/^\*\s+aaaaaaaa\s+RUNNING\s+acme\/api:1\.0\s+Rollback to 3f2a9c1d\s+ana@example\.com\s+1m ago\s+rollback \(CLI\)\s+↩ 3f2a9c1d$/);
    expect(lines[2]).toMatch(/^\s+bbbbbbbb\s+FAILED\s+acme\/api:2\.0\s+new checkout second line\s+ana@example\.com\s+2h ago\s+API$/);
    expect(lines[3]).toMatch(/^\s+3f2a9c1d\s+SUCCESS\s+acme\/api:1\.0\s+first\s+ana@example\.com\s+5m ago\s+API$/);
    expect(text).not.toContain('\u001b[');
    // every row's status column starts at the same offset
    const col = lines[0].indexOf('STATUS');
    for (const l of lines.slice(1)) expect(l.slice(col)).toMatch(/^(RUNNING|FAILED|SUCCESS)/);
  });
});

describe('issue 10 in the history table', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  it('labels each door, a GIT revert of a rollback, its warning, bad marks, partial rollbacks and hold overrides', () => {
    const rows = [
      dep({
        id: 'cccccccc-0000-4000-8000-000000000004',
        source: 'GIT',
        door: 'git',
        via: null,
        actor: 'Ops <ops@example.com>',
        commitMessage: 'Revert "rollback(shop/api): to 3f2a9c1d"',
        revertsDeploymentId: '1a2b3c4d-0000-4000-8000-000000000009',
        revertsSource: 'ROLLBACK',
        warning: 'secret S could not be matched',
      }),
      dep({ id: 'dddddddd-0000-4000-8000-000000000005', door: 'cli', via: 'cli', holdOverridden: true, reason: 'hotfix' }),
      dep({
        id: '1a2b3c4d-0000-4000-8000-000000000009',
        source: 'ROLLBACK',
        door: 'rollback',
        via: 'web',
        rollbackFromId: '3f2a9c1d-0000-4000-8000-000000000001',
        rollbackOnly: 'image',
        commitMessage: 'Rollback to 3f2a9c1d (image only)',
        reason: 'checkout 500s',
      }),
      dep({ bad: { reason: 'leaks memory', by: 'ana@example.com', at: '2026-11-25T11:58:00Z' } }),
    ];
    const lines = formatDeploymentsTable(rows, now).trimEnd().split('\n');
    expect(lines[1]).toMatch(/cccccccc .*Ops <ops@example\.com>.*\bgit\s+reverted rollback 1a2b3c4d\s+⚠ secret S could not be matched$/);
    expect(lines[2]).toMatch(/dddddddd .*hotfix.*\bCLI\s+overrode hold$/);
    expect(lines[3]).toMatch(/1a2b3c4d .*Rollback to 3f2a9c1d \(image only\) — checkout 500s.*rollback \(web\)\s+↩ 3f2a9c1d \(image only\)$/);
    expect(lines[4]).toMatch(/3f2a9c1d .*\bAPI\s+✗ BAD: leaks memory$/);
  });

  it('joins a rollback reason to its message, and prints the hold line with how to release it', () => {
    expect(deploymentMessage(dep({ source: 'ROLLBACK', rollbackFromId: '3f2a9c1d-0000-4000-8000-000000000001', reason: 'why' }))).toBe('Rollback to 3f2a9c1d — why');
    expect(deploymentMessage(dep({ reason: 'only a reason' }))).toBe('only a reason');
    const line = formatHold(
      { serviceId: 's', rollbackId: '1a2b3c4d-0000-4000-8000-000000000009', heldBy: 'ana@example.com', reason: 'v2 broke', createdAt: '2026-11-25T11:50:00Z' },
      now,
    );
    expect(line).toBe('⏸ Deploys held since rollback 1a2b3c4d by ana@example.com (10m ago) — v2 broke. Release with: kubidu release\n');
  });
});

describe('fitting the terminal', () => {
  const long = (i: number) =>
    dep({
      id: `3f2a9c1d-0000-4000-8000-00000000000${i}`,
      imageUrl: 'registry.example.com/some-team/checkout-service:2026.11.25-build.1234',
      commitMessage: 'a deploy message long enough to be cut on any terminal narrower than the whole row',
      actor: 'alice.longname@example.com',
      door: 'cli',
      via: 'cli',
      bad: i === 1 ? { reason: 'leaks memory under load', by: 'bob@example.com', at: '2026-11-25T11:59:00Z' } : null,
    });
  const rows = [long(1), long(2), { ...long(3), isCurrent: true }];

  it.each([200, 100, 80, 60])('at %i columns no line is wider than the terminal; ID, STATUS and AGE stay', (width) => {
    for (const style of [createStyle(false), createStyle(true)]) {
      const lines = formatDeploymentsTable(rows, now, style, width).trimEnd().split('\n');
      expect(lines).toHaveLength(4);
      for (const l of lines) expect(visibleLength(l), l).toBeLessThanOrEqual(width);
      expect(lines[0]).toMatch(/ID\s+STATUS\s+IMAGE.*AGE/);
      expect(lines[3]).toMatch(/^\S*\*\S*\s+\S*3f2a9c1d\S*\s+\S*RUNNING\S*\s+\S*registry\.exampl.*5m ago/);
    }
  });

  it('cuts before it drops, drops DOOR first, and without a width prints every cell whole', () => {
    const whole = formatDeploymentsTable(rows, now).trimEnd().split('\n');
    expect(whole[1]).toContain('alice.longname@example.com');
    expect(whole[1]).toContain('✗ BAD: leaks memory under load');
    const at100 = formatDeploymentsTable(rows, now, createStyle(false), 100).trimEnd().split('\n');
    expect(at100[0]).toMatch(/MESSAGE\s+AUTHOR\s+AGE\s+DOOR/);
    expect(at100[1]).toMatch(/alice\.long\S*…/);
    const at80 = formatDeploymentsTable(rows, now, createStyle(false), 80).trimEnd().split('\n');
    expect(at80[0]).toMatch(/MESSAGE\s+AUTHOR\s+AGE$/);
    const at60 = formatDeploymentsTable(rows, now, createStyle(false), 60).trimEnd().split('\n');
    expect(at60[0]).toMatch(/IMAGE\s+MESSAGE\s+AGE$/);
  });

  it('fitWidths: never below a column\'s min, drops by rank, leaves fixed columns alone', () => {
    expect(fitWidths([10, 30, 30], [{}, { min: 5 }, { min: 5, drop: 1 }], 100)).toEqual([10, 30, 30]);
    expect(fitWidths([10, 30, 30], [{}, { min: 5 }, { min: 5, drop: 1 }], 50)).toEqual([10, 18, 18]);
    expect(fitWidths([10, 30, 30], [{}, { min: 5 }, { min: 5, drop: 1 }], 20)).toEqual([10, 8, -1]);
  });
});
