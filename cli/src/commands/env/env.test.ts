import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../../test/support/fake-deps.js';
import { readSecrets } from './env.js';

const base = { cwd: '/nonexistent', configDir: '/nonexistent' };

describe('readSecrets', () => {
  it('asks for each value at a hidden prompt on a terminal', async () => {
    const deps = fakeDeps({ ...base, interactive: true, answers: ['v1', 'v2'] });
    expect(await readSecrets(['A', 'B'], deps)).toEqual({ A: 'v1', B: 'v2' });
    expect(deps.asked.map((a) => [a.kind, a.message])).toEqual([
      ['password', 'Value of secret A:'],
      ['password', 'Value of secret B:'],
    ]);
  });

  it('reads one value from stdin when not a terminal, without its trailing newline', async () => {
    expect(await readSecrets(['A'], fakeDeps({ ...base, stdin: 'line one\nline two\n' }))).toEqual({ A: 'line one\nline two' });
    await expect(readSecrets(['A', 'B'], fakeDeps({ ...base, stdin: 'x' }))).rejects.toThrow(/stdin carries one secret value/);
    await expect(readSecrets(['A'], fakeDeps({ ...base, stdin: '' }))).rejects.toThrow(/no value for secret A on stdin/);
  });

  it('never takes a value from argv, and checks names', async () => {
    await expect(readSecrets(['A=v'], fakeDeps({ ...base, interactive: true, answers: ['x'] }))).rejects.toThrow(/--secret takes only the name \(--secret A\)/);
    await expect(readSecrets(['1A'], fakeDeps(base))).rejects.toThrow(/--secret key "1A" must match/);
    await expect(readSecrets(['A', 'A'], fakeDeps(base))).rejects.toThrow(/--secret A is given more than once/);
  });
});
