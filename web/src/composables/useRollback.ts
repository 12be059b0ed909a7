/**
 * One opening of the rollback dialog: the diff against the current deployment,
 * an optional reason, and a confirm that is safe to retry (the Idempotency-Key
 * is made once per opening, so a retry after a lost answer does not roll back twice).
 */
import { ref, shallowRef } from 'vue';
import { ApiError, type ApiClient } from '../api/client.js';
import type { Deployment, DeploymentDiff, DiffField } from '../api/types.js';

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

/**
 * Puts a diff into lines a person reads: fields as from → to, env keys as
 * added/removed/changed. Secret keys never show a value — only that they changed (pure).
 */
export function formatDiff(diff: DeploymentDiff): DiffLine[] {
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
        text: `${e.isSecret ? 'Secret' : 'Variable'} ${e.key} ${e.isSecret && change === 'changed' ? 'changed (value hidden)' : verbs[change]}`,
      });
    }
  }
  return lines;
}

/** A summary sentence for the top of the diff (pure). */
export function summarizeDiff(diff: DeploymentDiff): string {
  if (!diff.currentId) return 'There is no current deployment; this will deploy the target as it was.';
  const n = formatDiff(diff).length;
  if (n === 0) return 'Nothing differs from the current deployment; it will be redeployed as it was.';
  return `${n} ${n === 1 ? 'change' : 'changes'} against the current deployment:`;
}

/** The first 8 characters of an id, as shown everywhere (pure). */
export function shortId(id: string | null | undefined): string {
  return (id ?? '').slice(0, 8);
}

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
export function useRollback(target: Deployment, opts: { api: ApiClient }) {
  const { api } = opts;
  const idempotencyKey = newIdempotencyKey();
  const diff = shallowRef<DeploymentDiff | null>(null);
  const diffError = ref<string | null>(null);
  const diffLoading = ref(false);
  const reason = ref('');
  const submitting = ref(false);
  const error = shallowRef<{ code: string; message: string } | null>(null);

  async function loadDiff(): Promise<void> {
    diffLoading.value = true;
    diffError.value = null;
    try {
      diff.value = await api.getDiff(target.id);
    } catch (err) {
      diffError.value = err instanceof ApiError ? err.message : 'Could not load the changes.';
    } finally {
      diffLoading.value = false;
    }
  }

  /** Posts the rollback; resolves the new row, or null with `error` set. */
  async function confirm(): Promise<Deployment | null> {
    if (submitting.value) return null;
    submitting.value = true;
    error.value = null;
    try {
      const created = await api.rollback(target.id, { reason: reason.value.trim() || undefined, idempotencyKey });
      return created;
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('INTERNAL', 'Something went wrong.', 0);
      error.value = { code: e.code, message: rollbackErrorText(e) };
      return null;
    } finally {
      submitting.value = false;
    }
  }

  return { idempotencyKey, diff, diffError, diffLoading, reason, submitting, error, loadDiff, confirm };
}
