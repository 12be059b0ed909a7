import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'yaml';
import { decodeLiteral, encodeLiteral, limitsPatch, limitsPatchDoc, ManifestRenderError, readDesiredState, renderServiceFiles, serviceFilePaths, splitImage, type DesiredState } from './render.js';

const base: DesiredState = {
  project: 'acme',
  service: 'web',
  image: 'ghcr.io/acme/web:1.4.2',
  port: 8080,
  replicas: 2,
  cpuLimit: '500m',
  memoryLimit: '256Mi',
  env: {},
  secretName: null,
  deploymentId: 'dep-1',
};
const paths = serviceFilePaths('acme', 'web');

/** Values that break naive YAML/kustomize handling. */
export const NASTY_VALUES: Record<string, string> = {
  QUOTED: '"quoted"',
  SINGLE: "'single'",
  MIXED: `he said "it's" fine`,
  HASH: 'a # not a comment',
  COLON: 'key: value',
  NEWLINES: 'line1\nline2\n',
  TRAILING_NL: 'x\n\n',
  CRLF: 'a\r\nb',
  UNICODE: 'grüße 🚀 日本',
  DOCSEP: '---',
  DOCSEP2: '---\nkind: Secret\n...',
  YAMLISH: '{a: [1, 2]}',
  NUM: '0123',
  FLOAT: '1e3',
  BOOL: 'yes',
  NULLISH: 'null',
  TILDE: '~',
  SPACES: '  lead and trail  ',
  EMPTY: '',
  EQ: 'a=b=c',
  ANCHOR: '&x *y !tag',
  TAB: '\tindented',
  BACKSLASH: 'C:\\path\\n',
  PERCENT: '%TAG',
  AT: '@at `tick`',
  JUST_QUOTE: '"',
  BRACKETS: '[x]',
};

function roundTrip(d: DesiredState, existing = new Map<string, string | null>()) {
  const files = renderServiceFiles(existing, d);
  const back = readDesiredState(files);
  return { files, back };
}

describe('renderServiceFiles / readDesiredState', () => {
  it('round-trips image, replicas, port, limits, secret and tricky env exactly', () => {
    const d = { ...base, env: NASTY_VALUES, secretName: 'web-env-3f2a9c' };
    const { back } = roundTrip(d);
    expect(back).toEqual({
      ok: true,
      state: { project: 'acme', service: 'web', image: d.image, port: 8080, replicas: 2, cpuLimit: '500m', memoryLimit: '256Mi', env: NASTY_VALUES, secretName: 'web-env-3f2a9c' },
    });
  });

  it('round-trips any env value (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,12}$/), fc.string({ unit: 'binary' }), { maxKeys: 6 }), (env) => {
        const clean: Record<string, string> = {};
        for (const [k, v] of Object.entries(env)) clean[k] = v.replace(/[\uD800-\uDFFF]/g, 'x'); // lone surrogates are not valid text
        const { back } = roundTrip({ ...base, env: clean });
        expect(back.ok && back.state.env).toEqual(clean);
      }),
      { numRuns: 150 },
    );
  });

  it('writes kustomize fields: images, replicas, literals, limits patch', () => {
    const { files } = roundTrip({ ...base, env: { A: 'x' }, cpuLimit: null });
    const k = parse(files.get(paths.kustomization)!);
    expect(k.images).toEqual([{ name: 'app', newName: 'ghcr.io/acme/web', newTag: '1.4.2' }]);
    expect(k.replicas).toEqual([{ name: 'web', count: 2 }]);
    expect(k.configMapGenerator).toEqual([{ name: 'web-env', literals: ['A="x"'] }]);
    const patch = parse(k.patches[0].patch);
    expect(patch.spec.template.spec.containers[0].resources.limits).toEqual({ cpu: null, memory: '256Mi' });
    expect(patch.spec.template.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'web-env' } }]);
  });

  it('splits image references with registry ports, tags and digests', () => {
    expect(splitImage('localhost:5000/web')).toEqual({ newName: 'localhost:5000/web' });
    expect(splitImage('localhost:5000/web:2')).toEqual({ newName: 'localhost:5000/web', newTag: '2' });
    expect(splitImage('nginx@sha256:abc')).toEqual({ newName: 'nginx', digest: 'sha256:abc' });
    expect(splitImage('r.io/a/b:1.0@sha256:abc')).toEqual({ newName: 'r.io/a/b', newTag: '1.0', digest: 'sha256:abc' });
    for (const image of ['nginx', 'nginx@sha256:0123', 'r.io/a/b:1.0@sha256:abc', 'localhost:5000/web:2']) {
      const { back } = roundTrip({ ...base, image });
      expect(back.ok && back.state.image).toBe(image);
    }
  });

  it('literal encoding mirrors kustomize quote removal', () => {
    expect(decodeLiteral(encodeLiteral('K', '"v"'))).toEqual(['K', '"v"']);
    expect(decodeLiteral('K=v')).toEqual(['K', 'v']);
    expect(decodeLiteral("K='v'")).toEqual(['K', 'v']);
    expect(decodeLiteral('=v')).toBeNull();
  });

  it('keeps comments and fields a person added when it edits the files again', () => {
    const first = renderServiceFiles(new Map(), { ...base, env: { A: '1' } });
    const k = first
      .get(paths.kustomization)!
      .replace('images:', '# pinned by ops, see INC-42\nimages:')
      .replace('resources:\n', 'resources:\n  - extra-configmap.yaml # added by hand\n')
      .concat('commonAnnotations:\n  team: payments # owner\n');
    const dep = first.get(paths.deployment)!.replace('periodSeconds: 5', 'periodSeconds: 5 # tuned for slow boot');
    const second = renderServiceFiles(
      new Map([
        [paths.kustomization, k],
        [paths.deployment, dep],
        [paths.service, first.get(paths.service)!],
      ]),
      { ...base, image: 'ghcr.io/acme/web:2.0.0', replicas: 4, env: { A: '2', B: 'new' } },
    );
    const k2 = second.get(paths.kustomization)!;
    expect(k2).toContain('# pinned by ops, see INC-42');
    expect(k2).toContain('- extra-configmap.yaml # added by hand');
    expect(k2).toContain('team: payments # owner');
    expect(k2).toContain('# acme/web — written by Kubidu');
    expect(k2).toContain('newTag: "2.0.0"');
    expect(k2).toContain('count: 4');
    expect(second.get(paths.deployment)).toContain('periodSeconds: 5 # tuned for slow boot');
    const back = readDesiredState(second);
    expect(back.ok && back.state).toMatchObject({ image: 'ghcr.io/acme/web:2.0.0', replicas: 4, env: { A: '2', B: 'new' } });
  });

  it('renders the same desired state to identical bytes (so an unchanged deploy is a noop)', () => {
    const once = renderServiceFiles(new Map(), { ...base, env: NASTY_VALUES });
    const twice = renderServiceFiles(once, { ...base, env: NASTY_VALUES, deploymentId: 'other' });
    expect([...twice]).toEqual([...once]);
  });

  it('changes the port in the Deployment, probe and Service', () => {
    const files = renderServiceFiles(new Map(), base);
    const moved = renderServiceFiles(files, { ...base, port: 3000 });
    const dep = parse(moved.get(paths.deployment)!);
    expect(dep.spec.template.spec.containers[0].ports[0].containerPort).toBe(3000);
    expect(dep.spec.template.spec.containers[0].readinessProbe.tcpSocket.port).toBe(3000);
    expect(parse(moved.get(paths.service)!).spec.ports[0].targetPort).toBe(3000);
    expect(readDesiredState(moved)).toMatchObject({ ok: true, state: { port: 3000 } });
  });

  it('rejects input it cannot render safely', () => {
    expect(() => renderServiceFiles(new Map(), { ...base, service: 'Web_1' })).toThrow(ManifestRenderError);
    expect(() => renderServiceFiles(new Map(), { ...base, env: { 'BAD KEY': 'x' } })).toThrow(ManifestRenderError);
    expect(() => renderServiceFiles(new Map(), { ...base, port: 0 })).toThrow(ManifestRenderError);
    expect(() => renderServiceFiles(new Map([[paths.kustomization, 'a: [']]), base)).toThrow(ManifestRenderError);
  });

  it('reports files it cannot read back', () => {
    expect(readDesiredState(new Map())).toMatchObject({ ok: false });
    expect(readDesiredState(new Map([[paths.kustomization, 'resources: [']]))).toMatchObject({ ok: false });
    expect(readDesiredState(new Map([[paths.kustomization, 'resources: []\n']]))).toMatchObject({ ok: false, error: expect.stringContaining('deployment.yaml') });
  });
});

describe('the limits patch', () => {
  it('is byte for byte the document rendering, for every shape and for names that need escaping', () => {
    const names = ['web', 'a-b.c_d', 'y', 'on', '0b1', '1e3', '', 'with space', 'quo"te', 'tab\tx', 'grüße'];
    const limits = [null, '250m', '1', '0.5', '256Mi', 'yes'];
    for (const service of names)
      for (const cpuLimit of limits)
        for (const memoryLimit of [null, '256Mi', 'no'])
          for (const secretName of [null, 'web-secrets-0123456789ab', 'null']) {
            const d = { ...base, service, cpuLimit, memoryLimit, secretName };
            expect(limitsPatch(d)).toBe(limitsPatchDoc(d));
          }
  });
});
