/**
 * What the API's OpenAPI document and its `/docs` page need beyond the plugins'
 * defaults: @fastify/swagger marks every request body required, while a body the
 * contract marks OPTIONAL_BODY (the rollback's) may be left out; swagger-ui's
 * page policy lacks the one inline style its bundle injects.
 */
import { OPTIONAL_BODY } from '@kubidu/core/contract/deployments';

type Operation = { requestBody?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> } };

/** `transformObject` of @fastify/swagger: says `required: false` for optional bodies and drops the marker. */
export function markOptionalBodies<T extends object>(doc: T): T {
  const paths = (doc as { paths?: Record<string, Record<string, Operation>> }).paths ?? {};
  for (const methods of Object.values(paths)) {
    for (const op of Object.values(methods)) {
      const body = op?.requestBody;
      if (!body?.content) continue;
      let optional = false;
      for (const media of Object.values(body.content)) {
        if (media.schema && OPTIONAL_BODY in media.schema) {
          optional = media.schema[OPTIONAL_BODY] === true;
          delete media.schema[OPTIONAL_BODY];
        }
      }
      if (optional) body.required = false;
    }
  }
  return doc;
}

/**
 * The `<style>` element swagger-ui-bundle.js (@fastify/swagger-ui 6.1) inserts at
 * start-up. Allowed by its hash, for the /docs pages only; a swagger-ui upgrade
 * that changes it shows up as a CSP violation in api/test/integration/docs-csp.e2e.test.ts.
 */
export const SWAGGER_UI_INLINE_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

/**
 * `transformStaticCSP` of @fastify/swagger-ui: its policy, plus the inline style it
 * needs, minus `upgrade-insecure-requests` (Kubidu is often reached over plain http on a LAN).
 */
export function docsCsp(header: string): string {
  return header
    .replace(/upgrade-insecure-requests;?\s*/g, '')
    .replace(/style-src ([^;]*);/, (_m, sources: string) => `style-src ${sources.trim()} ${SWAGGER_UI_INLINE_STYLE};`);
}
