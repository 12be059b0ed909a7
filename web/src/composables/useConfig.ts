/**
 * Display settings (`GET /api/config`): the manifests commit URL template and
 * the Argo CD app URL template. Fetched once; until it answers (or when a
 * template is not configured) shas and services are plain text.
 */
import { shallowRef, type ShallowRef } from 'vue';
import type { ApiClient } from '../api/client.js';
import type { WebConfig } from '@kubidu/core/contract/config';
import { NO_LINKS } from '@kubidu/core/contract/links';

/** Fills `{sha}` (and `{shortSha}`) in a commit URL template; null without a template (pure). */
export function commitUrl(template: string | null | undefined, sha: string | null | undefined): string | null {
  if (!template || !sha) return null;
  if (!/^[0-9a-f]{7,64}$/i.test(sha)) return null;
  const url = template.replace(/\{sha\}/g, sha).replace(/\{shortSha\}/g, sha.slice(0, 7));
  return /^https?:\/\//i.test(url) ? url : null;
}

/** Fills `{project}` and `{service}` in the Argo CD app URL template (pure). */
export function argocdAppUrl(template: string | null | undefined, project: string, service: string): string | null {
  if (!template) return null;
  const url = template
    .replace(/\{project\}/g, encodeURIComponent(project))
    .replace(/\{service\}/g, encodeURIComponent(service));
  return /^https?:\/\//i.test(url) ? url : null;
}

let cached: ShallowRef<WebConfig> | undefined;

/** The app-wide config ref; starts empty and fills in when the API answers. */
export function useConfig(api: ApiClient): ShallowRef<WebConfig> {
  if (!cached) {
    const config = shallowRef<WebConfig>({ ...NO_LINKS });
    cached = config;
    api.config().then(
      (c) => (config.value = c ?? { ...NO_LINKS }),
      () => undefined,
    );
  }
  return cached;
}
