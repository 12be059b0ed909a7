/** The operational routes' answers: liveness, readiness, and the manifests repo's push webhook. */
import { Type, type Static } from 'typebox';

/** `GET /healthz`: the process answers. */
export const Liveness = Type.Object({ status: Type.Literal('ok') });
/** `GET /readyz`: the database answers too. */
export const Readiness = Type.Object({ status: Type.Literal('ready') });

/** `POST /api/webhooks/git`: whether the push was taken (202) or ignored (200), and why. */
export const WebhookAnswer = Type.Object({
  accepted: Type.Boolean(),
  provider: Type.String(),
  message: Type.String(),
});
/** The static type of WebhookAnswer. */
export type WebhookAnswer = Static<typeof WebhookAnswer>;
