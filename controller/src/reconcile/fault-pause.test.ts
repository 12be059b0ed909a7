import { describe, expect, it } from 'vitest';
import { checkFaultConfig, faultPause, FAULT_POINTS } from './fault-pause.js';

describe('fault pause hook', () => {
  it('is off by default: every point passes straight through', async () => {
    const saved = process.env.KUBIDU_FAULT_PAUSE_AT;
    delete process.env.KUBIDU_FAULT_PAUSE_AT;
    try {
      for (const p of FAULT_POINTS) await expect(faultPause(p, 'd')).resolves.toBeUndefined();
    } finally {
      if (saved !== undefined) process.env.KUBIDU_FAULT_PAUSE_AT = saved;
    }
  });

  it('refuses a misspelt point at start-up, so a fault test cannot run without its fault', () => {
    expect(() => checkFaultConfig({ KUBIDU_FAULT_PAUSE_AT: 'after-psuh' })).toThrow(/KUBIDU_FAULT_PAUSE_AT must be one of after-claim, /);
    expect(() => checkFaultConfig({})).not.toThrow();
    for (const p of FAULT_POINTS) expect(() => checkFaultConfig({ KUBIDU_FAULT_PAUSE_AT: p })).not.toThrow();
  });
});
