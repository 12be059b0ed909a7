/**
 * Corrections @fastify/swagger cannot be told through a route schema: it marks
 * every request body required, while a body schema the contract marks
 * OPTIONAL_BODY (the rollback's) may be left out.
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
