import { describe, expect, it } from 'vitest';
import type { Deployment } from './api-types.js';
import { formatDeploymentsTable } from './format-deployment.js';
import { createStyle, visibleLength } from './output.js';
import { formatAge, formatTable, truncate } from './table.js';

const now = new Date('2026-11-25T12:00:00Z');

function dep(over: Partial<Deployment>): Deployment {
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
        isCurrent: true,
        createdAt: '2026-11-25T11:59:00Z',
      }),
      dep({ id: 'bbbbbbbb-0000-4000-8000-000000000002', status: 'FAILED', imageUrl: 'acme/api:2.0', commitMessage: 'new checkout\nsecond line', createdAt: '2026-11-25T10:00:00Z' }),
      dep({ status: 'SUCCESS', canRollback: true, reason: 'first' }),
    ];
    const text = formatDeploymentsTable(rows, now);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s+ID\s+STATUS\s+IMAGE\s+MESSAGE\s+AUTHOR\s+AGE$/);
    expect(lines[1]).toMatch(/^\*\s+aaaaaaaa\s+RUNNING\s+acme\/api:1\.0\s+Rollback to 3f2a9c1d\s+ana@example\.com\s+1m ago\s+↩ 3f2a9c1d$/);
    expect(lines[2]).toMatch(/^\s+bbbbbbbb\s+FAILED\s+acme\/api:2\.0\s+new checkout second line\s+ana@example\.com\s+2h ago$/);
    expect(lines[3]).toMatch(/^\s+3f2a9c1d\s+SUCCESS\s+acme\/api:1\.0\s+first\s+ana@example\.com\s+5m ago$/);
    expect(text).not.toContain('\u001b[');
    // every row's status column starts at the same offset
    const col = lines[0].indexOf('STATUS');
    for (const l of lines.slice(1)) expect(l.slice(col)).toMatch(/^(RUNNING|FAILED|SUCCESS)/);
  });
});
