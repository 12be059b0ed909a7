/**
 * The names Kubidu gives things in a shared cluster, decided once for every door:
 * the namespace a project deploys to (a fixed prefix + the project slug, so no
 * project can name `kube-system` or `argocd`), the Argo CD Application of a service
 * (collision-free between users), and the project slugs that are refused outright.
 */

/** Default KUBIDU_NAMESPACE_PREFIX: every namespace Kubidu deploys to starts with it. */
export const DEFAULT_NAMESPACE_PREFIX = 'kubidu-';

/**
 * Default ARGOCD_APP_TEMPLATE. A project slug and a service name are DNS labels
 * (`[a-z0-9-]`), so neither holds a '.': the first '.' of `shop.web` splits it back
 * into project and service, which makes the name injective ("a"/"b-c" → `a.b-c`,
 * "a-b"/"c" → `a-b.c`). `{project}-{service}` was not: both gave `a-b-c`.
 */
export const DEFAULT_APP_TEMPLATE = '{project}.{service}';

/** Kubernetes' limit on a namespace name (a DNS label) and on a label value (Argo CD's instance label). */
export const MAX_NAME_LENGTH = 63;

/**
 * Namespaces and name patterns no project may deploy to, even when the prefix is
 * empty: the cluster's own, Argo CD's, Kubidu's, and the usual add-ons'.
 */
export const RESERVED_NAMESPACES: readonly (string | RegExp)[] = [
  /^kube-/,
  'default',
  'argocd',
  /^argocd-/,
  'kubidu',
  /^kubidu-system$/,
  /^openshift/,
  'cert-manager',
  'ingress-nginx',
  'istio-system',
  'gatekeeper-system',
  'monitoring',
  'system',
];

const isReserved = (name: string) => RESERVED_NAMESPACES.some((r) => (typeof r === 'string' ? r === name : r.test(name)));

/** The namespace a project's services, ConfigMaps and Secrets live in: prefix + slug. */
export function namespaceFor(prefix: string, projectSlug: string): string {
  return `${prefix}${projectSlug}`;
}

/** Application name for a service: `{project}` and `{service}` filled in the template. */
export function appNameFor(template: string | undefined, ids: { project: string; service: string }): string {
  return (template || DEFAULT_APP_TEMPLATE).replaceAll('{project}', ids.project).replaceAll('{service}', ids.service);
}

/**
 * Why a project slug may not be used with this namespace prefix, or null when it
 * may: a reserved name (as slug or as namespace) or a namespace over 63 characters.
 */
export function projectSlugProblem(slug: string, prefix: string): string | null {
  const namespace = namespaceFor(prefix, slug);
  if (isReserved(slug) || isReserved(namespace)) {
    return `The project slug "${slug}" is reserved (kube-*, default, argocd, kubidu and other cluster namespaces); choose another`;
  }
  if (namespace.length > MAX_NAME_LENGTH) {
    return `The project slug "${slug}" is too long: its namespace "${namespace}" would exceed ${MAX_NAME_LENGTH} characters (at most ${MAX_NAME_LENGTH - prefix.length} for the slug)`;
  }
  return null;
}

/** Why a service name may not be used in that project, or null: its Application name would exceed 63 characters. */
export function serviceNameProblem(template: string, projectSlug: string, service: string): string | null {
  const app = appNameFor(template, { project: projectSlug, service });
  if (app.length > MAX_NAME_LENGTH) {
    return `The service name "${service}" is too long for project "${projectSlug}": its Argo CD Application "${app}" would exceed ${MAX_NAME_LENGTH} characters`;
  }
  return null;
}

/**
 * Why an ARGOCD_APP_TEMPLATE would let two services share an Application, or null.
 * It must hold `{project}` and `{service}` once each, with a '.' in the text between
 * them (neither part can contain one, so the name splits back uniquely), and
 * otherwise only characters of a Kubernetes name.
 */
export function appTemplateProblem(template: string): string | null {
  const unknown = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]).filter((p) => p !== 'project' && p !== 'service');
  if (unknown.length) return `ARGOCD_APP_TEMPLATE may only use {project} and {service}, found {${unknown[0]}}`;
  const count = (p: string) => template.split(p).length - 1;
  if (count('{service}') !== 1 || count('{project}') !== 1) {
    return `ARGOCD_APP_TEMPLATE must contain {project} and {service} once each so every service gets its own Application, got '${template}'`;
  }
  const [a, b] = [template.indexOf('{project}'), template.indexOf('{service}')].sort((x, y) => x - y);
  const between = template.slice(a + 9, b);
  if (!between.includes('.')) {
    return `ARGOCD_APP_TEMPLATE must separate {project} and {service} with a '.' (names may contain '-', so 'a'/'b-c' and 'a-b'/'c' would collide), got '${template}'`;
  }
  const literal = template.replace('{project}', 'p').replace('{service}', 's');
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(literal) || literal.includes('..')) {
    return `ARGOCD_APP_TEMPLATE must make a Kubernetes name (lower-case letters, digits, '-' and '.'), got '${template}'`;
  }
  return null;
}

/**
 * Why a KUBIDU_NAMESPACE_PREFIX is unusable, or null: it must be non-empty (the
 * AppProject allows only `<prefix>*`), the start of a DNS label (so prefix + slug is
 * one), short enough to leave room for a slug, and not a reserved namespace's start.
 */
export function namespacePrefixProblem(prefix: string): string | null {
  if (!/^[a-z0-9][-a-z0-9]{0,29}$/.test(prefix)) {
    return `KUBIDU_NAMESPACE_PREFIX must be 1-30 lower-case letters, digits and '-' starting with a letter or digit, got '${prefix}'`;
  }
  if (isReserved(`${prefix}x`)) return `KUBIDU_NAMESPACE_PREFIX '${prefix}' would put projects into reserved namespaces (kube-*, argocd-*…)`;
  return null;
}
