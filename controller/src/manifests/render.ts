/**
 * What Kubidu writes into a service folder, and how it reads it back. Both are
 * pure: the write path renders from (current files, desired state), the git
 * door reads a commit's files back into a desired state. Existing files are
 * edited through the `yaml` Document API so comments people add survive.
 */
import { Document, isMap, isScalar, isSeq, parseDocument, visit, YAMLMap, YAMLSeq, Scalar, type Node } from 'yaml';
import { baseTemplates } from './template.js';
import { KubiduControllerError } from '../errors.js';
import { describeYamlError, plainOf } from './yaml-problem.js';

/** Everything one deployment decides about a service's manifests. */
export interface DesiredState {
  project: string;
  service: string;
  image: string;
  port: number;
  replicas: number;
  cpuLimit: string | null;
  memoryLimit: string | null;
  /** Plain (non-secret) env; values are kept byte for byte. */
  env: Record<string, string>;
  /** Name of the immutable Secret holding the secret env, or null. */
  secretName: string | null;
  deploymentId: string;
}

/** The desired state as read back from the files (the id lives in the commit trailer, not the files). */
export type ObservedState = Omit<DesiredState, 'deploymentId'>;

/** Bad input (invalid slug, env key, port...): the deployment cannot be rendered. */
export class ManifestRenderError extends KubiduControllerError {
  constructor(message: string) {
    super('MANIFEST_INVALID', message, { retryable: false });
  }
}

const SLUG = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_KEY = /^[-._a-zA-Z0-9]+$/;
const CONTAINER = 'app';
const IMAGE_PLACEHOLDER = 'app';
const PATCH_MARKER = '# Managed by Kubidu: resource limits and env sources.';
const YAML_OUT = { lineWidth: 0 } as const;

/** The folder of one service in the manifests repo. */
export function serviceDir(project: string, service: string): string {
  return `apps/${project}/${service}`;
}

/** The files Kubidu renders for one service (read them all before calling renderServiceFiles). */
export function serviceFilePaths(project: string, service: string): { kustomization: string; deployment: string; service: string } {
  const d = serviceDir(project, service);
  return { kustomization: `${d}/kustomization.yaml`, deployment: `${d}/deployment.yaml`, service: `${d}/service.yaml` };
}

/** Splits an image reference into kustomize's images fields. */
export function splitImage(image: string): { newName: string; newTag?: string; digest?: string } {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let newTag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    newTag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { newName: rest, ...(newTag ? { newTag } : {}), ...(digest ? { digest } : {}) };
}

/** kustomize's removeQuotes: one layer of matching surrounding quotes. */
function removeQuotes(s: string): string {
  if (s.length < 2 || s[0] !== s[s.length - 1]) return s;
  return s[0] === '"' || s[0] === "'" ? s.slice(1, -1) : s;
}

/** A configMapGenerator literal whose value kustomize reads back exactly (one quote layer, always). */
export function encodeLiteral(key: string, value: string): string {
  return `${key}="${value}"`;
}

/** Reads a configMapGenerator literal the way kustomize does. */
export function decodeLiteral(literal: string): [string, string] | null {
  const eq = literal.indexOf('=');
  if (eq <= 0) return null;
  return [literal.slice(0, eq), removeQuotes(literal.slice(eq + 1))];
}

function validate(d: DesiredState) {
  if (!SLUG.test(d.project)) throw new ManifestRenderError(`project slug ${JSON.stringify(d.project)} is not a DNS label`);
  if (!SLUG.test(d.service)) throw new ManifestRenderError(`service slug ${JSON.stringify(d.service)} is not a DNS label`);
  if (!d.image || /\s/.test(d.image)) throw new ManifestRenderError(`image ${JSON.stringify(d.image)} is not an image reference`);
  if (!Number.isInteger(d.port) || d.port < 1 || d.port > 65535) throw new ManifestRenderError(`port ${d.port} is out of range`);
  if (!Number.isInteger(d.replicas) || d.replicas < 0) throw new ManifestRenderError(`replicas ${d.replicas} must be a non-negative integer`);
  for (const k of Object.keys(d.env)) {
    if (!ENV_KEY.test(k)) throw new ManifestRenderError(`env name ${JSON.stringify(k)} is not a valid ConfigMap key`);
  }
}

/**
 * Every string Kubidu writes is double-quoted. kustomize and Argo CD read YAML 1.1,
 * where a plain `y`, `on`, `no` or `0b1` is a boolean or a number; a service named
 * `y` or an image tagged `on` would otherwise change meaning on the way.
 */
function quoteString(node: Scalar): Scalar {
  if (typeof node.value === 'string') node.type = Scalar.QUOTE_DOUBLE;
  return node;
}

/** A new scalar for `value`, quoted when it is a string. */
function scalar(value: unknown): Scalar {
  return quoteString(new Scalar(value));
}

/** Double-quotes every string value (not the keys) of a document or node Kubidu built itself. */
function quoteAllValues<T extends Document | Node>(doc: T): T {
  visit(doc, {
    Scalar(key, node) {
      if (key !== 'key') quoteString(node);
    },
  });
  return doc;
}

/** Sets a scalar in place (keeping its comments) or creates the path; strings come out quoted. */
function setScalar(doc: Document, path: Array<string | number>, value: unknown) {
  const node = doc.getIn(path, true);
  if (isScalar(node)) {
    if (node.value !== value) node.value = value;
    quoteString(node);
  } else doc.setIn(path, scalar(value));
}

function seqAt(doc: Document, path: string[]): YAMLSeq {
  const node = doc.getIn(path, true);
  if (isSeq(node)) return node;
  const seq = doc.createNode([]) as YAMLSeq;
  doc.setIn(path, seq);
  return seq;
}

function findItem(seq: YAMLSeq, pred: (m: YAMLMap) => boolean): YAMLMap | undefined {
  return seq.items.find((i): i is YAMLMap => isMap(i) && pred(i as YAMLMap));
}

function containerIndex(doc: Document): number {
  const cs = doc.getIn(['spec', 'template', 'spec', 'containers'], true);
  if (!isSeq(cs)) return 0;
  const i = cs.items.findIndex((c) => isMap(c) && (c as YAMLMap).get('name') === CONTAINER);
  return i < 0 ? 0 : i;
}

/** A file's current content as text or as the document it already parsed to (parsed once per render), or null. */
export type ExistingFile = string | Document | null;

function docOf(existing: ExistingFile, template: string): Document {
  if (existing === null) return parseDocument(template);
  return typeof existing === 'string' ? parseDocument(existing) : existing;
}

function renderDeployment(existing: ExistingFile, d: DesiredState): string {
  const doc = docOf(existing, baseTemplates().deployment);
  const ci = containerIndex(doc);
  const c = ['spec', 'template', 'spec', 'containers', ci];
  setScalar(doc, ['metadata', 'name'], d.service);
  for (const p of [['metadata', 'labels'], ['spec', 'selector', 'matchLabels'], ['spec', 'template', 'metadata', 'labels']]) {
    setScalar(doc, [...p, 'app.kubernetes.io/name'], d.service);
  }
  setScalar(doc, [...c, 'ports', 0, 'containerPort'], d.port);
  setScalar(doc, [...c, 'readinessProbe', 'tcpSocket', 'port'], d.port);
  if (!existing) setScalar(doc, [...c, 'envFrom', 0, 'configMapRef', 'name'], `${d.service}-env`);
  return doc.toString(YAML_OUT);
}

function renderService(existing: ExistingFile, d: DesiredState): string {
  const doc = docOf(existing, baseTemplates().service);
  setScalar(doc, ['metadata', 'name'], d.service);
  setScalar(doc, ['metadata', 'labels', 'app.kubernetes.io/name'], d.service);
  setScalar(doc, ['spec', 'selector', 'app.kubernetes.io/name'], d.service);
  setScalar(doc, ['spec', 'ports', 0, 'targetPort'], d.port);
  return doc.toString(YAML_OUT);
}

/** Strings whose double-quoted YAML form is just the string between quotes. */
const PLAIN_QUOTABLE = /^[A-Za-z0-9._-]*$/;
/** The patch rendered once per shape (which of cpu, memory and secret are set), with markers for the values. */
const patchShapes = new Map<string, string>();

/**
 * The limits-and-env-sources patch. It is a pure function of the service name, the limits and
 * the Secret name, and building it as a document was half of a kustomization's render: each
 * shape is rendered once with marker values, and names that quote as themselves are put in.
 */
export function limitsPatch(d: DesiredState): string {
  const values = [d.service, d.cpuLimit, d.memoryLimit, d.secretName];
  if (!values.every((v) => v === null || PLAIN_QUOTABLE.test(v))) return limitsPatchDoc(d);
  const shape = values.map((v) => (v === null ? '0' : '1')).join('');
  let text = patchShapes.get(shape);
  if (text === undefined) {
    text = limitsPatchDoc({ ...d, service: '\u0001S', cpuLimit: d.cpuLimit && '\u0001C', memoryLimit: d.memoryLimit && '\u0001M', secretName: d.secretName && '\u0001X' });
    patchShapes.set(shape, text);
  }
  return text.replace(/\\x01([SCMX])/g, (_, k: string) => {
    const v = k === 'S' ? d.service : k === 'C' ? d.cpuLimit : k === 'M' ? d.memoryLimit : d.secretName;
    return v!;
  });
}

/** The patch built as a YAML document (the reference the shape cache must equal). */
export function limitsPatchDoc(d: DesiredState): string {
  const envFrom: unknown[] = [{ configMapRef: { name: `${d.service}-env` } }];
  if (d.secretName) envFrom.push({ secretRef: { name: d.secretName } });
  const patch = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: d.service },
    spec: { template: { spec: { containers: [{ name: CONTAINER, resources: { limits: { cpu: d.cpuLimit, memory: d.memoryLimit } }, envFrom }] } } },
  };
  return `${PATCH_MARKER}\n${quoteAllValues(new Document(patch)).toString(YAML_OUT)}`;
}

function freshKustomization(d: DesiredState): Document {
  const doc = new Document({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: ['deployment.yaml', 'service.yaml'],
    labels: [{ pairs: { 'kubidu.io/project': d.project, 'kubidu.io/service': d.service } }],
  });
  doc.commentBefore = ` ${d.project}/${d.service} — written by Kubidu. Edit freely: comments survive,\n and a commit you push here is imported as a deployment of its own.`;
  return quoteAllValues(doc);
}

function renderKustomization(existing: ExistingFile, d: DesiredState): string {
  const doc = existing === null ? freshKustomization(d) : typeof existing === 'string' ? parseDocument(existing) : existing;
  if (doc.errors.length) throw new ManifestRenderError(`kustomization.yaml does not parse: ${describeYamlError(doc.errors[0])}`);
  if (!isMap(doc.contents)) throw new ManifestRenderError('kustomization.yaml is not a mapping');
  const seq = (path: string[]) => seqAt(doc, path);
  const item = (s: YAMLSeq, pred: (m: YAMLMap) => boolean, fresh: () => object) => {
    const found = findItem(s, pred);
    if (found) return found;
    const m = quoteAllValues(doc.createNode(fresh()) as YAMLMap);
    s.add(m);
    return m;
  };

  const resources = seq(['resources']);
  for (const r of ['deployment.yaml', 'service.yaml']) {
    if (!resources.items.some((i) => isScalar(i) && i.value === r)) resources.add(scalar(r));
  }

  // images: name / newName / newTag or digest
  const img = splitImage(d.image);
  const entry = item(seq(['images']), (m) => m.get('name') === IMAGE_PLACEHOLDER, () => ({ name: IMAGE_PLACEHOLDER }));
  setMapScalar(entry, 'newName', img.newName);
  if (img.newTag !== undefined) setMapScalar(entry, 'newTag', img.newTag);
  else entry.delete('newTag');
  if (img.digest !== undefined) setMapScalar(entry, 'digest', img.digest);
  else entry.delete('digest');

  // replicas
  const rep = item(seq(['replicas']), (m) => m.get('name') === d.service, () => ({ name: d.service }));
  setMapScalar(rep, 'count', d.replicas);

  // plain env
  const cmName = `${d.service}-env`;
  const gen = item(seq(['configMapGenerator']), (m) => m.get('name') === cmName, () => ({ name: cmName }));
  const current = gen.get('literals', true);
  const currentEnv = isSeq(current) ? literalsToEnv(current) : null;
  if (!currentEnv || !sameEnv(currentEnv, d.env)) {
    const wanted = Object.keys(d.env)
      .sort()
      .map((k) => encodeLiteral(k, d.env[k]));
    const literals = doc.createNode(wanted) as YAMLSeq;
    for (const it of literals.items) (it as Scalar).type = Scalar.QUOTE_DOUBLE;
    gen.set('literals', literals);
  }

  // limits + env sources (ConfigMap and the Secret by name) as one strategic-merge patch
  const body = limitsPatch(d);
  const patch = item(seq(['patches']), (m) => String(m.get('patch') ?? '').startsWith(PATCH_MARKER), () => ({ target: { kind: 'Deployment', name: d.service } }));
  if (patch.get('patch') !== body) {
    const s = doc.createNode(body) as Scalar;
    s.type = Scalar.BLOCK_LITERAL;
    patch.set('patch', s);
  }
  return doc.toString(YAML_OUT);
}

function setMapScalar(m: YAMLMap, key: string, value: unknown) {
  const node = m.get(key, true);
  if (isScalar(node)) {
    if (node.value !== value) node.value = value;
    quoteString(node);
    return;
  }
  m.set(key, scalar(value));
}

function literalsToEnv(seq: YAMLSeq): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const it of seq.items) {
    if (!isScalar(it) || typeof it.value !== 'string') return null;
    const kv = decodeLiteral(it.value);
    if (!kv) return null;
    out[kv[0]] = kv[1];
  }
  return out;
}

function sameEnv(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}

/**
 * Renders the service folder for a desired state. `existing` holds the current
 * content of the service's files (null = absent); the result holds every file
 * of the folder (unchanged ones included — the git adapter drops those). A file given
 * as a parsed document is edited in place (the caller parsed it once already).
 * `omit`: paths the caller knows render to themselves (left out of the result).
 */
export function renderServiceFiles(existing: Map<string, ExistingFile>, desired: DesiredState, omit?: ReadonlySet<string>): Map<string, string> {
  validate(desired);
  const paths = serviceFilePaths(desired.project, desired.service);
  const out = new Map<string, string>();
  const want = (p: string) => !omit?.has(p);
  if (want(paths.kustomization)) out.set(paths.kustomization, renderKustomization(existing.get(paths.kustomization) ?? null, desired));
  if (want(paths.deployment)) out.set(paths.deployment, renderDeployment(existing.get(paths.deployment) ?? null, desired));
  if (want(paths.service)) out.set(paths.service, renderService(existing.get(paths.service) ?? null, desired));
  return out;
}

/** Result of reading a service folder back. */
export type ReadResult = { ok: true; state: ObservedState } | { ok: false; error: string };

function plain(node: unknown): unknown {
  return node && typeof node === 'object' && 'toJSON' in (node as object) ? (node as Node).toJSON() : node;
}

/**
 * Reads what a service folder asks for (image, replicas, port, limits, plain
 * env, secret reference). `files` maps repo paths to contents; the folder is
 * the one holding `apps/<project>/<service>/kustomization.yaml`.
 */
export function readDesiredState(files: Map<string, string | null>): ReadResult {
  const kPath = [...files.keys()].find((p) => /^apps\/[^/]+\/[^/]+\/kustomization\.yaml$/.test(p) && files.get(p) != null);
  if (!kPath) return { ok: false, error: 'no apps/<project>/<service>/kustomization.yaml among the files' };
  const [, project, service] = kPath.split('/');
  const kdoc = parseDocument(files.get(kPath)!);
  if (kdoc.errors.length) return { ok: false, error: `${kPath} does not parse: ${describeYamlError(kdoc.errors[0])}` };
  const kjs = plainOf(kdoc, kPath);
  if (!kjs.ok) return kjs;
  const k = kjs.value as Record<string, unknown> | null;
  if (!k || typeof k !== 'object') return { ok: false, error: `${kPath}: not a mapping` };
  const dPath = `apps/${project}/${service}/deployment.yaml`;
  const dText = files.get(dPath);
  if (dText == null) return { ok: false, error: `${dPath} is missing` };
  const ddoc = parseDocument(dText);
  if (ddoc.errors.length) return { ok: false, error: `${dPath} does not parse: ${describeYamlError(ddoc.errors[0])}` };
  const djs = plainOf(ddoc, dPath);
  if (!djs.ok) return djs;
  const dep = djs.value as any;
  const containers: any[] = dep?.spec?.template?.spec?.containers ?? [];
  const container = containers.find((c) => c?.name === CONTAINER) ?? containers[0];
  if (!container) return { ok: false, error: `${dPath}: no container` };

  const images = (k.images as any[] | undefined) ?? [];
  const baseImage = String(container.image ?? '');
  const im = images.find((i) => i?.name === baseImage) ?? images.find((i) => i?.name === IMAGE_PLACEHOLDER);
  let image = baseImage;
  if (im) {
    image = String(im.newName ?? im.name);
    if (im.newTag !== undefined && im.newTag !== null) image += `:${im.newTag}`;
    if (im.digest) image += `@${im.digest}`;
  }

  const reps = (k.replicas as any[] | undefined) ?? [];
  const rep = reps.find((r) => r?.name === dep?.metadata?.name);
  const replicas = Number(rep ? rep.count : (dep?.spec?.replicas ?? 1));

  const port = Number(container.ports?.[0]?.containerPort);
  if (!Number.isInteger(port)) return { ok: false, error: `${dPath}: no containerPort` };

  let limits = container.resources?.limits ?? {};
  let envFrom: any[] = container.envFrom ?? [];
  const patches = (k.patches as any[] | undefined) ?? [];
  for (const p of patches) {
    if (typeof p?.patch !== 'string') continue;
    const pd = parseDocument(p.patch);
    if (pd.errors.length) return { ok: false, error: `${kPath}: a patch does not parse: ${describeYamlError(pd.errors[0])}` };
    const pjs = plainOf(pd, `${kPath}: a patch`);
    if (!pjs.ok) return pjs;
    const pj = pjs.value as any;
    const pc = (pj?.spec?.template?.spec?.containers ?? []).find((c: any) => c?.name === container.name);
    if (!pc) continue;
    if (pc.resources?.limits) limits = { ...limits, ...pc.resources.limits };
    if (pc.envFrom) envFrom = pc.envFrom;
  }
  const secretName = envFrom.find((e) => e?.secretRef?.name)?.secretRef.name ?? null;

  const env: Record<string, string> = {};
  const cmName = envFrom.find((e) => e?.configMapRef?.name)?.configMapRef.name ?? `${service}-env`;
  const gens = (k.configMapGenerator as any[] | undefined) ?? [];
  const gen = gens.find((g) => g?.name === cmName);
  const litNode = plain(gen?.literals) as unknown[] | undefined;
  for (const lit of litNode ?? []) {
    const kv = typeof lit === 'string' ? decodeLiteral(lit) : null;
    if (!kv) return { ok: false, error: `${kPath}: literal ${JSON.stringify(lit)} is not key=value` };
    env[kv[0]] = kv[1];
  }

  const lim = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    ok: true,
    state: { project, service, image, port, replicas, cpuLimit: lim(limits.cpu), memoryLimit: lim(limits.memory), env, secretName },
  };
}
