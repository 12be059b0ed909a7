/**
 * Entry point: one API client (token from the session; a 401 signs out and goes
 * to sign-in), the router, and the app.
 */
import { createApp } from 'vue';
import App from './App.vue';
import { createApiClient } from './api/client.js';
import { apiKey } from './api/inject.js';
import { useAuth } from './composables/useAuth.js';
import { createAppRouter } from './router.js';
import './styles.css';

const auth = useAuth();
const router = createAppRouter(auth);
const api = createApiClient({
  getToken: () => auth.token.value,
  onUnauthorized: () => {
    auth.signOut();
    const here = router.currentRoute.value;
    if (!here.meta.public) void router.push({ name: 'sign-in', query: { redirect: here.fullPath, expired: '1' } });
  },
});

createApp(App).provide(apiKey, api).use(router).mount('#app');
