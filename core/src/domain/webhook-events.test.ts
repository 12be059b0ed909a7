import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from './vocabulary.js';
import { eventTypeFor, renderEventBody, type WebhookEventBody } from './webhook-events.js';

const deploy = { rollbackOfId: null, source: 'API' };
const rollback = { rollbackOfId: 'b', source: 'ROLLBACK' };

describe('eventTypeFor', () => {
  it('maps audit actions to events; a finished rollback (manual, automatic or from git) is rollback.*', () => {
    expect(eventTypeFor(AUDIT_ACTIONS.deploymentCreated, deploy)).toBe('deployment.started');
    expect(eventTypeFor(AUDIT_ACTIONS.deploymentRollback, rollback)).toBe('rollback.started');
    expect(eventTypeFor(AUDIT_ACTIONS.gitChange, { rollbackOfId: null, source: 'GIT' })).toBe('deployment.started');
    expect(eventTypeFor(AUDIT_ACTIONS.gitChange, { rollbackOfId: 'x', source: 'GIT' })).toBe('rollback.started');
    expect(eventTypeFor(AUDIT_ACTIONS.gitChange, null)).toBeNull();
    expect(eventTypeFor(AUDIT_ACTIONS.deploymentRunning, deploy)).toBe('deployment.succeeded');
    expect(eventTypeFor(AUDIT_ACTIONS.deploymentRunning, rollback)).toBe('rollback.succeeded');
    expect(eventTypeFor(AUDIT_ACTIONS.deploymentFailed, deploy)).toBe('deployment.failed');
    expect(eventTypeFor(AUDIT_ACTIONS.deploymentFailed, { rollbackOfId: 'b', source: 'AUTO' })).toBe('rollback.failed');
    expect(eventTypeFor(AUDIT_ACTIONS.holdSet, rollback)).toBe('hold.set');
    expect(eventTypeFor(AUDIT_ACTIONS.holdReleased, rollback)).toBe('hold.released');
    expect(eventTypeFor(AUDIT_ACTIONS.deploymentMarkedBad, deploy)).toBe('deployment.marked_bad');
    expect(eventTypeFor(AUDIT_ACTIONS.deploymentUnmarkedBad, deploy)).toBe('deployment.unmarked_bad');
    for (const a of [AUDIT_ACTIONS.deploymentCommitted, AUDIT_ACTIONS.deploymentCancelled, AUDIT_ACTIONS.tokenCreated, AUDIT_ACTIONS.webhookCreated]) {
      expect(eventTypeFor(a, deploy), a).toBeNull();
    }
  });
});

describe('renderEventBody', () => {
  const e: WebhookEventBody = {
    id: 'ev-1',
    type: 'rollback.started',
    occurredAt: '2026-01-01T00:00:00.000Z',
    actor: 'kubidu auto-rollback',
    project: { id: 'p', slug: 'shop', name: 'Shop' },
    service: { id: 's', name: 'api' },
    deployment: {
      id: 'dddddddd-1', status: 'QUEUED', source: 'AUTO', via: null, imageUrl: 'r/shop:1', rollbackOfId: 'tttttttt-1',
      actor: 'kubidu auto-rollback', reason: 'deploy 2 failed: <Degraded> & crashing', statusMessage: null, manifestsCommitSha: null,
    },
    details: {},
  };

  it('json is the event itself', () => {
    expect(JSON.parse(renderEventBody(e, 'json'))).toEqual(e);
  });

  it('slack is {text, blocks}, says "automatic" for an AUTO rollback, and escapes &, < and >', () => {
    const s = JSON.parse(renderEventBody(e, 'slack'));
    expect(s.text).toBe('shop/api: automatic rollback dddddddd to deployment tttttttt (r/shop:1) started by kubidu auto-rollback — deploy 2 failed: &lt;Degraded&gt; &amp; crashing');
    expect(s.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: s.text } });
    expect(s.blocks[1].elements[0].text).toContain('rollback.started');
  });
});
