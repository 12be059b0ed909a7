/**
 * The app's routes. Hash history, so the API only has to serve index.html at `/`
 * and deep links never hit the API's 404 handler.
 */
import { createRouter, createWebHashHistory, type Router } from 'vue-router';
import type { Auth } from './composables/useAuth.js';

/** Builds the router; signed-out visitors are sent to sign-in with a way back. */
export function createAppRouter(auth: Auth): Router {
  const router = createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/sign-in', name: 'sign-in', component: () => import('./views/SignInView.vue'), meta: { public: true, title: 'Sign in' } },
      { path: '/register', name: 'register', component: () => import('./views/RegisterView.vue'), meta: { public: true, title: 'Create an account' } },
      { path: '/', name: 'projects', component: () => import('./views/ProjectsView.vue'), meta: { title: 'Projects' } },
      { path: '/projects/:projectId', name: 'project', component: () => import('./views/ProjectView.vue'), props: true, meta: { title: 'Project' } },
      { path: '/projects/:projectId/audit', name: 'audit', component: () => import('./views/AuditView.vue'), props: true, meta: { title: 'Audit log' } },
      { path: '/deployments/:deploymentId', name: 'deployment', component: () => import('./views/DeploymentDetailView.vue'), props: true, meta: { title: 'Deployment' } },
      { path: '/services/:serviceId', name: 'service', component: () => import('./views/ServiceView.vue'), props: true, meta: { title: 'Service' } },
      { path: '/:pathMatch(.*)*', redirect: '/' },
    ],
  });
  router.beforeEach((to) => {
    if (!to.meta.public && !auth.isSignedIn.value) {
      return { name: 'sign-in', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
    }
    if (to.meta.public && auth.isSignedIn.value) return { name: 'projects' };
    return true;
  });
  router.afterEach((to) => {
    if (typeof document !== 'undefined') document.title = `${(to.meta.title as string) ?? 'Kubidu'} · Kubidu`;
  });
  return router;
}
