/**
 * A project's outgoing webhooks for the web panel: load, add, switch on/off,
 * remove, and read a hook's delivery log, through the API client's generic
 * `request` (so the shared client stays as it is). The pure parts — the form check
 * and the words for a delivery — are exported for tests without a DOM.
 */
import { ref, shallowRef } from 'vue';
import type { DeliveryList, DeliveryView, WebhookView } from '@kubidu/core/contract/webhooks';
import { WEBHOOK_EVENTS, type WebhookEvent, type WebhookFormat } from '@kubidu/core/contract/webhook-words';
import { ApiError, type ApiClient } from '../api/client.js';

/** What the add form holds. */
export interface HookForm {
  url: string;
  secret: string;
  format: WebhookFormat;
  events: WebhookEvent[];
}

/** A fresh form: every event, JSON. */
export function emptyHookForm(): HookForm {
  return { url: '', secret: '', format: 'json', events: [...WEBHOOK_EVENTS] };
}

/** What is wrong with the form before it is sent (the API checks again and says more), or null. */
export function hookFormProblem(f: HookForm): string | null {
  const url = f.url.trim();
  if (!/^https?:\/\/\S+$/i.test(url)) return 'The URL must start with http:// or https://.';
  if (f.secret.length < 8) return 'The signing secret must be at least 8 characters.';
  if (f.events.length === 0) return 'Pick at least one event.';
  return null;
}

/** One line for a delivery attempt: what happened and what comes next. */
export function describeDelivery(d: DeliveryView): string {
  const what = d.statusCode !== null ? `HTTP ${d.statusCode}` : (d.error ?? 'no answer');
  const base = `${d.eventType} · attempt ${d.attempt} · ${what} · ${d.durationMs} ms`;
  if (d.outcome === 'DELIVERED') return `Delivered: ${base}`;
  if (d.outcome === 'FAILED') return `Gave up: ${base}`;
  return `Failed, retrying${d.nextRetryAt ? ` at ${new Date(d.nextRetryAt).toLocaleTimeString()}` : ''}: ${base}`;
}

/** State and actions of the panel for one project. */
export function useWebhooks(api: ApiClient, projectId: () => string) {
  const hooks = shallowRef<WebhookView[]>([]);
  const deliveries = shallowRef<Record<string, DeliveryList>>({});
  const error = ref<string | null>(null);
  const loading = ref(false);
  const base = () => `/api/projects/${encodeURIComponent(projectId())}/webhooks`;

  async function run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    error.value = null;
    try {
      return await fn();
    } catch (err) {
      error.value = err instanceof ApiError ? err.message : 'Something went wrong.';
      return undefined;
    }
  }

  async function load() {
    loading.value = true;
    await run(async () => {
      hooks.value = (await api.request<{ items: WebhookView[] }>(base())).items;
    });
    loading.value = false;
  }

  async function add(form: HookForm): Promise<boolean> {
    const problem = hookFormProblem(form);
    if (problem) {
      error.value = problem;
      return false;
    }
    const created = await run(() =>
      api.request<WebhookView>(base(), { method: 'POST', body: { url: form.url.trim(), secret: form.secret, format: form.format, events: form.events } }),
    );
    if (!created) return false;
    hooks.value = [...hooks.value, created];
    return true;
  }

  async function setEnabled(hook: WebhookView, enabled: boolean) {
    const updated = await run(() => api.request<WebhookView>(`${base()}/${hook.id}`, { method: 'PATCH', body: { enabled } }));
    if (updated) hooks.value = hooks.value.map((h) => (h.id === hook.id ? updated : h));
  }

  async function remove(hook: WebhookView) {
    const ok = await run(async () => {
      await api.request(`${base()}/${hook.id}`, { method: 'DELETE' });
      return true;
    });
    if (ok) hooks.value = hooks.value.filter((h) => h.id !== hook.id);
  }

  async function loadDeliveries(hook: WebhookView) {
    const list = await run(() => api.request<DeliveryList>(`${base()}/${hook.id}/deliveries?limit=20`));
    if (list) deliveries.value = { ...deliveries.value, [hook.id]: list };
  }

  return { hooks, deliveries, error, loading, load, add, setEnabled, remove, loadDeliveries };
}
