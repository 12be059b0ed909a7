/**
 * Vite config for the web app. `npm run build -w web` writes web/dist, which the
 * API serves on the same origin; `npm run dev -w web` proxies /api to a local API.
 */
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Never shipped: the API would serve them to anyone (issue 16.14); debug with `npm run dev -w web`.
    sourcemap: false,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: process.env.KUBIDU_API_URL ?? 'http://127.0.0.1:8080', changeOrigin: true },
    },
  },
});
