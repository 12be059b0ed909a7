import { describe, expect, it } from 'vitest';
import { createFaultPause, FAULT_POINTS, NO_FAULT_PAUSE } from './fault-pause.js';

describe('fault pause hook', () => {
  it('is off by default: every point passes straight through', async () => {
    expect(NO_FAULT_PAUSE.at).toBeNull();
    for (const p of FAULT_POINTS) await expect(NO_FAULT_PAUSE.pause(p, 'd')).resolves.toBeUndefined();
    expect(createFaultPause(null)).toBe(NO_FAULT_PAUSE);
  });

  it('pauses only at its own point, after printing the marker', async () => {
    const lines: string[] = [];
    const hook = createFaultPause('after-push', (l) => lines.push(l));
    for (const p of FAULT_POINTS.filter((p) => p !== 'after-push')) await expect(hook.pause(p, 'd')).resolves.toBeUndefined();
    expect(lines).toEqual([]);
    const settled = await Promise.race([hook.pause('after-push', 'dep-1').then(() => 'resolved'), new Promise((r) => setTimeout(() => r('hanging'), 50))]);
    expect(settled).toBe('hanging');
    expect(lines).toEqual(['KUBIDU_FAULT_PAUSED after-push dep-1\n']);
  });
});
