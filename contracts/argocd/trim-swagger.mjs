// Regenerates swagger.json here from the full upstream Argo CD swagger:
//   node contracts/argocd/trim-swagger.mjs /path/to/upstream/assets/swagger.json
// Keeps only the operations Kubidu calls and every definition they reach.
import { readFileSync, writeFileSync } from 'node:fs';

const KEEP = {
  '/api/v1/session': ['post', 'delete'],
  '/api/v1/applications/{name}': ['get'],
  '/api/v1/applications/{name}/sync': ['post'],
  '/api/v1/applications/{name}/operation': ['delete'],
};
const full = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = { swagger: full.swagger, info: full.info, consumes: full.consumes, produces: full.produces, paths: {}, definitions: {} };
for (const [p, methods] of Object.entries(KEEP)) {
  out.paths[p] = {};
  for (const m of methods) out.paths[p][m] = full.paths[p][m];
}
const todo = [];
const collect = (node) => {
  if (Array.isArray(node)) node.forEach(collect);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') todo.push(v.replace('#/definitions/', ''));
      else collect(v);
    }
  }
};
collect(out.paths);
while (todo.length) {
  const name = todo.pop();
  if (out.definitions[name]) continue;
  out.definitions[name] = full.definitions[name];
  collect(full.definitions[name]);
}
out.definitions = Object.fromEntries(Object.entries(out.definitions).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(new URL('./swagger.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
console.log(`${Object.keys(out.paths).length} paths, ${Object.keys(out.definitions).length} definitions`);
