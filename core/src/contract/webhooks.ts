/**
 * Outgoing webhooks on the wire (issue 20, item 3): the events a project can
 * subscribe to, the two body formats, the hook view (the secret is write-only:
 * it is never returned), and the delivery log. Declared once here for the API's
 * schemas, the CLI and the web panel.
 */
import { Type, type Static } from 'typebox';
import { Nullable, Text, Timestamp, Uuid } from './common.js';

import { DELIVERY_OUTCOMES, WEBHOOK_EVENTS, WEBHOOK_FORMATS, type DeliveryOutcome, type WebhookEvent, type WebhookFormat } from './webhook-words.js';

export * from './webhook-words.js';

const EventName = Type.Unsafe<WebhookEvent>({ type: 'string', enum: [...WEBHOOK_EVENTS] });
const EventList = Type.Array(EventName, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true });
const Format = Type.Unsafe<WebhookFormat>({ type: 'string', enum: [...WEBHOOK_FORMATS] });
/** The receiver's URL: http or https only (checked further by the API: no credentials, private addresses per setting). */
const HookUrl = Type.String({ minLength: 1, maxLength: 2048 });
/** The signing secret: write-only. */
const HookSecret = Text(256, 8);

/** Contract "Webhook": never carries the secret. */
export const WebhookView = Type.Object({
  id: Uuid,
  projectId: Uuid,
  url: Type.String(),
  events: Type.Array(EventName),
  format: Format,
  enabled: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
/** The static type of WebhookView. */
export type WebhookView = Static<typeof WebhookView>;

/** `GET /api/projects/:id/webhooks`. */
export const WebhookList = Type.Object({ items: Type.Array(WebhookView) });
/** The static type of WebhookList. */
export type WebhookList = Static<typeof WebhookList>;

/** Body of `POST /api/projects/:id/webhooks`. */
export const CreateWebhookBody = Type.Object(
  { url: HookUrl, secret: HookSecret, events: EventList, format: Type.Optional(Format), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
/** The static type of CreateWebhookBody. */
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

/** Body of `PATCH /api/projects/:id/webhooks/:hookId`: what it names changes (a new secret replaces the old one). */
export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(HookUrl),
    secret: Type.Optional(HookSecret),
    events: Type.Optional(EventList),
    format: Type.Optional(Format),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
/** The static type of UpdateWebhookBody. */
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

/** `/:id/webhooks/:hookId` path parameters. */
export const WebhookParams = Type.Object({ id: Uuid, hookId: Uuid }, { additionalProperties: false });

/** One delivery attempt as logged. */
export const DeliveryView = Type.Object({
  id: Uuid,
  /** The event's id (the audit row it came from); the same on every attempt, so receivers can deduplicate. */
  eventId: Uuid,
  eventType: EventName,
  /** The outbox row: the `X-Kubidu-Delivery` header. */
  deliveryId: Uuid,
  attempt: Type.Integer(),
  outcome: Type.Unsafe<DeliveryOutcome>({ type: 'string', enum: [...DELIVERY_OUTCOMES] }),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
  nextRetryAt: Nullable(Timestamp),
  createdAt: Timestamp,
});
/** The static type of DeliveryView. */
export type DeliveryView = Static<typeof DeliveryView>;

/** An event waiting in the outbox (not attempted yet, or waiting for its next retry). */
export const PendingDeliveryView = Type.Object({
  deliveryId: Uuid,
  eventId: Uuid,
  eventType: EventName,
  attempts: Type.Integer(),
  nextAttemptAt: Timestamp,
  createdAt: Timestamp,
});
/** The static type of PendingDeliveryView. */
export type PendingDeliveryView = Static<typeof PendingDeliveryView>;

/** `GET /api/projects/:id/webhooks/:hookId/deliveries`: attempts newest first, and what still waits. */
export const DeliveryList = Type.Object({ items: Type.Array(DeliveryView), pending: Type.Array(PendingDeliveryView) });
/** The static type of DeliveryList. */
export type DeliveryList = Static<typeof DeliveryList>;

/** Query of the deliveries list. */
export const DeliveryQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) },
  { additionalProperties: false },
);
