/**
 * One opening of the rollback dialog: the diff against the current deployment,
 * an optional reason, and a confirm that is safe to retry (the Idempotency-Key
 * is made once per opening, so a retry after a lost answer does not roll back twice).
 */
import { ref, shallowRef } from 'vue';
import { ApiError, type ApiClient } from '../api/client.js';
import type { DeploymentDiff, DeploymentView, DiffField, RollbackOnly } from '@kubidu/core/contract/deployments';

/** One line of the "what will change" list, already in words. */
export type DiffLine =
  | { kind: 'field'; field: DiffField['field']; label: string; from: string; to: string }
  | { kind: 'env'; change: 'added' | 'removed' | 'changed'; key: string; isSecret: boolean; text: string };

const FIELD_LABELS: Record<DiffField['field'], string> = {
  image: 'Image',
  port: 'Port',
  replicas: 'Replicas',
  cpuLimit: 'CPU limit',
  memoryLimit: 'Memory limit',
};

function show(v: string | number | null | undefined): string {
  return v === null || v === undefined || v === '' ? 'none' : String(v);
}

/** Plain env values on each side of a diff (`from` = the deployment replaced, `to` = the one deployed); secrets are absent or null. */
export interface DiffValues {
  from: Record<string, string | null>;
  to: Record<string, string | null>;
}

/** A plain variable's line with its values, as the CLI prints it: `GREETING: hello v1 → hello v3` (pure). */
function plainText(change: 'added' | 'removed' | 'changed', key: string, values?: DiffValues): string | null {
  const from = values?.from[key];
  const to = values?.to[key];
  if (change === 'changed' && typeof from === 'string' && typeof to === 'string') return `${key}: ${from} → ${to}`;
  if (change === 'added' && typeof to === 'string') return `Variable ${key} added: ${to}`;
  if (change === 'removed' && typeof from === 'string') return `Variable ${key} removed (was ${from})`;
  return null;
}

/** Plain values by key from a deployment's env entries; secrets are left out (pure). */
export function plainValues(env: { key: string; value: string | null; isSecret: boolean }[] | null | undefined): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const e of env ?? []) if (!e.isSecret) out[e.key] = e.value;
  return out;
}

/**
 * Puts a diff into lines a person reads: fields as from → to, env keys as
 * added/removed/changed, plain ones with their values when `values` has them.
 * Secret keys never show a value — only that they changed (pure).
 */
export function formatDiff(diff: DeploymentDiff, values?: DiffValues): DiffLine[] {
  const lines: DiffLine[] = diff.fields.map((f) => ({
    kind: 'field',
    field: f.field,
    label: FIELD_LABELS[f.field] ?? f.field,
    from: show(f.from),
    to: show(f.to),
  }));
  const verbs = { added: 'added', removed: 'removed', changed: 'changed' } as const;
  for (const change of ['added', 'removed', 'changed'] as const) {
    for (const e of [...(diff.env?.[change] ?? [])].sort((a, b) => a.key.localeCompare(b.key))) {
      lines.push({
        kind: 'env',
        change,
        key: e.key,
        isSecret: e.isSecret,
        text:
          (!e.isSecret && plainText(change, e.key, values)) ||
          `${e.isSecret ? 'Secret' : 'Variable'} ${e.key} ${e.isSecret && change === 'changed' ? 'changed (value hidden)' : verbs[change]}`,
      });
    }
  }
  return lines;
}

/** A summary sentence for the top of the diff (pure). */
export function summarizeDiff(diff: DeploymentDiff): string {
  if (!diff.currentId) return 'There is no current deployment; this will deploy the target as it was.';
  const n = formatDiff(diff).length;
  const part = diff.only === 'image' ? ' in the image' : diff.only === 'config' ? ' in the config' : '';
  if (n === 0) return `Nothing differs${part} from the current deployment; it will be redeployed as it was.`;
  return `${n} ${n === 1 ? 'change' : 'changes'}${part} against the current deployment:`;
}

/** The dialog's three choices: everything, the image only, the config only. */
export const ROLLBACK_CHOICES: readonly { value: 'all' | RollbackOnly; label: string; hint: string }[] = [
  { value: 'all', label: 'Everything', hint: 'image, env and settings as they were' },
  { value: 'image', label: 'Image only', hint: 'keep the current env and settings' },
  { value: 'config', label: 'Config only', hint: 'env and settings as they were; keep the current image' },
];

/**
 * A fresh Idempotency-Key. `crypto.randomUUID` exists only in secure contexts
 * (https or localhost), so plain-http deployments fall back to getRandomValues.
 */
export function newIdempotencyKey(c: Pick<Crypto, 'getRandomValues'> & { randomUUID?: () => string } = globalThis.crypto): string {
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Words for a failed confirm, by contract code, for people rather than logs (pure). */
export function rollbackErrorText(err: ApiError): string {
  switch (err.code) {
    case 'FORBIDDEN':
      return 'You do not have permission to roll back this service.';
    case 'ROLLBACK_TARGET_INVALID':
      return err.message || 'This deployment cannot be rolled back to.';
    case 'ROLLBACK_TARGET_CURRENT':
      return 'This deployment is already the current one; there is nothing to roll back.';
    case 'ROLLBACK_TARGET_BAD':
      return err.message || 'This deployment is marked bad; unmark it to roll back to it.';
    case 'IMAGE_MARKED_BAD':
      return err.message || 'That image is marked bad; unmark it first.';
    case 'NO_CURRENT_DEPLOYMENT':
      return 'There is no current deployment to keep the rest from; roll back everything instead.';
    case 'DEPLOYMENT_NOT_FOUND':
    case 'NOT_FOUND':
      return 'This deployment no longer exists.';
    case 'NETWORK_ERROR':
      return 'Could not reach the server. Nothing was changed that we know of; you can try again safely.';
    default:
      return err.message;
  }
}

/** State and actions for one dialog opening. */
export function useRollback(target: DeploymentView, opts: { api: ApiClient }) {
  const { api } = opts;
  const idempotencyKey = newIdempotencyKey();
  // One key per choice: a retry of the same choice replays, another choice is another request.
  const keys = new Map<string, string>([['all', idempotencyKey]]);
  const idempotencyKeyFor = (choice: string) => keys.get(choice) ?? keys.set(choice, newIdempotencyKey()).get(choice)!;
  const diff = shallowRef<DeploymentDiff | null>(null);
  /** Plain values of the current deployment (`from`) and the target (`to`), as the CLI shows them. */
  const values = shallowRef<DiffValues | undefined>(undefined);
  const diffError = ref<string | null>(null);
  const diffLoading = ref(false);
  const reason = ref('');
  /** What to roll back; the diff follows it. */
  const only = ref<'all' | RollbackOnly>('all');
  const submitting = ref(false);
  const error = shallowRef<{ code: string; message: string } | null>(null);

  async function loadDiff(): Promise<void> {
    const choice = only.value;
    diffLoading.value = true;
    diffError.value = null;
    try {
      const d = await api.getDiff(target.id, choice === 'all' ? null : choice);
      // Plain values come from the two deployments' env (as the CLI does); without them the lines just name the keys.
      const detail = (id: string | null) => (id ? api.getDeployment(id).catch(() => null) : Promise.resolve(null));
      const [to, from] = await Promise.all([detail(target.id), detail(d.currentId)]);
      // A slower answer for an earlier choice must not replace the one now chosen.
      if (choice === only.value) {
        values.value = to && (from || !d.currentId) ? { from: plainValues(from?.env), to: plainValues(to.env) } : undefined;
        diff.value = d;
      }
    } catch (err) {
      if (choice === only.value) diffError.value = err instanceof ApiError ? err.message : 'Could not load the changes.';
    } finally {
      if (choice === only.value) diffLoading.value = false;
    }
  }

  /** Posts the rollback; resolves the new row, or null with `error` set. */
  async function confirm(): Promise<DeploymentView | null> {
    if (submitting.value) return null;
    submitting.value = true;
    error.value = null;
    try {
      const created = await api.rollback(target.id, {
        reason: reason.value.trim() || undefined,
        only: only.value === 'all' ? null : only.value,
        idempotencyKey: idempotencyKeyFor(only.value),
      });
      return created;
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('INTERNAL', 'Something went wrong.', 0);
      error.value = { code: e.code, message: rollbackErrorText(e) };
      return null;
    } finally {
      submitting.value = false;
    }
  }

  return { idempotencyKey, diff, values, diffError, diffLoading, reason, only, submitting, error, loadDiff, confirm };
}
