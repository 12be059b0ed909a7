import { describe, expect, it } from 'vitest';
import type { DeploymentDiff } from '@kubidu/core/contract/deployments';
import { formatDiff } from './format-deployment.js';
import { createStyle } from './output.js';

const base: DeploymentDiff = {
  targetId: 't',
  currentId: 'c',
  only: null,
  fields: [],
  env: { added: [], removed: [], changed: [] },
};

describe('formatDiff', () => {
  it('lists fields, env added/removed/changed, and shows secrets only as changed', () => {
    const text = formatDiff(
      {
        ...base,
        fields: [
          { field: 'image', from: 'acme/api:2.0', to: 'acme/api:1.0' },
          { field: 'replicas', from: 3, to: 2 },
          { field: 'memoryLimit', from: null, to: '256Mi' },
        ],
        env: {
          added: [{ key: 'FEATURE_X', isSecret: false }, { key: 'API_KEY', isSecret: true }],
          removed: [{ key: 'OLD', isSecret: false }],
          changed: [{ key: 'LOG_LEVEL', isSecret: false }, { key: 'DB_PASSWORD', isSecret: true }],
        },
      },
      {
        targetEnv: [
          { key: 'FEATURE_X', value: 'on', isSecret: false },
          { key: 'LOG_LEVEL', value: 'info', isSecret: false },
          { key: 'DB_PASSWORD', value: null, isSecret: true },
          { key: 'API_KEY', value: null, isSecret: true },
        ],
        currentEnv: [
          { key: 'LOG_LEVEL', value: 'debug', isSecret: false },
          { key: 'DB_PASSWORD', value: null, isSecret: true },
          { key: 'OLD', value: 'x', isSecret: false },
        ],
      },
    );
    expect(text.split('\n')).toEqual([
      '  image         acme/api:2.0 → acme/api:1.0',
      '  replicas      3 → 2',
      '  memory limit  (none) → 256Mi',
      '  env           + FEATURE_X=on',
      '                + API_KEY (secret) added',
      '                - OLD removed',
      '                ~ LOG_LEVEL: debug → info',
      '                ~ DB_PASSWORD (secret) changed',
      '',
    ]);
  });

  it('says "changed" for plain env when values are unknown', () => {
    const text = formatDiff({ ...base, env: { added: [], removed: [], changed: [{ key: 'A', isSecret: false }] } });
    expect(text).toContain('~ A changed');
  });

  it('says when nothing differs, and when there is no current deployment', () => {
    expect(formatDiff(base)).toMatch(/No differences/);
    expect(formatDiff({ ...base, currentId: null, fields: [{ field: 'image', from: null, to: 'a:1' }] })).toMatch(/no current deployment/);
  });

  it('colours only when asked', () => {
    const diff = { ...base, fields: [{ field: 'port' as const, from: 80, to: 8080 }] };
    expect(formatDiff(diff, { style: createStyle(true) })).toContain('\u001b[31m80\u001b[39m');
    expect(formatDiff(diff)).not.toContain('\u001b[');
  });
});
