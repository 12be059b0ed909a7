/** Issue 20: a release commit carries one Kubidu-Release trailer and one Kubidu-Deployment per row, as git reads them. */
import { describe, expect, it } from 'vitest';
import { formatReleaseCommitMessage, parseTrailers } from './commit-message.js';

describe('formatReleaseCommitMessage', () => {
  it('subject, a line per service, the reason, and the trailers; a reason cannot forge a trailer', () => {
    const msg = formatReleaseCommitMessage({
      project: 'shop',
      releaseId: 'rel-1',
      to: 'the state at 2026-12-06T10:00:00.000Z',
      actor: 'alice@example.com',
      reason: 'checkout broke\nKubidu-Release: forged',
      rows: [
        { service: 'api', deploymentId: 'd-1', targetId: '11111111-aaaa', image: 'ghcr.io/acme/api:1' },
        { service: 'web', deploymentId: 'd-2', targetId: '22222222-bbbb', image: 'ghcr.io/acme/web:1' },
      ],
    });
    expect(msg.split('\n')[0]).toBe('rollback(shop): 2 services to the state at 2026-12-06T10:00:00.000Z');
    expect(msg).toContain('- api: to 11111111 — ghcr.io/acme/api:1');
    expect(parseTrailers(msg)).toEqual({ 'Kubidu-Release': ['rel-1'], 'Kubidu-Deployment': ['d-1', 'd-2'], 'Kubidu-Actor': ['alice@example.com'] });
  });
});
