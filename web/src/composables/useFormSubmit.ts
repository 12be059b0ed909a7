/**
 * A form's one submit at a time: busy while in flight, and the API's own message
 * (its validation text, as the CLI prints it) shown inline when it refuses.
 */
import { ref, shallowRef } from 'vue';
import { ApiError } from '../api/client.js';

/** Busy flag, error and `run` for one form. */
export function useFormSubmit() {
  const busy = ref(false);
  const error = shallowRef<ApiError | null>(null);
  /** Runs `work` unless a submit is in flight; resolves its result, or null with `error` set. */
  async function run<T>(work: () => Promise<T>): Promise<T | null> {
    if (busy.value) return null;
    busy.value = true;
    error.value = null;
    try {
      return await work();
    } catch (err) {
      error.value = err instanceof ApiError ? err : new ApiError('INTERNAL', 'Something went wrong.', 0);
      return null;
    } finally {
      busy.value = false;
    }
  }
  /** Shows a message found before sending (a malformed line), in the same place. */
  function fail(message: string) {
    error.value = new ApiError('VALIDATION_ERROR', message, 400);
  }
  return { busy, error, run, fail };
}
