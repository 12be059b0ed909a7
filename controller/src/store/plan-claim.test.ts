import { describe, expect, it } from 'vitest';
import { planClaim, type Candidate } from './plan-claim.js';

const c = (id: string, serviceId: string, seq: number, status: Candidate['status'] = 'QUEUED'): Candidate => ({
  id,
  serviceId,
  seq: BigInt(seq),
  status,
});

describe('planClaim', () => {
  it('lets the newest queued row of a service win and cancels the older ones', () => {
    const plan = planClaim([c('a1', 'A', 1), c('a2', 'A', 5), c('a3', 'A', 9)], new Set(), 10);
    expect(plan.claim).toEqual([{ id: 'a3', serviceId: 'A', resumed: false }]);
    expect(plan.cancel).toEqual([
      { id: 'a1', serviceId: 'A', supersededBy: 'a3' },
      { id: 'a2', serviceId: 'A', supersededBy: 'a3' },
    ]);
  });

  it('resumes an abandoned DEPLOYING row before looking at newer queued rows', () => {
    const plan = planClaim([c('a1', 'A', 1, 'DEPLOYING'), c('a2', 'A', 2)], new Set(), 10);
    expect(plan.claim).toEqual([{ id: 'a1', serviceId: 'A', resumed: true }]);
    expect(plan.cancel).toEqual([]);
  });

  it('skips services busy elsewhere and respects the limit, oldest service first', () => {
    const plan = planClaim([c('b1', 'B', 3), c('a1', 'A', 2), c('c1', 'C', 1), c('d1', 'D', 4)], new Set(['C']), 2);
    expect(plan.claim.map((x) => x.id)).toEqual(['a1', 'b1']);
    expect(plan.cancel).toEqual([]);
  });

  it('claims nothing from nothing', () => {
    expect(planClaim([], new Set(), 5)).toEqual({ claim: [], cancel: [] });
  });
});
