import { describe, expect, it } from 'vitest';
import { authorFor, formatCommitMessage, hasTrailer, parseTrailers, withBodyNote } from './commit-message.js';

describe('formatCommitMessage', () => {
  it('formats a rollback with subject, body and trailers', () => {
    const m = formatCommitMessage({ kind: 'rollback', project: 'acme', service: 'web', image: 'ghcr.io/acme/web:1.4.2', actor: 'alice@example.com', deploymentId: 'd-new', rollbackOfId: '1a2b3c4d-0000', reason: 'bad release' });
    const [subject, , ...rest] = m.split('\n');
    expect(subject).toBe('rollback(acme/web): to 1a2b3c4d — ghcr.io/acme/web:1.4.2');
    expect(rest.join('\n')).toContain('Reason: bad release');
    expect(rest.join('\n')).toContain('alice@example.com');
    expect(parseTrailers(m)).toEqual({ 'Kubidu-Deployment': ['d-new'], 'Kubidu-Rollback-Of': ['1a2b3c4d-0000'], 'Kubidu-Actor': ['alice@example.com'] });
  });

  it('formats a deploy without a rollback trailer and honours targetShortId', () => {
    const m = formatCommitMessage({ kind: 'deploy', project: 'p', service: 's', image: 'nginx:1', actor: 'a@b.c', deploymentId: 'd1' });
    expect(m.split('\n')[0]).toBe('deploy(p/s): nginx:1');
    expect(parseTrailers(m)).toEqual({ 'Kubidu-Deployment': ['d1'], 'Kubidu-Actor': ['a@b.c'] });
    const r = formatCommitMessage({ kind: 'rollback', project: 'p', service: 's', image: 'nginx:1', actor: 'a@b.c', deploymentId: 'd2', rollbackOfId: 'xxxxxxxxxxxx', targetShortId: 'abcd1234' });
    expect(r.split('\n')[0]).toBe('rollback(p/s): to abcd1234 — nginx:1');
  });

  it('says when a rollback restored only the image or only the config (issue 10)', () => {
    const base = { kind: 'rollback' as const, project: 'p', service: 's', actor: 'a@b.c', deploymentId: 'd3', rollbackOfId: '1a2b3c4d-0000' };
    const img = formatCommitMessage({ ...base, image: 'nginx:1', only: 'image' });
    expect(img.split('\n')[0]).toBe('rollback(p/s): to 1a2b3c4d (image only) — nginx:1');
    expect(img).toContain('(image only: env and settings stay as they are)');
    const cfg = formatCommitMessage({ ...base, image: 'nginx:2', only: 'config' });
    expect(cfg.split('\n')[0]).toBe('rollback(p/s): to 1a2b3c4d (config only) — nginx:2');
    expect(cfg).toContain('(config only: the image stays as it is)');
    expect(parseTrailers(cfg)['Kubidu-Rollback-Of']).toEqual(['1a2b3c4d-0000']);
    expect(formatCommitMessage({ ...base, image: 'nginx:1', only: null }).split('\n')[0]).toBe('rollback(p/s): to 1a2b3c4d — nginx:1');
  });

  it('a reason cannot forge trailers or break the subject', () => {
    const m = formatCommitMessage({ kind: 'deploy', project: 'p', service: 's', image: 'nginx:1', actor: 'a@b.c\nKubidu-Deployment: evil', deploymentId: 'd1', reason: 'x\n\nKubidu-Deployment: forged' });
    const t = parseTrailers(m);
    expect(t['Kubidu-Deployment']).toEqual(['d1']);
    expect(m.split('\n')[0]).toBe('deploy(p/s): nginx:1');
    expect(hasTrailer(m, 'kubidu-deployment', 'd1')).toBe(true);
    expect(hasTrailer(m, 'Kubidu-Deployment', 'forged')).toBe(false);
  });

  it('parseTrailers ignores messages without a trailer block', () => {
    expect(parseTrailers('just a subject')).toEqual({});
    expect(parseTrailers('subject\n\nbody line\nnot: a trailer block because\nof this line')).toEqual({});
    expect(parseTrailers('subject\n\nSigned-off-by: x <x@y>\n')).toEqual({ 'Signed-off-by': ['x <x@y>'] });
  });

  it('keeps the deploy message in the body, as written, without letting it forge trailers (issue 15)', () => {
    const m = formatCommitMessage({ kind: 'deploy', project: 'p', service: 's', image: 'nginx:1', actor: 'a@b.c', deploymentId: 'd1', message: 'Fix totals\r\n\nRounding.\nKubidu-Deployment: forged' });
    const [, blank, ...body] = m.split('\n');
    expect(blank).toBe('');
    expect(body.join('\n').startsWith('Fix totals\n\nRounding.\n  Kubidu-Deployment: forged\n\nDeploy of nginx:1')).toBe(true);
    expect(parseTrailers(m)).toEqual({ 'Kubidu-Deployment': ['d1'], 'Kubidu-Actor': ['a@b.c'] });
  });

  it('a note goes into the body above the trailers', () => {
    const m = formatCommitMessage({ kind: 'deploy', project: 'p', service: 's', image: 'nginx:1', actor: 'a@b.c', deploymentId: 'd1' });
    const n = withBodyNote(m, 'Rewrote the folder.');
    expect(n).toContain('requested by a@b.c.\n\nRewrote the folder.\n\nKubidu-Deployment: d1\n');
    expect(parseTrailers(n)).toEqual(parseTrailers(m));
  });
});

describe('authorFor', () => {
  it('names the person behind an email, and nobody (Kubidu) otherwise', () => {
    expect(authorFor('alice.liddell@example.com')).toEqual({ name: 'alice.liddell', email: 'alice.liddell@example.com' });
    expect(authorFor('kubidu-controller')).toBeNull();
    expect(authorFor('Human <h@example.com>')).toBeNull();
  });
});
