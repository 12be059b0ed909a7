/**
 * Load-once data for the simple views (projects, services, one project): data,
 * error in words, and a loading flag, with stale answers from an earlier call dropped.
 */
import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import { ApiError } from '../api/client.js';

export interface Resource<T> {
  data: ShallowRef<T | null>;
  error: ShallowRef<ApiError | null>;
  loading: Ref<boolean>;
  load(): Promise<void>;
}

export function useResource<T>(fetcher: () => Promise<T>): Resource<T> {
  const data = shallowRef<T | null>(null);
  const error = shallowRef<ApiError | null>(null);
  const loading = ref(false);
  let call = 0;
  async function load() {
    const mine = ++call;
    loading.value = true;
    try {
      const value = await fetcher();
      if (mine !== call) return;
      data.value = value;
      error.value = null;
    } catch (err) {
      if (mine !== call) return;
      error.value = err instanceof ApiError ? err : new ApiError('INTERNAL', 'Something went wrong.', 0);
    } finally {
      if (mine === call) loading.value = false;
    }
  }
  return { data, error, loading, load };
}
