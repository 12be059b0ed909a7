/**
 * OCI / Docker distribution image references, parsed by the grammar of
 * github.com/distribution/reference. A deploy must pin what it runs, so Kubidu
 * accepts only references with a tag or a digest (`nginx` alone, meaning an
 * implicit `latest`, is refused).
 */

/** The parts of a valid image reference. */
export interface ImageReference {
  /** Registry host[:port], when the reference names one. */
  domain: string | null;
  /** Repository path below the registry (`library/nginx`, `team/app`). */
  path: string;
  tag: string | null;
  digest: string | null;
}

const MAX_NAME_LENGTH = 255;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const IPV6 = /^\[[0-9a-fA-F:.]+\]$/;

function isDomain(s: string): boolean {
  let host = s;
  const portMatch = /^(.*):([0-9]+)$/.exec(s);
  if (portMatch) host = portMatch[1];
  if (host === '') return false;
  if (IPV6.test(host)) return true;
  return host.split('.').every((c) => DOMAIN_COMPONENT.test(c));
}

/** Parses a reference; returns null when it is not valid (or names no tag or digest). */
export function parseImageReference(input: string): ImageReference | null {
  if (typeof input !== 'string' || input.length === 0 || input.length > 512) return null;
  let rest = input;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return null;
    const [algo, hex] = digest.split(':');
    if (algo === 'sha256' && hex.length !== 64) return null;
    if (algo === 'sha512' && hex.length !== 128) return null;
  }
  let tag: string | null = null;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return null;
  }
  if (rest.length === 0 || rest.length > MAX_NAME_LENGTH) return null;
  const parts = rest.split('/');
  let domain: string | null = null;
  const first = parts[0];
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    if (!isDomain(first)) return null;
    domain = first;
    parts.shift();
  }
  if (parts.length === 0 || !parts.every((p) => PATH_COMPONENT.test(p))) return null;
  if (tag === null && digest === null) return null;
  return { domain, path: parts.join('/'), tag, digest };
}

/** True for a valid, pinned (tag or digest) image reference. */
export function isImageReference(input: string): boolean {
  return parseImageReference(input) !== null;
}
