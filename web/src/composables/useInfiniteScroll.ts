/**
 * "Load more as you scroll": watches a sentinel element and calls `onReach`
 * when it comes into view. Where IntersectionObserver is missing nothing
 * happens, and the real "Load more" button next to the sentinel still works.
 */
import { onScopeDispose, watch, type Ref } from 'vue';

export function useInfiniteScroll(
  sentinel: Ref<HTMLElement | null | undefined>,
  onReach: () => void,
  enabled: Ref<boolean>,
  /** Changes when a page has landed; the sentinel is re-checked, since it may still be in view. */
  recheck?: Ref<unknown>,
): void {
  if (typeof IntersectionObserver === 'undefined') return;
  const observer = new IntersectionObserver(
    (entries) => {
      if (enabled.value && entries.some((e) => e.isIntersecting)) onReach();
    },
    { rootMargin: '200px 0px' },
  );
  const stop = watch(
    sentinel,
    (el, old) => {
      if (old) observer.unobserve(old);
      if (el) observer.observe(el);
    },
    { immediate: true, flush: 'post' },
  );
  const stopRecheck = recheck
    ? watch(
        recheck,
        () => {
          const el = sentinel.value;
          if (!el) return;
          observer.unobserve(el);
          observer.observe(el);
        },
        { flush: 'post' },
      )
    : () => undefined;
  onScopeDispose(() => {
    stop();
    stopRecheck();
    observer.disconnect();
  });
}
