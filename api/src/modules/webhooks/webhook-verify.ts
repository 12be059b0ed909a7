/**
 * Who may wake the git importer: push webhooks from GitHub, GitLab and
 * Gitea/Gogs, each proven by the shared secret (KUBIDU_WEBHOOK_SECRET) the way
 * that forge proves it. Pure functions over headers and the raw body, so the
 * rules are unit-tested without a server. Comparisons are timing-safe.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The forges Kubidu understands. */
export type WebhookProvider = 'github' | 'gitlab' | 'gitea' | 'gogs';

/** Request headers, lower-cased names as node gives them. */
export type Headers = Record<string, string | string[] | undefined>;

/** Result of checking a request's signature or token. */
export type VerifyResult = { ok: true; provider: WebhookProvider } | { ok: false; reason: string };

/** What the importer cares about in a delivery. */
export type WebhookEvent =
  | { kind: 'push'; provider: WebhookProvider; ref: string; branch: string | null; after: string | null; before: string | null }
  | { kind: 'ping'; provider: WebhookProvider }
  | { kind: 'other'; provider: WebhookProvider; event: string };

/** The body of a signed delivery is not a push payload Kubidu can read. */
export class WebhookPayloadError extends Error {
  readonly code = 'VALIDATION_ERROR';
}

function header(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Equal-time comparison of two strings of any length (both hashed first, so length leaks nothing). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

function hmacHex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Checks every signature or token header the request carries (at least one is
 * required; all present must match):
 * - GitHub (and Gitea): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`
 * - GitLab: `X-Gitlab-Token: <the secret>`
 * - Gitea / Gogs: `X-Gitea-Signature` / `X-Gogs-Signature: <hex HMAC-SHA256>`
 */
export function verifyWebhook(h: Headers, rawBody: Buffer, secret: string): VerifyResult {
  const checks: Array<{ provider: WebhookProvider; ok: boolean }> = [];
  const hub = header(h, 'x-hub-signature-256');
  const gitlab = header(h, 'x-gitlab-token');
  const gitea = header(h, 'x-gitea-signature');
  const gogs = header(h, 'x-gogs-signature');
  let expected: string | undefined;
  const hex = () => (expected ??= hmacHex(secret, rawBody));
  if (hub !== undefined) {
    const given = hub.trim();
    checks.push({ provider: 'github', ok: given.toLowerCase().startsWith('sha256=') && safeEqual(given.slice(7).toLowerCase(), hex()) });
  }
  if (gitlab !== undefined) checks.push({ provider: 'gitlab', ok: safeEqual(gitlab, secret) });
  if (gitea !== undefined) checks.push({ provider: 'gitea', ok: safeEqual(gitea.trim().toLowerCase(), hex()) });
  if (gogs !== undefined) checks.push({ provider: 'gogs', ok: safeEqual(gogs.trim().toLowerCase(), hex()) });
  if (checks.length === 0) return { ok: false, reason: 'the request is not signed (no X-Hub-Signature-256, X-Gitlab-Token, X-Gitea-Signature or X-Gogs-Signature)' };
  if (!checks.every((c) => c.ok)) return { ok: false, reason: 'the webhook signature or token does not match' };
  // The event header names the forge more precisely than the signature (Gitea also sends X-Hub-Signature-256).
  const provider: WebhookProvider = header(h, 'x-gitea-event')
    ? 'gitea'
    : header(h, 'x-gogs-event')
      ? 'gogs'
      : header(h, 'x-gitlab-event')
        ? 'gitlab'
        : checks[0].provider;
  return { ok: true, provider };
}

/**
 * What can be decided from the headers alone, before a byte of the body is read:
 * a delivery with no signature or token, a malformed signature header, or a wrong
 * GitLab token (compared directly) is refused. Null: read the body and verify it.
 */
export function precheckWebhook(h: Headers, secret: string): { ok: false; reason: string } | null {
  const hub = header(h, 'x-hub-signature-256');
  const gitlab = header(h, 'x-gitlab-token');
  const hmacs = [hub === undefined ? undefined : hub.trim().replace(/^sha256=/i, ''), header(h, 'x-gitea-signature'), header(h, 'x-gogs-signature')];
  if (hub === undefined && gitlab === undefined && hmacs.every((v) => v === undefined)) {
    return { ok: false, reason: 'the request is not signed (no X-Hub-Signature-256, X-Gitlab-Token, X-Gitea-Signature or X-Gogs-Signature)' };
  }
  if (hub !== undefined && !/^sha256=/i.test(hub.trim())) return { ok: false, reason: 'the webhook signature or token does not match' };
  for (const v of hmacs) if (v !== undefined && !/^[0-9a-f]{64}$/i.test(v.trim())) return { ok: false, reason: 'the webhook signature or token does not match' };
  if (gitlab !== undefined && !safeEqual(gitlab, secret)) return { ok: false, reason: 'the webhook signature or token does not match' };
  return null;
}

function parseBody(rawBody: Buffer, contentType: string | undefined): Record<string, unknown> {
  let text = rawBody.toString('utf8');
  if ((contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    // GitHub's "form" content type: payload=<url-encoded JSON>
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new WebhookPayloadError('body/payload is required for a form-encoded webhook');
    text = payload;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WebhookPayloadError('body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new WebhookPayloadError('body must be a JSON object');
  return parsed as Record<string, unknown>;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** Reads the event type and, for a push, the ref and shas (call only after verifyWebhook). */
export function parseWebhookEvent(provider: WebhookProvider, h: Headers, rawBody: Buffer, contentType: string | undefined): WebhookEvent {
  const event = (
    header(h, 'x-github-event') ??
    header(h, 'x-gitea-event') ??
    header(h, 'x-gogs-event') ??
    header(h, 'x-gitlab-event') ??
    ''
  ).toLowerCase();
  if (event === 'ping') return { kind: 'ping', provider };
  const body = parseBody(rawBody, contentType);
  const isPush = event === 'push' || event === 'push hook' || (event === '' && body.object_kind === 'push');
  if (!isPush) return { kind: 'other', provider, event: event || String(body.object_kind ?? 'unknown') };
  const ref = str(body.ref);
  if (!ref) throw new WebhookPayloadError('body/ref is required for a push event');
  return {
    kind: 'push',
    provider,
    ref,
    branch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null,
    after: str(body.after),
    before: str(body.before),
  };
}
