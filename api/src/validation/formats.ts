/**
 * Kubidu's string formats, registered on the request validators and named in the
 * OpenAPI document. Formats (rather than bare patterns) let the one error handler
 * turn a failure into a sentence that names the field and says what is expected.
 */
import { isImageReference } from './image-reference.js';

/** DNS label (RFC 1123): the shape of service names and project slugs. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Environment variable names as shells and Kubernetes accept them. */
export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Kubernetes CPU quantity: cores (`1`, `0.5`) or millicores (`500m`). */
export const CPU_QUANTITY = /^(?:[0-9]{1,6}(?:\.[0-9]{1,3})?|[0-9]{1,9}m)$/;
/** Kubernetes memory quantity with a binary or decimal suffix (`256Mi`, `1Gi`, `512M`) or bytes. */
export const MEMORY_QUANTITY = /^[0-9]{1,12}(?:Ki|Mi|Gi|Ti|k|M|G|T)?$/;
/** A git commit id (abbreviated or full, SHA-1 or SHA-256). */
export const COMMIT_SHA = /^[0-9a-fA-F]{4,64}$/;
/** The start of a uuid, for finding a deployment by the short id people copy around. */
export const UUID_PREFIX = /^[0-9a-fA-F]{8}(?:-?[0-9a-fA-F]{0,4}){0,7}$/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Free text Postgres can store and give back byte for byte: no NUL (text columns
 * refuse it) and no lone UTF-16 surrogate (UTF-8 cannot carry it).
 */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}

/**
 * Characters kustomize's YAML cannot carry through a ConfigMap: DEL and the C1 controls
 * (U+007F-U+009F) and the noncharacters U+FFFE/U+FFFF break the render ("control
 * characters are not allowed"); NEL (U+0085) and the line and paragraph separators
 * (U+2028, U+2029) come back as other characters. (C0 controls do round-trip.)
 */
const NOT_THROUGH_KUSTOMIZE = /[\u007F-\u009F\u2028\u2029\uFFFE\uFFFF]/;

/**
 * A plain env value Kubidu can hand to kustomize's configMapGenerator and get back
 * byte for byte; anything else is refused here, with a 400 naming the variable, rather
 * than committed to break (or silently change) every render of the service.
 * kustomize (5.5) cannot emit a value that starts with a tab and spans several lines:
 * it writes it as a YAML block scalar and then fails to read its own output ("found a
 * tab character where an indentation space is expected"); nor the characters of
 * NOT_THROUGH_KUSTOMIZE. Secrets never pass through kustomize and are not limited.
 */
export function isConfigValue(s: string): boolean {
  return isStorableText(s) && !(s.startsWith('\t') && s.includes('\n')) && !NOT_THROUGH_KUSTOMIZE.test(s);
}

/** Format name → validator, as AJV `addFormat` takes them. */
export const KUBIDU_FORMATS: Record<string, (s: string) => boolean> = {
  'dns-label': (s) => DNS_LABEL.test(s),
  'env-key': (s) => ENV_KEY.test(s),
  'oci-image-reference': isImageReference,
  'cpu-quantity': (s) => CPU_QUANTITY.test(s),
  'memory-quantity': (s) => MEMORY_QUANTITY.test(s),
  'commit-sha': (s) => COMMIT_SHA.test(s),
  'uuid-prefix': (s) => s.length <= 36 && UUID_PREFIX.test(s),
  text: isStorableText,
  'config-value': isConfigValue,
  'idempotency-key': (s) => /^[\x21-\x7e]{1,200}$/.test(s),
};

/** How a failed format reads in an error message (`body/image must be ...`). */
export const FORMAT_MESSAGES: Record<string, string> = {
  uuid: 'must be a uuid',
  email: 'must be an email address',
  'date-time': 'must be an RFC 3339 date-time',
  'dns-label': 'must be a DNS label (lowercase letters, digits and "-", 1-63 characters, starting and ending with a letter or digit)',
  'env-key': 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)',
  'oci-image-reference': 'must be an OCI image reference with a tag or digest (registry/path:tag or registry/path@sha256:digest)',
  'cpu-quantity': 'must be a CPU quantity such as "500m" or "1"',
  'memory-quantity': 'must be a memory quantity such as "256Mi" or "1Gi"',
  'commit-sha': 'must be a hexadecimal git commit id',
  'uuid-prefix': 'must be the start of a uuid (at least 8 hex characters)',
  text: 'must be text without NUL bytes or unpaired surrogates',
  'config-value':
    'must be text without NUL bytes, unpaired surrogates, U+007F-U+009F, U+2028, U+2029, U+FFFE or U+FFFF, and must not start with a tab when it spans several lines (kustomize cannot carry those through a ConfigMap; use a secret, or change the value)',
  'idempotency-key': 'must be 1-200 visible ASCII characters',
};
