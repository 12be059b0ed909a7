/**
 * The objects in argocd/ validate against the vendored Argo CD CRDs (openAPIV3Schema, with
 * unknown fields refused so a typo cannot be silently pruned by the API server), the
 * ApplicationSet template renders to a valid Application named {project}.{service} (two
 * services never share one) in the prefixed namespace, the AppProject lets Argo CD deploy only
 * into `kubidu-*` and only the kinds Kubidu renders, and the account and RBAC snippets give
 * Kubidu get/sync on its project only.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { appNameFor, buildSyncRequest } from '../../src/steps/sync-step.js';
import { DEFAULT_NAMESPACE_PREFIX, namespaceFor } from '@kubidu/core/domain/cluster-names';
import { renderServiceFiles, serviceDir } from '../../src/manifests/index.js';
import { toolOrSkip } from '../../../test-support/tools.js';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const load = (p: string) => parse(readFileSync(root(p), 'utf8'));

/** Refuses unknown fields wherever the schema lists properties and does not preserve unknowns. */
function closed(schema: any): any {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closed(s)])) : closed(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

function crdValidator(file: string) {
  const crd = load(`contracts/argocd/${file}`);
  const version = crd.spec.versions.find((v: any) => v.name === 'v1alpha1');
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The CRDs use OpenAPI formats (date-time, int64…): check the standard ones, accept Kubernetes' integer widths.
  addFormats(ajv);
  for (const f of ['int32', 'int64']) ajv.addFormat(f, { type: 'number', validate: Number.isInteger });
  const validate = ajv.compile(closed(version.schema.openAPIV3Schema));
  return (obj: unknown) => {
    const ok = validate(obj);
    return ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  };
}

const validateAppSet = crdValidator('applicationset-crd.yaml');
const validateApp = crdValidator('application-crd.yaml');

/** Argo CD's fasttemplate substitution for a git directory generator item. */
function renderTemplate(template: unknown, path: string): any {
  const segments = path.split('/');
  const params: Record<string, string> = { path, 'path.basename': segments.at(-1)!, 'path.basenameNormalized': segments.at(-1)! };
  segments.forEach((s, i) => (params[`path[${i}]`] = s));
  return JSON.parse(JSON.stringify(template), (_k, v) => (typeof v === 'string' ? v.replace(/\{\{\s*([^}\s]+)\s*\}\}/g, (_m, key) => {
    if (!(key in params)) throw new Error(`unknown template parameter ${key}`);
    return params[key];
  }) : v));
}

/** Argo CD's glob match of a destination namespace (`*` any run of characters). */
const globMatch = (glob: string, name: string) => new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(name);

/** Whether the AppProject lets an Application deploy into `namespace`. */
const projectAllows = (project: any, namespace: string) => project.spec.destinations.some((d: any) => globMatch(d.namespace, namespace));

// Skips on a machine without kubectl, fails under CI (scripts/ensure-system-deps.sh installs it).
const KUBECTL = toolOrSkip('kubectl');

/** What `kubectl kustomize` makes of the files Kubidu writes for one service. */
function renderedObjects(): Promise<any[]> {
  const root = mkdtempSync(join(tmpdir(), 'kubidu-argo-kinds-'));
  const files = renderServiceFiles(new Map(), {
    project: 'shop', service: 'web', image: 'nginx:1.27', port: 8080, replicas: 2, cpuLimit: '250m', memoryLimit: '128Mi',
    env: { A: '1' }, secretName: 'web-secrets-abc', deploymentId: 'd1',
  });
  for (const [p, c] of files) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), c);
  }
  return new Promise((resolve, reject) => {
    execFile(KUBECTL!, ['kustomize', join(root, serviceDir('shop', 'web'))], (err, out, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(parseAllDocuments(out).map((d) => d.toJS())));
  });
}

describe('argocd/ objects', () => {
  const appSet = load('argocd/application-set.yaml');

  it('the ApplicationSet validates against the ApplicationSet CRD', () => {
    expect(appSet).toMatchObject({ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet' });
    expect(validateAppSet(appSet)).toEqual([]);
  });

  it('the validator does refuse a broken ApplicationSet', () => {
    const broken = structuredClone(appSet);
    broken.spec.template.spec.syncPolicy.automated.selfheal = true; // wrong case
    broken.spec.generators[0].git.directories = 'apps/*/*';
    expect(validateAppSet(broken).length).toBeGreaterThanOrEqual(2);
  });

  it('uses a git directory generator over apps/*/* with auto-sync, prune, self-heal and the annotations', () => {
    expect(appSet.spec.generators[0].git.directories).toEqual([{ path: 'apps/*/*' }]);
    const t = appSet.spec.template;
    expect(t.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(t.metadata.annotations['argocd.argoproj.io/manifest-generate-paths']).toBe('.');
    expect(t.metadata.annotations['link.argocd.argoproj.io/external-link']).toMatch(/^https:\/\/.+\{\{path\[1\]\}\}\/\{\{path\.basename\}\}$/);
    expect(t.spec.project).toBe(load('argocd/app-project.yaml').metadata.name);
    expect(t.spec.source.repoURL).toBe(appSet.spec.generators[0].git.repoURL);
  });

  it('renders apps/shop/web to a valid Application named like ARGOCD_APP_TEMPLATE\'s default', () => {
    const t = renderTemplate(appSet.spec.template, 'apps/shop/web');
    const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { ...t.metadata, namespace: 'argocd' }, spec: t.spec };
    expect(app.metadata.name).toBe(appNameFor(undefined, { project: 'shop', service: 'web' }));
    expect(app.metadata.name).toBe('shop.web');
    expect(app.spec.source.path).toBe('apps/shop/web');
    expect(app.spec.destination.namespace).toBe(namespaceFor(DEFAULT_NAMESPACE_PREFIX, 'shop'));
    expect(app.spec.destination.namespace).toBe('kubidu-shop');
    expect(app.metadata.annotations['link.argocd.argoproj.io/external-link']).toBe('https://kubidu.example.com/p/shop/web');
    expect(validateApp(app)).toEqual([]);
  });

  it('two users\' services never share an Application: alice a/b-c and bob a-b/c', () => {
    const alice = renderTemplate(appSet.spec.template, 'apps/a/b-c');
    const bob = renderTemplate(appSet.spec.template, 'apps/a-b/c');
    expect(alice.metadata.name).not.toBe(bob.metadata.name);
    expect([alice.metadata.name, bob.metadata.name]).toEqual([
      appNameFor(undefined, { project: 'a', service: 'b-c' }),
      appNameFor(undefined, { project: 'a-b', service: 'c' }),
    ]);
  });

  it('syncs with FailOnSharedResource=true, from the template and in Kubidu\'s own sync request', () => {
    const options = appSet.spec.template.spec.syncPolicy.syncOptions;
    expect(options).toEqual(['CreateNamespace=true', 'FailOnSharedResource=true']);
    const app = renderTemplate(appSet.spec.template, 'apps/shop/web');
    const req = buildSyncRequest(app, { deploymentId: 'd1', actor: 'ada@example.com', commitSha: 'c'.repeat(40), reason: null });
    expect(req.syncOptions?.items).toEqual(['CreateNamespace=true', 'FailOnSharedResource=true']);
  });

  it('the AppProject allows only the prefixed namespaces: never kube-system, argocd or default', () => {
    const p = load('argocd/app-project.yaml');
    expect(p.spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: `${DEFAULT_NAMESPACE_PREFIX}*` }]);
    for (const ns of ['kube-system', 'kube-public', 'argocd', 'default', 'kubidu', 'shop']) expect(projectAllows(p, ns), ns).toBe(false);
    const app = renderTemplate(appSet.spec.template, 'apps/shop/web');
    expect(projectAllows(p, app.spec.destination.namespace)).toBe(true);
    // The check can fail: the shipped project of before allowed every namespace.
    expect(projectAllows({ spec: { destinations: [{ namespace: '*' }] } }, 'kube-system')).toBe(true);
  });

  it.skipIf(!KUBECTL)('the AppProject whitelists exactly the namespaced kinds Kubidu renders, and Namespace only cluster-wide', async () => {
    const p = load('argocd/app-project.yaml');
    const kinds = [...new Set((await renderedObjects()).map((o) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`))].sort();
    expect(kinds).toEqual(['/ConfigMap', '/Service', 'apps/Deployment']);
    expect(p.spec.namespaceResourceWhitelist.map((r: any) => `${r.group}/${r.kind}`).sort()).toEqual(kinds);
    expect(p.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
  });

  it('the AppProject has the shape Argo CD expects (its CRD is not in the vendored snapshot)', () => {
    const p = load('argocd/app-project.yaml');
    expect(p).toMatchObject({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'kubidu', namespace: 'argocd' } });
    expect(p.spec.sourceRepos).toEqual([appSet.spec.generators[0].git.repoURL]);
    for (const d of p.spec.destinations) expect(Object.keys(d).sort()).toEqual(['namespace', 'server']);
    expect(p.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
  });

  it('the account is API-key only and RBAC allows get and sync on the kubidu project only', () => {
    const cm = load('argocd/argocd-cm.patch.yaml');
    expect(cm.data['accounts.kubidu']).toBe('apiKey');
    const rbac = load('argocd/argocd-rbac-cm.patch.yaml');
    const keys = Object.keys(rbac.data);
    expect(keys).toEqual(['policy.kubidu.csv']); // adds to policy.csv, never replaces it
    const lines = rbac.data['policy.kubidu.csv'].trim().split('\n').map((l: string) => l.split(',').map((x) => x.trim()));
    const grants = lines.filter((l: string[]) => l[0] === 'p');
    expect(grants.map((l: string[]) => [l[2], l[3], l[4], l[5]])).toEqual([
      ['applications', 'get', 'kubidu/*', 'allow'],
      ['applications', 'sync', 'kubidu/*', 'allow'],
    ]);
    expect(lines.filter((l: string[]) => l[0] === 'g')).toEqual([['g', 'kubidu', grants[0][1]]]);
  });

  it('every YAML file in argocd/ is one of the objects checked above', () => {
    const files = ['app-project.yaml', 'application-set.yaml', 'argocd-cm.patch.yaml', 'argocd-rbac-cm.patch.yaml'];
    expect(readdirSync(root('argocd')).filter((f) => /\.ya?ml$/.test(f)).sort()).toEqual(files);
    for (const f of files) expect(parseAllDocuments(readFileSync(root(`argocd/${f}`), 'utf8'))).toHaveLength(1);
  });
});
