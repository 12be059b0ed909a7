/**
 * How a deployment's secret env is named in the cluster: one immutable Secret per
 * distinct content, so the write path names it and the git door recognises it
 * from the manifests alone.
 */

/** The Secret name for a deployment's secret env: service name + keyed content hash. */
export function secretNameFor(serviceName: string, fingerprint: string): string {
  return `${serviceName}-secrets-${fingerprint.slice(0, 12)}`;
}
