/**
 * Sends one webhook delivery: a POST of the stored body with its signature, within
 * a time limit, never following redirects. Unless private addresses are allowed,
 * the address a name resolves to is checked at connect time (not only when the hook
 * was saved), so a DNS answer that changes later cannot point Kubidu inside the network.
 * Errors name what went wrong, never the URL (a Slack URL is a credential).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isPrivateAddress } from '@kubidu/core/domain/webhook-url';
import { WEBHOOK_SIGNATURE_HEADER } from '@kubidu/core/contract/webhook-words';
import { signWebhookBody } from '@kubidu/core/domain/webhook-signature';

/** One delivery to send. */
export interface OutgoingDelivery {
  url: string;
  secret: string;
  body: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  attempt: number;
}

/** What the receiver answered (statusCode null: no answer — refused, timed out, blocked). */
export interface SendResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** Sends deliveries; a port so the worker can be driven by a test's own. */
export type WebhookSender = (d: OutgoingDelivery) => Promise<SendResult>;

class BlockedAddressError extends Error {
  readonly code = 'EKUBIDUBLOCKED';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that refuses private answers (all of them, or the one it would connect to). */
function guardedLookup(hostname: string, options: object, cb: LookupCallback): void {
  dnsLookup(hostname, options as never, (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
    if (err) return cb(err, address, family);
    if (Array.isArray(address)) {
      const open = address.filter((a) => !isPrivateAddress(a.address));
      if (open.length === 0) return cb(new BlockedAddressError(`the host resolves only to private addresses (KUBIDU_WEBHOOK_ALLOW_PRIVATE is off)`), []);
      return cb(null, open);
    }
    if (isPrivateAddress(address)) return cb(new BlockedAddressError(`the host resolves to a private address ${address} (KUBIDU_WEBHOOK_ALLOW_PRIVATE is off)`), '');
    cb(null, address, family);
  });
}

/** The sender used in production. */
export function createHttpSender(opts: { timeoutMs: number; allowPrivate: boolean; userAgent?: string }): WebhookSender {
  return (d) =>
    new Promise<SendResult>((resolve) => {
      const started = performance.now();
      const done = (statusCode: number | null, error: string | null) =>
        resolve({ statusCode, error, durationMs: Math.round(performance.now() - started) });
      let u: URL;
      try {
        u = new URL(d.url);
      } catch {
        return done(null, 'the hook URL does not parse');
      }
      if (!opts.allowPrivate && (u.hostname === 'localhost' || isPrivateAddress(u.hostname))) {
        return done(null, `refused: ${u.hostname} is a private address (KUBIDU_WEBHOOK_ALLOW_PRIVATE is off)`);
      }
      const body = Buffer.from(d.body, 'utf8');
      const options: RequestOptions = {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': opts.userAgent ?? 'Kubidu-Webhooks/1',
          [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(d.secret, body),
          'X-Kubidu-Event': d.eventType,
          'X-Kubidu-Event-Id': d.eventId,
          'X-Kubidu-Delivery': d.deliveryId,
          'X-Kubidu-Attempt': String(d.attempt),
        },
        agent: false,
        ...(opts.allowPrivate ? {} : { lookup: guardedLookup as never }),
      };
      const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, options, (res) => {
        // Read (and drop) the answer so the socket closes cleanly; only the status matters.
        res.on('data', () => undefined);
        res.on('end', () => {
          clearTimeout(timer);
          const code = res.statusCode ?? 0;
          done(code, code >= 200 && code < 300 ? null : `the receiver answered ${code}${res.statusMessage ? ` ${res.statusMessage}` : ''}`);
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          done(res.statusCode ?? null, `the answer broke off: ${err.message}`);
        });
      });
      const timer = setTimeout(() => req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        done(null, err instanceof BlockedAddressError ? `refused: ${err.message}` : err.message.replace(d.url, '<url>'));
      });
      req.end(body);
    });
}
