/**
 * What every in-process test controller starts with, so a test states only what
 * it changes: a fast claim poll, no Kubernetes, and no git-door poll (tests that
 * need the importer trigger it or run their own).
 */
import type { Logger } from '@kubidu/core/logger';

/** Env for startController against `manifestsUrl`, with `extra` on top. */
export function testControllerEnv(manifestsUrl: string, encryptionKey: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    MANIFESTS_REPO_URL: manifestsUrl,
    KUBIDU_ENCRYPTION_KEY: encryptionKey,
    KUBIDU_POLL_MS: '100',
    KUBIDU_KUBERNETES: 'off',
    KUBIDU_GIT_POLL_SECONDS: '3600',
    ...extra,
  };
}

/** A controller logger that prints errors only. */
export const errorsOnlyLogger: Logger = { info() {}, warn() {}, error: (o: unknown, m?: string) => console.error(m, o), debug() {} };
