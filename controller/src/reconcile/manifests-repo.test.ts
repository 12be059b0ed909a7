import { describe, expect, it } from 'vitest';
import { makeObject } from '../adapters/git/objects.js';
import { renderServiceFiles, serviceFilePaths, type DesiredState } from '../manifests/render.js';
import { createServiceRenderer } from './manifests-repo.js';

const desired: DesiredState = {
  project: 'acme',
  service: 'web',
  image: 'ghcr.io/acme/web:1.0.0',
  port: 8080,
  replicas: 2,
  cpuLimit: '250m',
  memoryLimit: '256Mi',
  env: { GREETING: 'hello' },
  secretName: null,
  deploymentId: 'd1',
};
const paths = serviceFilePaths('acme', 'web');

/** A tip held in memory, counting the blob reads the renderer makes. */
function tip(files: Map<string, string>) {
  const reads: string[] = [];
  return {
    reads,
    files,
    view: {
      readFile: async (p: string) => (reads.push(p), files.get(p) ?? null),
      oidOf: async (p: string) => (files.has(p) ? makeObject('blob', Buffer.from(files.get(p)!, 'utf8')).oid : null),
    },
  };
}

describe('the service renderer', () => {
  it('answers only the files that change, and skips a settled deployment.yaml and service.yaml by blob id', async () => {
    const render = createServiceRenderer();
    const t = tip(renderServiceFiles(new Map(), desired));
    expect((await render(desired, t.view)).files).toEqual([]);
    expect(t.reads.sort()).toEqual(Object.values(paths).sort());

    t.reads.length = 0;
    const next = await render({ ...desired, image: 'ghcr.io/acme/web:2.0.0' }, t.view);
    expect(next.files.map((f) => f.path)).toEqual([paths.kustomization]);
    expect(next.files[0].content).toContain('newTag: "2.0.0"');
    expect(t.reads).toEqual([paths.kustomization]);
  });

  it('reads and renders again a file edited by hand (new blob) and any file after a port change', async () => {
    const render = createServiceRenderer();
    const t = tip(renderServiceFiles(new Map(), desired));
    await render(desired, t.view);

    t.files.set(paths.deployment, t.files.get(paths.deployment)!.replace('containerPort: 8080', 'containerPort: 9999'));
    t.reads.length = 0;
    const fixed = await render(desired, t.view);
    expect(t.reads).toContain(paths.deployment);
    expect(fixed.files.map((f) => f.path)).toEqual([paths.deployment]);
    expect(fixed.files[0].content).toContain('containerPort: 8080');
    t.files.set(paths.deployment, fixed.files[0].content!);

    t.reads.length = 0;
    const moved = await render({ ...desired, port: 3000 }, t.view);
    expect(t.reads.sort()).toEqual(Object.values(paths).sort());
    expect(moved.files.map((f) => f.path).sort()).toEqual([paths.deployment, paths.service].sort());
  });

  it('rewrites a broken folder whole, settled files included', async () => {
    const render = createServiceRenderer();
    const t = tip(renderServiceFiles(new Map(), desired));
    await render(desired, t.view);
    const good = new Map(t.files);
    t.files.set(paths.kustomization, 'images: [unclosed');
    t.files.set(paths.service, good.get(paths.service)! + '# a comment added by hand\n');
    const out = await render(desired, t.view);
    expect(out.broken?.problem).toMatch(/kustomization\.yaml does not parse/);
    expect(out.files.map((f) => f.path).sort()).toEqual([paths.kustomization, paths.service].sort());
    expect(out.files.find((f) => f.path === paths.service)!.content).toBe(good.get(paths.service));
  });
});
