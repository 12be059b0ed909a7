/**
 * The links the web app may draw, from the environment: a manifests commit page
 * (KUBIDU_COMMIT_URL_TEMPLATE) and the Argo CD application of a service
 * (ARGOCD_URL + ARGOCD_NAMESPACE + ARGOCD_APP_TEMPLATE, as the controller names
 * applications). URLs only: credentials in ARGOCD_URL are refused, never served.
 */
import type { WebConfig } from '@kubidu/core/contract/config';
import { readArgoAppTemplate } from '@kubidu/core/config/shared';

/** The placeholders a commit URL template may use. */
const COMMIT_PLACEHOLDER = /\{(sha|shortSha)\}/;

function httpUrl(raw: string): URL | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** Reads the link settings; `fail` reports a bad value (config.ts turns it into CONFIG_INVALID). */
export function webLinks(env: NodeJS.ProcessEnv, fail: (message: string) => never): WebConfig {
  const template = env.KUBIDU_COMMIT_URL_TEMPLATE?.trim() || null;
  if (template !== null) {
    // Checked with the placeholder filled, so `{sha}` inside the path parses.
    if (!httpUrl(template.replace(/\{(sha|shortSha)\}/g, '0')) || !COMMIT_PLACEHOLDER.test(template)) {
      fail(`KUBIDU_COMMIT_URL_TEMPLATE must be an http(s) URL containing {sha}, such as https://git.example.com/org/manifests/commit/{sha}, got '${template}'`);
    }
  }
  const rawArgo = env.ARGOCD_URL?.trim() || null;
  let argocdUrl: string | null = null;
  if (rawArgo !== null) {
    const url = httpUrl(rawArgo);
    if (!url) fail(`ARGOCD_URL must be an http(s) URL such as https://argocd.example.com, got '${rawArgo}'`);
    if (url.username || url.password) fail('ARGOCD_URL must not contain credentials: use ARGOCD_TOKEN or ARGOCD_USERNAME/ARGOCD_PASSWORD');
    argocdUrl = url.href.replace(/\/+$/, '');
  }
  const namespace = env.ARGOCD_NAMESPACE?.trim() || 'argocd';
  const appTemplate = readArgoAppTemplate(env);
  return {
    commitUrlTemplate: template,
    argocdUrl,
    argocdAppUrlTemplate: argocdUrl ? `${argocdUrl}/applications/${encodeURIComponent(namespace)}/${appTemplate}` : null,
  };
}
