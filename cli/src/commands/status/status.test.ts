import { describe, expect, it } from 'vitest';
import { createStyle } from '../../lib/output.js';
import { formatStatus } from './status.js';

describe('formatStatus', () => {
  it('shows the row, env with secrets hidden, and how to roll back to it', () => {
    const text = formatStatus(
      {
        id: '3f2a9c1d-0000-4000-8000-000000000001',
        serviceId: 's',
        status: 'SUCCESS',
        source: 'ROLLBACK',
        imageUrl: 'acme/api:1.0',
        commitSha: null,
        commitMessage: 'Rollback to 9a8b7c6d',
        port: 3000,
        replicas: 2,
        cpuLimit: '500m',
        memoryLimit: null,
        rollbackFromId: '9a8b7c6d-0000-4000-8000-000000000002',
        revertsDeploymentId: null,
        warning: null,
        createdById: 'u',
        actor: 'ana@example.com',
        manifestsCommitSha: 'abc123',
        statusMessage: 'replaced by 1b2c3d4e',
        reason: 'bad release',
        createdAt: '2026-11-25T11:00:00Z',
        startedAt: null,
        finishedAt: '2026-11-25T11:01:00Z',
        isCurrent: false,
        canRollback: true,
        bad: null,
        rollbackOnly: 'config',
        via: 'cli',
        door: 'rollback',
        holdOverridden: false,
        revertsSource: null,
        env: [
          { key: 'Z', value: '1', isSecret: false },
          { key: 'DB_PASSWORD', value: null, isSecret: true },
        ],
      },
      new Date('2026-11-25T12:00:00Z'),
      createStyle(false),
    );
    expect(text).toContain('Status      SUCCESS — replaced by 1b2c3d4e');
    expect(text).toContain('Source      ROLLBACK ↩ 9a8b7c6d (config only)');
    expect(text).toContain('Door        rollback (CLI)');
    expect(text).toContain('Message     Rollback to 9a8b7c6d\n');
    expect(text).toContain('Limits      cpu 500m, memory -');
    expect(text).toContain('Created     2026-11-25T11:00:00Z (1h ago)');
    expect(text).toContain('Reason      bad release');
    expect(text).toContain('Rollback    kubidu rollback 3f2a9c1d');
    expect(text).toContain('Env         DB_PASSWORD=(secret)\n            Z=1\n');
  });
});
