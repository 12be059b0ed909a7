import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseWebhookEvent, precheckWebhook, verifyWebhook } from './webhook-verify.js';

const secret = 's3cret-value';
const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', before: 'a'.repeat(40), after: 'b'.repeat(40) }));
const hex = (b: Buffer, s = secret) => createHmac('sha256', s).update(b).digest('hex');

describe('verifyWebhook', () => {
  it('accepts a correct signature or token per provider', () => {
    expect(verifyWebhook({ 'x-hub-signature-256': `sha256=${hex(body)}`, 'x-github-event': 'push' }, body, secret)).toEqual({ ok: true, provider: 'github' });
    expect(verifyWebhook({ 'x-gitlab-token': secret, 'x-gitlab-event': 'Push Hook' }, body, secret)).toEqual({ ok: true, provider: 'gitlab' });
    expect(verifyWebhook({ 'x-gitea-signature': hex(body), 'x-hub-signature-256': `sha256=${hex(body)}`, 'x-gitea-event': 'push' }, body, secret)).toEqual({
      ok: true,
      provider: 'gitea',
    });
    expect(verifyWebhook({ 'x-gogs-signature': hex(body), 'x-gogs-event': 'push' }, body, secret)).toEqual({ ok: true, provider: 'gogs' });
  });

  it('refuses unsigned, wrong, tampered and half-valid deliveries', () => {
    expect(verifyWebhook({ 'x-github-event': 'push' }, body, secret).ok).toBe(false);
    expect(verifyWebhook({ 'x-hub-signature-256': `sha256=${hex(body, 'other')}` }, body, secret).ok).toBe(false);
    expect(verifyWebhook({ 'x-hub-signature-256': hex(body) }, body, secret).ok).toBe(false); // missing sha256= prefix
    expect(verifyWebhook({ 'x-hub-signature-256': `sha256=${hex(body)}` }, Buffer.concat([body, Buffer.from(' ')]), secret).ok).toBe(false);
    expect(verifyWebhook({ 'x-gitlab-token': 'nope' }, body, secret).ok).toBe(false);
    expect(verifyWebhook({ 'x-gitea-signature': hex(body), 'x-hub-signature-256': 'sha256=00' }, body, secret).ok).toBe(false);
  });
});

describe('parseWebhookEvent', () => {
  it('reads pushes from JSON and from GitHub form encoding; pings and other events are not pushes', () => {
    expect(parseWebhookEvent('github', { 'x-github-event': 'push' }, body, 'application/json')).toMatchObject({
      kind: 'push',
      branch: 'main',
      after: 'b'.repeat(40),
    });
    const form = Buffer.from(`payload=${encodeURIComponent(body.toString())}`);
    expect(parseWebhookEvent('github', { 'x-github-event': 'push' }, form, 'application/x-www-form-urlencoded')).toMatchObject({ kind: 'push', branch: 'main' });
    expect(parseWebhookEvent('gitlab', { 'x-gitlab-event': 'Push Hook' }, body, 'application/json')).toMatchObject({ kind: 'push' });
    expect(parseWebhookEvent('github', { 'x-github-event': 'ping' }, Buffer.from('{}'), 'application/json').kind).toBe('ping');
    expect(parseWebhookEvent('github', { 'x-github-event': 'issues' }, Buffer.from('{}'), 'application/json')).toMatchObject({ kind: 'other', event: 'issues' });
    expect(() => parseWebhookEvent('github', { 'x-github-event': 'push' }, Buffer.from('{'), 'application/json')).toThrow(/JSON/);
  });
});

describe('precheckWebhook (headers only, before the body is read)', () => {
  it('lets every well-formed signed delivery through to the body check', () => {
    for (const h of [
      { 'x-hub-signature-256': `sha256=${hex(body)}` },
      { 'x-hub-signature-256': `SHA256=${'0'.repeat(64)}` }, // wrong but well-formed: the body check decides
      { 'x-gitlab-token': secret },
      { 'x-gitea-signature': hex(body) },
      { 'x-gogs-signature': hex(body).toUpperCase() },
    ]) {
      expect(precheckWebhook(h, secret), JSON.stringify(h)).toBeNull();
    }
  });

  it('refuses unsigned deliveries, malformed signatures and a wrong GitLab token', () => {
    expect(precheckWebhook({ 'x-github-event': 'push' }, secret)?.reason).toMatch(/not signed/);
    for (const h of [
      { 'x-hub-signature-256': hex(body) },
      { 'x-hub-signature-256': 'sha256=xyz' },
      { 'x-gitea-signature': 'short' },
      { 'x-gogs-signature': `${hex(body)}00` },
      { 'x-gitlab-token': 'nope' },
      { 'x-gitlab-token': secret, 'x-hub-signature-256': 'sha1=abc' },
    ]) {
      expect(precheckWebhook(h, secret)?.ok, JSON.stringify(h)).toBe(false);
    }
  });
});
