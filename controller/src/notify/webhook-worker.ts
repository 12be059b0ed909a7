/**
 * The outgoing webhook delivery worker: polls the outbox, claims due rows
 * (webhook-store), sends each (webhook-sender), and records the attempt with what
 * follows it (plan-attempt). Holds nothing another controller would need: rows and
 * leases live in Postgres, so two processes share the work and a restart resumes it.
 * Delivery is at least once: a worker that dies after the receiver answered but
 * before recording it leaves the row to be sent again once its lease runs out — the
 * `X-Kubidu-Delivery` header is the same on every attempt, for receivers to deduplicate.
 * Events that ended are kept `retentionDays` (their attempts stay visible that long), then deleted.
 */
import type { SecretBox } from '@kubidu/core/crypto/secret-box';
import type { Logger } from '@kubidu/core/logger';
import { errorMessage } from '../errors.js';
import type { WebhookDeliveryConfig } from './config.js';
import { planAttempt } from './plan-attempt.js';
import type { ClaimedDelivery, WebhookStore } from './webhook-store.js';
import type { WebhookSender } from './webhook-sender.js';

export interface WebhookWorkerOptions {
  store: WebhookStore;
  send: WebhookSender;
  secretBox: SecretBox;
  config: WebhookDeliveryConfig;
  workerId: string;
  logger: Logger;
  /** Rows one claim may take (default 20). */
  batch?: number;
  /** How long a claimed row stays ours (default: the timeout + 15 s); a dead worker's rows come back after it. */
  leaseMs?: number;
}

export interface WebhookWorker {
  /** Look for due events now. */
  wake(): void;
  /** Stops claiming and waits for the attempts in flight to be recorded. */
  stop(): Promise<void>;
}

const PRUNE_FIRST_MS = 60_000;
const PRUNE_EVERY_MS = 60 * 60_000;

/** Starts the worker loop. */
export function startWebhookWorker(opts: WebhookWorkerOptions): WebhookWorker {
  const { store, config, logger } = opts;
  // Long enough for the POST and its recording; a dead worker's rows come back after this.
  const leaseMs = opts.leaseMs ?? config.timeoutMs + 15_000;
  let stopped = false;
  let wakeNow: (() => void) | null = null;
  let pending = false;

  async function deliver(d: ClaimedDelivery): Promise<void> {
    let secret: string;
    try {
      secret = opts.secretBox.open(d.secret);
    } catch {
      secret = '';
    }
    const res = secret
      ? await opts.send({ url: d.url, secret, body: d.body, deliveryId: d.id, eventId: d.eventId, eventType: d.eventType, attempt: d.attempt })
      : { statusCode: null, error: 'the hook secret cannot be decrypted with this encryption key', durationMs: 0 };
    const plan = planAttempt(d.attempt, res.statusCode, config);
    const kept = await store.record(d.id, opts.workerId, { ...res, outcome: plan.outcome, retryInMs: plan.retryInMs });
    const fields = { webhook: d.webhookId, delivery: d.id, event: d.eventType, attempt: d.attempt, status: res.statusCode, ms: res.durationMs };
    if (!kept) logger.warn(fields, 'webhook delivery lease lost before its attempt was recorded');
    else if (plan.outcome === 'DELIVERED') logger.debug(fields, 'webhook delivered');
    else logger.warn({ ...fields, error: res.error, retryInMs: plan.retryInMs }, plan.outcome === 'FAILED' ? 'webhook delivery given up' : 'webhook delivery failed; will retry');
  }

  /** Finished events older than the retention are deleted about once an hour (the first time a minute after start). */
  let nextPrune = Date.now() + PRUNE_FIRST_MS;
  async function pruneIfDue(): Promise<void> {
    if (Date.now() < nextPrune) return;
    nextPrune = Date.now() + PRUNE_EVERY_MS;
    try {
      let total = 0;
      for (let n = -1; n !== 0 && !stopped; ) total += n = await store.prune(config.retentionDays);
      if (total > 0) logger.info({ deleted: total, retentionDays: config.retentionDays }, 'webhook outbox: finished events past the retention deleted');
    } catch (err) {
      logger.warn({ err: errorMessage(err) }, 'webhook outbox: deleting old events failed; will try again');
    }
  }

  const running = (async () => {
    while (!stopped) {
      pending = false;
      await pruneIfDue();
      let claimed: ClaimedDelivery[] = [];
      try {
        claimed = await store.claim(opts.workerId, leaseMs, opts.batch ?? 20);
        await Promise.all(claimed.map((d) => deliver(d).catch((err) => logger.error({ err: errorMessage(err), delivery: d.id }, 'recording a webhook attempt failed'))));
      } catch (err) {
        logger.warn({ err: errorMessage(err) }, 'webhook outbox claim failed; retrying');
      }
      if (stopped) break;
      if (claimed.length > 0 || pending) continue; // there may be more due right now
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, config.pollMs);
        function done() {
          clearTimeout(t);
          wakeNow = null;
          resolve();
        }
        wakeNow = done;
      });
    }
  })();

  return {
    wake() {
      pending = true;
      wakeNow?.();
    },
    async stop() {
      stopped = true;
      wakeNow?.();
      await running;
    },
  };
}
