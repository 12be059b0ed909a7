/**
 * What a rollback would change: the settings and env of a target against the
 * service's current deployment. Pure, so it is tested without a database; secret
 * values are compared but never returned.
 */
import type { DeploymentRow } from '@kubidu/core/domain/deployment-rows';
import type { RollbackOnly } from '@kubidu/core/domain/vocabulary';
import type { DeploymentDiff } from '@kubidu/core/contract/deployments';

/** An env entry opened for comparison (secret values never leave this module). */
export interface OpenedEnv {
  key: string;
  isSecret: boolean;
  value: string;
}

type Settings = Pick<DeploymentRow, 'id' | 'imageUrl' | 'port' | 'replicas' | 'cpuLimit' | 'memoryLimit'>;

/** The diff of rolling back from `current` (null: nothing running) to `target`, limited by `only`. */
export function diffDeployments(
  target: Settings,
  current: Settings | null,
  env: { target: OpenedEnv[]; current: OpenedEnv[] },
  only?: RollbackOnly,
): DeploymentDiff {
  const fields: DeploymentDiff['fields'] = [];
  const pairs: [DeploymentDiff['fields'][number]['field'], string | number | null, string | number | null][] = [
    ['image', current?.imageUrl ?? null, target.imageUrl],
    ['port', current?.port ?? null, target.port],
    ['replicas', current?.replicas ?? null, target.replicas],
    ['cpuLimit', current?.cpuLimit ?? null, target.cpuLimit],
    ['memoryLimit', current?.memoryLimit ?? null, target.memoryLimit],
  ];
  for (const [field, from, to] of pairs) {
    // image-only keeps the current settings; config-only keeps the current image.
    if (only === 'image' && field !== 'image') continue;
    if (only === 'config' && field === 'image') continue;
    if (from !== to) fields.push({ field, from, to });
  }
  const out: DeploymentDiff['env'] = { added: [], removed: [], changed: [] };
  const base = { targetId: target.id, currentId: current?.id ?? null, fields, env: out };
  if (only === 'image') return { ...base, only };
  const from = new Map(env.current.map((e) => [e.key, e]));
  const to = new Map(env.target.map((e) => [e.key, e]));
  for (const [key, t] of to) {
    const f = from.get(key);
    if (!f) out.added.push({ key, isSecret: t.isSecret });
    else if (f.value !== t.value || f.isSecret !== t.isSecret) out.changed.push({ key, isSecret: t.isSecret || f.isSecret });
  }
  for (const [key, f] of from) if (!to.has(key)) out.removed.push({ key, isSecret: f.isSecret });
  return { ...base, only: only ?? null };
}
