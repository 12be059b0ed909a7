/**
 * The request validators. Two AJV instances: bodies are checked strictly (no type
 * coercion, unknown fields refused) so `{"replicas":"3"}` or `{"env":{"A":null}}`
 * are errors rather than silently changed; params, querystring and headers arrive
 * as strings and are coerced to the declared types.
 */
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { KUBIDU_FORMATS } from './formats.js';

const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

function makeAjv(opts: Options): Ajv {
  const ajv = new Ajv({
    allErrors: false,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
    unicodeRegExp: true,
    ...opts,
  });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  for (const [name, validate] of Object.entries(KUBIDU_FORMATS)) ajv.addFormat(name, { type: 'string', validate });
  return ajv;
}

/** A fastify validator compiler: strict for bodies, coercing for everything else. */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodyAjv = makeAjv({ coerceTypes: false });
  const stringAjv = makeAjv({ coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : stringAjv).compile(schema as object);
}
