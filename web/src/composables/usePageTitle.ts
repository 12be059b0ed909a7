/**
 * The tab's title from what the page shows ("web · Shop Demo", "Service not
 * found"), not just the route's kind; the router's meta title is the fallback.
 */
import { watch, type Ref } from 'vue';

/** `Title · Kubidu` (pure). */
export function pageTitle(title: string | null | undefined): string {
  return `${title?.trim() || 'Kubidu'} · Kubidu`;
}

/** Keeps document.title in step with `title` while the calling component lives. */
export function usePageTitle(title: Ref<string | null | undefined>): void {
  watch(
    title,
    (t) => {
      if (typeof document !== 'undefined' && t) document.title = pageTitle(t);
    },
    { immediate: true },
  );
}
