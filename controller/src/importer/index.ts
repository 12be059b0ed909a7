/**
 * The git door: imports commits made outside Kubidu in the manifests repo as
 * deployment rows. start.ts wires `startGitImporter`; the API's webhook route
 * wakes it (in-process `trigger()`, or NOTIFY `kubidu_git_push` across processes).
 */
export * from './importer.js';
export * from './plan-import.js';
export { GIT_PUSH_CHANNEL, listenForGitPushes } from './git-push-listener.js';
