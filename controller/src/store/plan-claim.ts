/**
 * The pure part of a claim: given the claimable rows this worker locked and the
 * services that are busy elsewhere, decide which rows to start, which to resume
 * after a crash, and which queued rows a newer one supersedes. Unit-tested alone.
 */

export interface Candidate {
  id: string;
  serviceId: string;
  seq: bigint;
  status: 'QUEUED' | 'DEPLOYING';
}

export interface ClaimPlan {
  /** Rows to move to DEPLOYING under this worker's lease (fresh or resumed). */
  claim: Array<{ id: string; serviceId: string; resumed: boolean }>;
  /** Queued rows that never started and are superseded by a newer one of the same service. */
  cancel: Array<{ id: string; serviceId: string; supersededBy: string }>;
}

/**
 * One deployment per service at a time. A service with an abandoned DEPLOYING
 * row (its worker's lease expired) resumes that row first: it may already be
 * pushed. Otherwise the newest queued row wins and older queued rows are cancelled.
 * Services busy under another live lease, or locked by a concurrent claim, are left alone.
 */
export function planClaim(candidates: Candidate[], unavailableServices: ReadonlySet<string>, limit: number): ClaimPlan {
  const byService = new Map<string, Candidate[]>();
  for (const c of candidates) {
    if (unavailableServices.has(c.serviceId)) continue;
    const list = byService.get(c.serviceId) ?? [];
    list.push(c);
    byService.set(c.serviceId, list);
  }
  const plan: ClaimPlan = { claim: [], cancel: [] };
  // Oldest services first, so nobody starves.
  const services = [...byService.entries()].sort((a, b) => cmp(minSeq(a[1]), minSeq(b[1])));
  for (const [serviceId, rows] of services) {
    if (plan.claim.length >= limit) break;
    rows.sort((a, b) => cmp(a.seq, b.seq));
    const abandoned = rows.find((r) => r.status === 'DEPLOYING');
    if (abandoned) {
      plan.claim.push({ id: abandoned.id, serviceId, resumed: true });
      continue;
    }
    const newest = rows[rows.length - 1];
    plan.claim.push({ id: newest.id, serviceId, resumed: false });
    for (const r of rows.slice(0, -1)) plan.cancel.push({ id: r.id, serviceId, supersededBy: newest.id });
  }
  return plan;
}

function minSeq(rows: Candidate[]): bigint {
  return rows.reduce((m, r) => (r.seq < m ? r.seq : m), rows[0].seq);
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
