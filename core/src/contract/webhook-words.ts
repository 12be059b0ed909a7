/**
 * The word lists of outgoing webhooks, with no imports: the web panel and the CLI
 * take these values without loading the schema library (see browser-safe.test.ts).
 */

/**
 * Every event a hook can subscribe to. `*.started` means accepted and queued (the
 * row exists); `rollback.*` covers manual, automatic (deployment source `AUTO`) and
 * `git revert` rollbacks — the event carries the deployment's source to tell them apart.
 */
export const WEBHOOK_EVENTS = [
  'deployment.started',
  'deployment.succeeded',
  'deployment.failed',
  'rollback.started',
  'rollback.succeeded',
  'rollback.failed',
  'hold.set',
  'hold.released',
  'deployment.marked_bad',
  'deployment.unmarked_bad',
] as const;
/** One of WEBHOOK_EVENTS. */
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** `json`: Kubidu's event object. `slack`: `{text, blocks}` an incoming Slack webhook accepts. */
export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
/** One of WEBHOOK_FORMATS. */
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** The header carrying `sha256=<hex HMAC-SHA256 of the raw body, keyed with the hook's secret>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'X-Kubidu-Signature-256';

/** The outcome of one attempt: delivered (2xx), will be retried, or given up (attempts exhausted). */
export const DELIVERY_OUTCOMES = ['DELIVERED', 'RETRY', 'FAILED'] as const;
/** One of DELIVERY_OUTCOMES. */
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

