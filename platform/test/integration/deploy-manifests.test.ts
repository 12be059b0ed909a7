/**
 * deploy/: the Kustomize base, the CloudNativePG overlay and the monitoring
 * kustomization render with the real `kubectl kustomize`, and every object
 * validates against its Kubernetes schema (kubernetes-models; the Prometheus
 * Operator's models for PodMonitor and PrometheusRule). The CloudNativePG
 * Cluster has no schema package here: its few fields are checked by hand.
 * Then what the issue asks of the objects: replicas, probes, limits, non-root,
 * read-only root, the controller's 512 Mi, the Secret references, least-privilege
 * RBAC, and metric names in the alerts and dashboard that Kubidu really exports.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '@kubidu/core/metrics/metrics';
import { toolOrSkip } from '../../../test-support/tools.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const KUBECTL = toolOrSkip('kubectl');

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: any };

function render(dir: string): Obj[] {
  const out = execFileSync(KUBECTL!, ['kustomize', `${ROOT}deploy/${dir}`], { encoding: 'utf8' });
  return parseAllDocuments(out).map((d) => d.toJS() as Obj);
}

/** The model class for an object, from kubernetes-models or the Prometheus Operator's package. */
async function modelFor(o: Obj): Promise<(new (data: unknown) => { validate(): void }) | undefined> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const path =
    group === 'monitoring.coreos.com'
      ? `@kubernetes-models/prometheus-operator/${group}/${version}/${o.kind}`
      : `kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`;
  if (group === 'postgresql.cnpg.io') return undefined;
  const mod = (await import(path)) as Record<string, unknown>;
  return (mod[o.kind] ?? mod.default) as new (data: unknown) => { validate(): void };
}

async function validateAll(objs: Obj[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objs) {
    const Model = await modelFor(o);
    if (!Model) continue;
    try {
      new Model(o).validate();
    } catch (err) {
      problems.push(`${o.kind}/${o.metadata.name}: ${(err as Error).message}`);
    }
  }
  return problems;
}

const find = (objs: Obj[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name} in ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
};

const EXPORTED = new Set(
  createMetrics()
    .registry.getMetricsAsArray()
    .flatMap((m) => (String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_count`, `${m.name}_sum`] : [m.name])),
);
const metricNames = (expr: string) => [...expr.matchAll(/\b((?:kubidu|process|nodejs)_[a-z_]+)\b/g)].map((m) => m[1]);

describe.skipIf(!KUBECTL)('deploy/ renders and validates', () => {
  it('the validation refuses a broken object of each schema source', async () => {
    const [deployment] = render('base').filter((o) => o.kind === 'Deployment');
    const broken = structuredClone(deployment);
    broken.spec.replicas = 'two';
    expect(await validateAll([broken])).toEqual([expect.stringContaining('Deployment/kubidu-api')]);
    const rule = find(render('monitoring'), 'PrometheusRule', 'kubidu');
    const badRule = structuredClone(rule);
    badRule.spec.groups[0].rules[0].expr = { not: 'a string' };
    badRule.spec.groups[0].name = 42;
    expect(await validateAll([badRule])).toEqual([expect.stringContaining('PrometheusRule/kubidu')]);
  });

  it('the base: every object is valid, and it is the install ARCHITECTURE.md describes', async () => {
    const objs = render('base');
    expect(await validateAll(objs)).toEqual([]);
    expect(new Set(objs.map((o) => o.kind))).toEqual(
      new Set(['Namespace', 'ConfigMap', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy']),
    );
    const api = find(objs, 'Deployment', 'kubidu-api');
    const ctl = find(objs, 'Deployment', 'kubidu-controller');
    expect(api.spec.replicas).toBe(2);
    const [apiC] = api.spec.template.spec.containers;
    const [ctlC] = ctl.spec.template.spec.containers;
    expect(apiC.readinessProbe.httpGet.path).toBe('/readyz');
    expect(apiC.livenessProbe.httpGet.path).toBe('/healthz');
    expect(ctlC.resources.limits.memory).toBe('512Mi');
    expect(ctlC.args).toEqual(['controller/dist/main.js']);
    for (const [d, c] of [[api, apiC], [ctl, ctlC]] as const) {
      expect(d.metadata.namespace).toBe('kubidu');
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(c.resources.requests).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
    }
    const secretKeys = (c: any) => c.env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.valueFrom.secretKeyRef.key);
    expect(secretKeys(apiC)).toEqual(expect.arrayContaining(['DATABASE_URL', 'KUBIDU_ENCRYPTION_KEY', 'KUBIDU_JWT_SECRET']));
    expect(secretKeys(ctlC)).toEqual(expect.arrayContaining(['DATABASE_URL', 'KUBIDU_ENCRYPTION_KEY', 'ARGOCD_TOKEN', 'MANIFESTS_TOKEN', 'MANIFESTS_PASSWORD']));
    expect(apiC.env.find((e: any) => e.name === 'KUBIDU_CONTROLLER').value).toBe('off');
    // No secret value sits in the ConfigMap.
    const settings = find(objs, 'ConfigMap', 'kubidu-settings');
    expect(Object.keys(settings.data).filter((k) => /SECRET|TOKEN|PASSWORD|KEY|DATABASE_URL/.test(k))).toEqual([]);
  });

  it('the controller may patch Applications in argocd and create Secrets in kubidu-* only; the API has no token', async () => {
    const objs = render('base');
    expect(find(objs, 'Role', 'kubidu-applications')).toMatchObject({
      metadata: { namespace: 'argocd' },
      rules: [{ apiGroups: ['argoproj.io'], resources: ['applications'], verbs: ['get', 'list', 'watch', 'patch'] }],
    });
    expect(find(objs, 'ClusterRole', 'kubidu-secrets-creator').rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['create'] }]);
    const policy = find(objs, 'ValidatingAdmissionPolicy', 'kubidu-secrets-in-own-namespaces');
    expect(policy.spec.matchConditions[0].expression).toContain('system:serviceaccount:kubidu:kubidu-controller');
    expect(policy.spec.validations[0].expression).toBe('request.namespace.startsWith("kubidu-")');
    expect(find(objs, 'ValidatingAdmissionPolicyBinding', 'kubidu-secrets-in-own-namespaces').spec.validationActions).toEqual(['Deny']);
    expect(find(objs, 'ServiceAccount', 'kubidu-api').automountServiceAccountToken).toBe(false);
    // Every binding points at a subject that exists in the install.
    for (const b of objs.filter((o) => o.kind.endsWith('Binding') && o.subjects)) {
      for (const s of b.subjects) expect(find(objs, 'ServiceAccount', s.name).metadata.namespace).toBe(s.namespace);
    }
  });

  it('the metrics port is reachable only from the monitoring namespace and routed by no Service', async () => {
    const objs = render('base');
    const np = find(objs, 'NetworkPolicy', 'kubidu-api');
    const metricsRule = np.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 9464));
    expect(metricsRule.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    for (const svc of objs.filter((o) => o.kind === 'Service')) expect(svc.spec.ports.map((p: any) => p.targetPort)).not.toContain('metrics');
  });

  it('the CloudNativePG overlay adds a Cluster and takes DATABASE_URL from its app Secret', async () => {
    const objs = render('overlays/cloudnativepg');
    expect(await validateAll(objs)).toEqual([]);
    const cluster = find(objs, 'Cluster', 'kubidu-db');
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.spec).toMatchObject({ instances: 3, storage: { size: expect.any(String) }, bootstrap: { initdb: { database: 'kubidu', owner: 'kubidu' } } });
    for (const name of ['kubidu-api', 'kubidu-controller']) {
      const env = find(objs, 'Deployment', name).spec.template.spec.containers[0].env;
      expect(env.filter((e: any) => e.name === 'DATABASE_URL')).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: `${cluster.metadata.name}-app`, key: 'uri' } } }]);
    }
  });

  it('monitoring: PodMonitor, PrometheusRule and dashboard validate and use only metrics Kubidu exports', async () => {
    const objs = render('monitoring');
    expect(await validateAll(objs)).toEqual([]);
    const rule = find(objs, 'PrometheusRule', 'kubidu');
    const alerts = rule.spec.groups.flatMap((g: any) => g.rules);
    expect(alerts.map((r: any) => r.alert)).toEqual(expect.arrayContaining(['KubiduRollbackFailed', 'KubiduQueueStuck']));
    const dashboard = JSON.parse(readFileSync(`${ROOT}deploy/monitoring/grafana-dashboard.json`, 'utf8'));
    expect(JSON.parse(find(objs, 'ConfigMap', 'kubidu-grafana-dashboard').data['kubidu-dashboard.json'])).toEqual(dashboard);
    const exprs = [...alerts.map((r: any) => r.expr), ...dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr))];
    const used = exprs.flatMap(metricNames);
    expect(used.length).toBeGreaterThan(8);
    expect(used.filter((n: string) => !EXPORTED.has(n))).toEqual([]);
  });
});
