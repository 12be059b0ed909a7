import { describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../adapters/git/commit-message.js';
import {
  describeRevert,
  formatActor,
  judgeTrailer,
  parseRevert,
  pickRestored,
  planImport,
  serviceDirsOf,
  topoOrder,
  type ComparableState,
  type NamedDeployment,
  type PlanCommit,
} from './plan-import.js';

const sha = (c: string) => c.repeat(40).slice(0, 40);
const author = { name: 'Ada Lovelace', email: 'ada@example.com' };
const rollbackMsg = formatCommitMessage({
  kind: 'rollback',
  project: 'shop',
  service: 'web',
  image: 'ghcr.io/acme/web:1.0.0',
  actor: 'dev@example.com',
  deploymentId: '11111111-2222-3333-4444-555555555555',
  rollbackOfId: '99999999-8888-7777-6666-555555555555',
});

function commit(c: string, message: string, paths: string[], parents: string[] = []): PlanCommit {
  return { sha: sha(c), parents, author, message, changedPaths: paths };
}

describe('planImport', () => {
  it('skips Kubidu commits (a trailer the database vouches for) and commits that touch no service folder', () => {
    const plans = planImport(
      [commit('a', rollbackMsg, ['apps/shop/web/kustomization.yaml']), commit('b', 'docs: readme\n', ['README.md', 'apps/README.md'])],
      undefined,
      new Map([[sha('a'), { trust: 'commit' as const }]]),
    );
    expect(plans.map((p) => p.action)).toEqual(['skip', 'skip']);
    expect(plans[0]).toMatchObject({ why: 'kubidu-commit' });
    expect(plans[1]).toMatchObject({ why: 'no-service-folder' });
  });

  it('imports a commit whose trailer is unchecked or not believed, with the reason as a warning', () => {
    const paths = ['apps/shop/web/kustomization.yaml'];
    const [unchecked, forged] = planImport(
      [commit('a', rollbackMsg, paths), commit('b', rollbackMsg, paths)],
      undefined,
      new Map([[sha('b'), { trust: 'none' as const, why: 'forged' }]]),
    );
    expect(unchecked).toMatchObject({ action: 'import', untrustedTrailer: expect.stringMatching(/not checked/) });
    expect(forged).toMatchObject({ action: 'import', untrustedTrailer: 'forged' });
  });

  it('a deployment in flight vouches only for its own folder', () => {
    const [own, both] = planImport(
      [commit('a', rollbackMsg, ['apps/shop/web/kustomization.yaml']), commit('b', rollbackMsg, ['apps/shop/web/kustomization.yaml', 'apps/shop/api/kustomization.yaml'])],
      undefined,
      new Map([
        [sha('a'), { trust: 'folder' as const, dir: 'apps/shop/web', why: 'other folder' }],
        [sha('b'), { trust: 'folder' as const, dir: 'apps/shop/web', why: 'other folder' }],
      ]),
    );
    expect(own).toMatchObject({ action: 'skip', why: 'kubidu-commit' });
    expect(both).toMatchObject({ action: 'import', untrustedTrailer: 'other folder' });
    if (both.action !== 'import') throw new Error('expected import');
    expect(both.services.map((s) => s.dir)).toEqual(['apps/shop/api']);
  });

  it('imports each service folder a foreign commit changed, with the author as actor and the subject', () => {
    const [p] = planImport([
      commit('c', 'bump web and api\n\nhotfix for INC-42\n', [
        'apps/shop/web/kustomization.yaml',
        'apps/shop/web/deployment.yaml',
        'apps/shop/api/kustomization.yaml',
        'README.md',
      ]),
    ]);
    expect(p).toMatchObject({
      action: 'import',
      subject: 'bump web and api',
      body: 'hotfix for INC-42',
      actor: 'Ada Lovelace <ada@example.com>',
      revert: null,
    });
    if (p.action !== 'import') throw new Error('expected import');
    expect(p.services.map((s) => s.dir)).toEqual(['apps/shop/web', 'apps/shop/api']);
  });

  it('recognises git revert of a Kubidu rollback commit by its trailers when the commit is known', () => {
    const revertMsg = `Revert "rollback(shop/web): to 99999999 — ghcr.io/acme/web:1.0.0"\n\nThis reverts commit ${sha('a')}.\n`;
    const plans = planImport([commit('d', revertMsg, ['apps/shop/web/kustomization.yaml'])], new Map([[sha('a'), rollbackMsg]]));
    expect(plans[0]).toMatchObject({
      action: 'import',
      body: '',
      revert: {
        revertedSha: sha('a'),
        revertedKind: 'rollback',
        revertedDeploymentId: '11111111-2222-3333-4444-555555555555',
        revertedRollbackOf: '99999999-8888-7777-6666-555555555555',
      },
    });
  });

  it('falls back to the quoted subject when the reverted commit is not known; unknown subjects give null', () => {
    expect(parseRevert(`Revert "deploy(shop/web): ghcr.io/acme/web:2"\n\nThis reverts commit ${sha('e')}.`)).toMatchObject({
      revertedKind: 'deploy',
      revertedDeploymentId: null,
    });
    expect(parseRevert(`Revert "bump"\n\nThis reverts commit ${sha('e')}.`)?.revertedKind).toBeNull();
    expect(parseRevert('fix: nothing to see\n')).toBeNull();
    // A foreign commit known to the batch is a "change"
    expect(parseRevert(`Revert "bump"\n\nThis reverts commit ${sha('e')}.`, new Map([[sha('e'), 'bump\n']]))?.revertedKind).toBe('change');
  });

  it('keeps the rest of a revert body but drops the "This reverts commit" line', () => {
    const [p] = planImport([commit('f', `Revert "x"\n\nThis reverts commit ${sha('a')}.\n\nbroke checkout\n`, ['apps/p/s/kustomization.yaml'])]);
    expect(p).toMatchObject({ action: 'import', body: 'broke checkout' });
  });
});

describe('helpers', () => {
  it('serviceDirsOf ignores files directly under apps/ and apps/<project>/', () => {
    expect(serviceDirsOf(['apps/README.md', 'apps/p/README.md', 'apps/p/s/x/y.yaml', 'apps/p/s/k.yaml']).map((s) => s.dir)).toEqual(['apps/p/s']);
  });
  it('formatActor', () => {
    expect(formatActor({ name: 'A <b>', email: 'a@x' })).toBe('A  b <a@x>');
    expect(formatActor({ name: '', email: 'a@x' })).toBe('<a@x>');
  });
  it('describeRevert', () => {
    expect(describeRevert('rollback', '1a2b3c4d')).toBe('Reverted rollback 1a2b3c4d');
    expect(describeRevert(null, '1a2b3c4d')).toBe('Reverted commit 1a2b3c4d');
  });
  it('pickRestored takes the newest candidate with exactly the observed state', () => {
    const s: ComparableState = { image: 'i:1', port: 80, replicas: 1, cpuLimit: null, memoryLimit: '1Gi', env: { A: '1' }, secretName: 'web-secrets-abc' };
    const cands = [
      { ...s, id: 'newest-other-env', env: { A: '2' } },
      { ...s, id: 'match-new' },
      { ...s, id: 'match-old' },
    ];
    expect(pickRestored(s, cands)?.id).toBe('match-new');
    expect(pickRestored({ ...s, secretName: null }, cands)).toBeNull();
  });
  it('topoOrder puts parents first across a --no-ff merge', () => {
    const B = { sha: 'B', parents: ['A'] };
    const C = { sha: 'C', parents: ['B'] };
    const M = { sha: 'M', parents: ['B', 'C'] };
    expect(topoOrder([C, B, M]).map((c) => c.sha)).toEqual(['B', 'C', 'M']);
  });
});

describe('judgeTrailer', () => {
  const id = '11111111-2222-3333-4444-555555555555';
  const named = (o: Partial<NamedDeployment>): NamedDeployment => ({ id, dir: 'apps/shop/web', status: 'RUNNING', commitSha: sha('a'), ...o });

  it('believes a trailer naming the deployment that recorded this very commit', () => {
    expect(judgeTrailer(sha('a'), id, named({}))).toEqual({ trust: 'commit' });
  });

  it('believes a deployment in flight with no commit yet, for its own folder only', () => {
    expect(judgeTrailer(sha('a'), id, named({ status: 'DEPLOYING', commitSha: null }))).toMatchObject({ trust: 'folder', dir: 'apps/shop/web' });
  });

  it('does not believe an unknown id, another commit, or a deployment that never committed', () => {
    expect(judgeTrailer(sha('a'), 'not-a-uuid', null)).toMatchObject({ trust: 'none', why: expect.stringMatching(/names no deployment/) });
    expect(judgeTrailer(sha('b'), id, named({}))).toMatchObject({ trust: 'none', why: expect.stringMatching(/recorded at commit aaaaaaaa, not this one/) });
    expect(judgeTrailer(sha('a'), id, named({ status: 'QUEUED', commitSha: null }))).toMatchObject({ trust: 'none', why: expect.stringMatching(/has no commit \(QUEUED\)/) });
    expect(judgeTrailer(sha('a'), id, named({ status: 'CANCELLED', commitSha: null }))).toMatchObject({ trust: 'none' });
  });
});
