/**
 * The signature every outgoing webhook delivery carries, so a receiver can tell
 * Kubidu sent exactly these bytes: `sha256=` + hex HMAC-SHA256 of the raw body,
 * keyed with the hook's secret (the scheme GitHub uses, so existing verifiers fit).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The `X-Kubidu-Signature-256` value for `body`. */
export function signWebhookBody(secret: string, body: string | Buffer): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

/** Constant-time check of a received signature header (for receivers and tests). */
export function verifyWebhookSignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const want = Buffer.from(signWebhookBody(secret, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}
