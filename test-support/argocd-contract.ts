/**
 * The vendored Argo CD API contract (contracts/argocd/swagger.json) as request and answer
 * validators for the Argo CD test server: which paths and methods exist, which query
 * parameters each takes, and the schema of each body and 200 answer. Stricter than Argo CD in
 * one way: unknown body fields are rejected, so a misspelt field fails a test instead of being
 * ignored.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

const SWAGGER_PATH = fileURLToPath(new URL('../contracts/argocd/swagger.json', import.meta.url));

type Swagger = {
  paths: Record<string, Record<string, { operationId: string; parameters?: Array<{ name: string; in: string; schema?: { $ref: string }; type?: string }>; responses: Record<string, { schema?: { $ref: string } }> }>>;
  definitions: Record<string, any>;
};

/** One operation of the swagger, ready to match a request against. */
export interface ContractRoute {
  method: string;
  template: string;
  regex: RegExp;
  params: string[];
  operationId: string;
  query: Set<string>;
  body?: ValidateFunction;
  response?: ValidateFunction;
}

/** Adds additionalProperties:false to every object schema that lists its properties. */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strict(s)])) : strict(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** Reads the swagger once per server: every route, and the validator of grpc-gateway's error body. */
export function loadArgoContract(): { routes: ContractRoute[]; errorSchema: ValidateFunction } {
  const swagger = JSON.parse(readFileSync(SWAGGER_PATH, 'utf8')) as Swagger;
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const f of ['int32', 'int64', 'byte', 'date-time', 'uint32', 'uint64', 'double', 'float']) ajv.addFormat(f, true);
  ajv.addSchema({ $id: 'argocd', definitions: strict(swagger.definitions) });
  const ref = (r: string) => ajv.compile({ $ref: `argocd${r}` });
  const routes: ContractRoute[] = [];
  for (const [template, ops] of Object.entries(swagger.paths)) {
    const params: string[] = [];
    const regex = new RegExp('^' + template.replace(/\{([^}]+)\}/g, (_m, p) => (params.push(p), '([^/]+)')) + '$');
    for (const [method, op] of Object.entries(ops)) {
      const bodyParam = op.parameters?.find((p) => p.in === 'body');
      const ok = op.responses['200']?.schema?.$ref;
      routes.push({
        method: method.toUpperCase(),
        template,
        regex,
        params,
        operationId: op.operationId,
        query: new Set((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)),
        body: bodyParam?.schema ? ref(bodyParam.schema.$ref) : undefined,
        response: ok ? ref(ok) : undefined,
      });
    }
  }
  return { routes, errorSchema: ref('#/definitions/runtimeError') };
}
