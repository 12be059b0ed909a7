/**
 * `GET /api/config`: display settings the web app needs to turn commit shas and
 * services into links. Only URLs the operator chose to show; never a secret.
 */
import { Type, type Static } from 'typebox';
import { Nullable } from './common.js';

/** The display settings; a null field means "show plain text". */
export const WebConfig = Type.Object({
  /** KUBIDU_COMMIT_URL_TEMPLATE: a manifests commit page, `{sha}` (or `{shortSha}`) filled in by the client. */
  commitUrlTemplate: Nullable(Type.String({ description: 'e.g. https://git.example.com/org/manifests/commit/{sha}' })),
  /** ARGOCD_URL without credentials: the Argo CD UI. */
  argocdUrl: Nullable(Type.String({ description: 'e.g. https://argocd.example.com' })),
  /** The Argo CD application page of a service, `{project}` and `{service}` filled in by the client. */
  argocdAppUrlTemplate: Nullable(Type.String({ description: 'e.g. https://argocd.example.com/applications/argocd/{project}-{service}' })),
});
/** The static type of WebConfig. */
export type WebConfig = Static<typeof WebConfig>;

