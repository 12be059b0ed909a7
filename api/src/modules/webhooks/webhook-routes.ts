/**
 * `POST /api/webhooks/git`: the forge tells Kubidu that someone pushed to the
 * manifests repo, so the git importer runs now instead of at the next poll.
 * Unsigned or badly signed deliveries are refused (401) before anything
 * happens; with no KUBIDU_WEBHOOK_SECRET configured the route answers 503. Both
 * refusals that the headers decide (disabled, unsigned, malformed signature, wrong
 * GitLab token) come from an onRequest hook, before the body is parsed: the answer
 * leaves at once and node discards what the client still sends, never buffering
 * it. A body that is read is capped at WEBHOOK_BODY_LIMIT (413 beyond).
 *
 * Registered as an encapsulated plugin (never wrapped with fastify-plugin): its
 * content-type parser hands the raw bytes to the handler (signatures cover the
 * exact body) without changing how the rest of the API parses JSON.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { KubiduError, UnauthorizedError, ValidationError } from '@kubidu/core/errors';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import { WebhookAnswer } from '@kubidu/core/contract/ops';
import { parseWebhookEvent, precheckWebhook, verifyWebhook, WebhookPayloadError } from './webhook-verify.js';

/**
 * Largest delivery read (bytes). A push payload names the ref and at most 20
 * commits; a bigger one is refused (413) and the importer's poll still imports the push.
 */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/** Options of webhookRoutes (the lead wires them in app.ts). */
export interface WebhookRoutesOptions {
  /** KUBIDU_WEBHOOK_SECRET; unset or empty → the route answers 503. */
  secret: string | undefined;
  /** The manifests branch (MANIFESTS_BRANCH, default main): pushes to other branches are ignored. */
  branch: string;
  /** Runs the git importer soon (in-process trigger and/or NOTIFY kubidu_git_push). Must not wait for the import. */
  triggerImport: () => void | Promise<void>;
  /** Largest delivery read (default WEBHOOK_BODY_LIMIT). */
  bodyLimit?: number;
}

/** 503: webhooks stay off until a secret is configured (an unauthenticated trigger would be an open door). */
export class WebhooksDisabledError extends KubiduError {
  constructor() {
    super('WEBHOOKS_DISABLED', 503, 'Git webhooks are disabled until KUBIDU_WEBHOOK_SECRET is set; the importer still polls the manifests repo');
  }
}

export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRoutesOptions> = async (app, opts) => {
  const bodyLimit = opts.bodyLimit ?? WEBHOOK_BODY_LIMIT;
  // Scoped to this plugin: every content type arrives as the raw Buffer the signature covers.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));

  app.post(
    '/api/webhooks/git',
    {
      bodyLimit,
      config: { rateLimit: { max: 120, timeWindow: 60_000 } },
      onRequest: async (req, reply) => {
        const refusal = !opts.secret ? new WebhooksDisabledError() : precheckWebhook(req.headers, opts.secret);
        if (!refusal) return;
        if (refusal instanceof WebhooksDisabledError) throw refusal;
        req.log.warn({ reason: refusal.reason }, 'git webhook refused');
        throw new UnauthorizedError(refusal.reason);
      },
      schema: {
        tags: ['webhooks'],
        summary: 'Push webhook from GitHub, GitLab or Gitea/Gogs for the manifests repo',
        response: { 200: WebhookAnswer, 202: WebhookAnswer, ...ErrorResponses },
      },
    },
    async (req, reply) => {
      const secret = opts.secret;
      if (!secret) throw new WebhooksDisabledError();
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verdict = verifyWebhook(req.headers, raw, secret);
      if (!verdict.ok) {
        req.log.warn({ reason: verdict.reason }, 'git webhook refused');
        throw new UnauthorizedError(verdict.reason);
      }
      let event;
      try {
        event = parseWebhookEvent(verdict.provider, req.headers, raw, req.headers['content-type']);
      } catch (err) {
        if (err instanceof WebhookPayloadError) throw new ValidationError(err.message);
        throw err;
      }
      if (event.kind === 'ping') return reply.code(200).send({ accepted: false, provider: event.provider, message: 'pong' });
      if (event.kind === 'other') {
        return reply.code(200).send({ accepted: false, provider: event.provider, message: `ignored event ${event.event}; only pushes are imported` });
      }
      if (event.branch !== opts.branch) {
        return reply
          .code(200)
          .send({ accepted: false, provider: event.provider, message: `ignored push to ${event.ref}; the manifests branch is ${opts.branch}` });
      }
      try {
        await opts.triggerImport();
      } catch (err) {
        // The poll is the safety net: a failed wake-up must not make the forge retry forever.
        req.log.warn({ err: (err as Error).message }, 'could not trigger the git importer; the next poll imports the push');
      }
      return reply.code(202).send({
        accepted: true,
        provider: event.provider,
        message: `push to ${opts.branch}${event.after ? ` (${event.after.slice(0, 8)})` : ''} accepted; importing`,
      });
    },
  );
};
