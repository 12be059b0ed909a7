/**
 * What Kubidu writes renders with the real `kubectl kustomize` into valid
 * Kubernetes objects carrying exactly the image and env it was asked for.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { renderServiceFiles, serviceDir, type DesiredState } from '../../src/manifests/index.js';
import { TEMPLATE_DIR } from '../../src/manifests/template.js';
import fc from 'fast-check';
import { toolOrSkip } from '../../../test-support/tools.js';

const NASTY_VALUES: Record<string, string> = {
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

// Skips on a machine without kubectl, fails under CI (scripts/ensure-system-deps.sh installs it).
const KUBECTL = toolOrSkip('kubectl');

function kustomize(dir: string): Promise<any[]> {
  return new Promise((resolve, reject) => {
    execFile(KUBECTL!, ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(stderr || err.message));
      else resolve(parseAllDocuments(stdout).map((d) => d.toJS()));
    });
  });
}

function writeFiles(files: Map<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kubidu-kust-'));
  for (const [p, c] of files) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), c);
  }
  return root;
}

const d: DesiredState = {
  project: 'acme',
  service: 'web',
  image: 'ghcr.io/acme/web:1.4.2',
  port: 3000,
  replicas: 3,
  cpuLimit: '250m',
  memoryLimit: null,
  env: NASTY_VALUES,
  secretName: 'web-secret-9f8e7d',
  deploymentId: 'dep-1',
};

describe.skipIf(!KUBECTL)('kubectl kustomize renders what Kubidu writes', () => {
  it('valid Deployment, Service and ConfigMap with the exact image, env, limits and secret reference', async () => {
    const root = writeFiles(renderServiceFiles(new Map(), d));
    const objs = await kustomize(join(root, serviceDir('acme', 'web')));
    const cm = objs.find((o) => o.kind === 'ConfigMap');
    const dep = objs.find((o) => o.kind === 'Deployment');
    const svc = objs.find((o) => o.kind === 'Service');
    for (const [Model, o] of [[ConfigMap, cm], [Deployment, dep], [Service, svc]] as const) {
      expect(o).toBeDefined();
      expect(() => new (Model as any)(o).validate()).not.toThrow();
    }
    expect(cm.data).toEqual(NASTY_VALUES);
    expect(cm.metadata.name).toMatch(/^web-env-[a-z0-9]+$/);
    const c = dep.spec.template.spec.containers[0];
    expect(c.image).toBe('ghcr.io/acme/web:1.4.2');
    expect(dep.spec.replicas).toBe(3);
    expect(c.ports[0].containerPort).toBe(3000);
    expect(c.readinessProbe.tcpSocket.port).toBe(3000);
    expect(c.resources.limits).toEqual({ cpu: '250m' });
    expect(c.envFrom).toEqual([{ configMapRef: { name: cm.metadata.name } }, { secretRef: { name: 'web-secret-9f8e7d' } }]);
    expect(svc.spec.ports[0].targetPort).toBe(3000);
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);
  });

  it('a digest-pinned image without secret renders too', async () => {
    const root = writeFiles(renderServiceFiles(new Map(), { ...d, image: 'nginx@sha256:' + 'a'.repeat(64), secretName: null, env: {} }));
    const objs = await kustomize(join(root, serviceDir('acme', 'web')));
    const dep = objs.find((o) => o.kind === 'Deployment');
    expect(dep.spec.template.spec.containers[0].image).toBe('nginx@sha256:' + 'a'.repeat(64));
    expect(dep.spec.template.spec.containers[0].envFrom).toHaveLength(1);
    expect(() => new Deployment(dep).validate()).not.toThrow();
  });

  it('random env values come out of kustomize byte for byte', async () => {
    const values = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { numRuns: 60, seed: 42 }).map((v) => v.replace(/[\uD800-\uDFFF\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/g, 'x'));
    const env: Record<string, string> = {};
    values.forEach((v, i) => (env[`K_${i}`] = v));
    const root = writeFiles(renderServiceFiles(new Map(), { ...d, env }));
    const cm = (await kustomize(join(root, serviceDir('acme', 'web')))).find((o) => o.kind === 'ConfigMap');
    expect(cm.data).toEqual(env);
  });

  it('names and images YAML 1.1 reads as booleans or numbers keep their meaning (first render and re-render)', async () => {
    // kustomize reads YAML 1.1: a plain `y` is true, `0b1` is 1. Every string Kubidu writes is quoted.
    const cases: Array<Pick<DesiredState, 'project' | 'service' | 'image'>> = [
      ...['y', 'on', 'off', 'yes', 'no', 'n', '0b1', '1e3', '0x1f', '012', 'null'].map((service) => ({ project: 'acme', service, image: 'nginx:1.27' })),
      { project: 'on', service: 'web', image: 'nginx:1.27' },
      { project: '0b1', service: 'n', image: 'on:1' },
      { project: 'acme', service: 'web', image: 'no:yes' },
      { project: 'acme', service: 'web', image: 'y' },
      { project: 'acme', service: 'web', image: 'registry.example.com/off:0b1' },
    ];
    for (const c of cases) {
      const desired: DesiredState = { ...d, ...c, env: { MODE: 'on' }, secretName: null };
      const first = renderServiceFiles(new Map(), desired);
      // Re-render over the files of a plain-named service: the values set in place are quoted too.
      const over = renderServiceFiles(new Map(renderServiceFiles(new Map(), { ...d, project: c.project, env: {} })), desired);
      for (const files of [first, over]) {
        const objs = await kustomize(join(writeFiles(files), serviceDir(c.project, c.service)));
        const dep = objs.find((o) => o.kind === 'Deployment');
        const svc = objs.find((o) => o.kind === 'Service');
        const cm = objs.find((o) => o.kind === 'ConfigMap');
        const label = JSON.stringify(c);
        expect(dep.metadata.name, label).toBe(c.service);
        expect(dep.metadata.labels, label).toMatchObject({ 'kubidu.io/project': c.project, 'kubidu.io/service': c.service });
        expect(dep.spec.selector.matchLabels['app.kubernetes.io/name'], label).toBe(c.service);
        expect(dep.spec.template.spec.containers[0].image, label).toBe(c.image);
        expect(svc.metadata.name, label).toBe(c.service);
        expect(svc.spec.selector, label).toEqual(dep.spec.selector.matchLabels);
        expect(cm.data, label).toEqual({ MODE: 'on' });
        expect(() => new Deployment(dep).validate()).not.toThrow();
      }
    }
  });

  it('the template base renders on its own', async () => {
    const objs = await kustomize(join(TEMPLATE_DIR, 'base'));
    expect(objs.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Service']);
    for (const o of objs) if (o.kind === 'Deployment') expect(() => new Deployment(o).validate()).not.toThrow();
  });
});
