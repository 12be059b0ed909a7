/**
 * A real HTTP receiver for outgoing webhook tests (node:http on loopback): it
 * verifies each delivery's X-Kubidu-Signature-256 against the raw body with the
 * shared secret, records every request, and answers as scripted per request —
 * a status code, or `hang` (never answers, so the sender's timeout fires).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '@kubidu/core/domain/webhook-signature';

/** One request as received. */
export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  body: string;
  /** The signature matched the body under the receiver's secret. */
  verified: boolean;
  /** What the receiver answered (`hang` for none). */
  answered: number | 'hang';
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedDelivery[];
  /** Parsed bodies of verified requests answered 2xx: what the receiver accepted. */
  accepted(): Array<{ headers: IncomingHttpHeaders; body: Record<string, unknown> }>;
  /** Answers for the next requests, in order (then `fallback`). */
  script(answers: Array<number | 'hang'>): void;
  close(): Promise<void>;
}

/** Starts a receiver that knows `secret`; unscripted requests get `fallback` (default 200). */
export async function startWebhookReceiver(secret: string, fallback: number | 'hang' = 200): Promise<WebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  let queue: Array<number | 'hang'> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const header = req.headers['x-kubidu-signature-256'];
      const verified = verifyWebhookSignature(secret, raw, Array.isArray(header) ? header[0] : header);
      const answer = verified ? (queue.shift() ?? fallback) : 401;
      received.push({ headers: req.headers, body: raw.toString('utf8'), verified, answered: answer });
      if (answer === 'hang') return; // the sender's timeout ends it
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/kubidu`,
    received,
    accepted: () =>
      received
        .filter((r) => r.verified && typeof r.answered === 'number' && r.answered < 300)
        .map((r) => ({ headers: r.headers, body: JSON.parse(r.body) as Record<string, unknown> })),
    script(answers) {
      queue = [...answers];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
