/**
 * Rendering and reading a service's Kustomize folder in the manifests repo.
 */
export * from './render.js';
export { baseTemplates, freshRepoFiles, TEMPLATE_DIR } from './template.js';
