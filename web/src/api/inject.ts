/**
 * The injection key for the one ApiClient, so components and composables get it
 * from the app (or from a test's `global.provide`) instead of importing a singleton.
 */
import { inject, type InjectionKey } from 'vue';
import type { ApiClient } from './client.js';

export const apiKey: InjectionKey<ApiClient> = Symbol('kubidu-api');

/** Returns the provided client; a missing provider is a programming error, so it throws. */
export function useApi(): ApiClient {
  const api = inject(apiKey, null);
  if (!api) throw new Error('ApiClient not provided (app.provide(apiKey, client))');
  return api;
}
