/**
 * The manifests repo adapter: the only module that talks git (and the only
 * importer of isomorphic-git). README.md explains how a commit reaches the remote.
 */
export * from './types.js';
export * from './errors.js';
export { createGitAdapter } from './adapter.js';
export { ensureBareRepo } from './bare-repo.js';
export { formatCommitMessage, parseTrailers, hasTrailer, TRAILER_ACTOR, TRAILER_DEPLOYMENT, TRAILER_ROLLBACK_OF, type CommitMessageInput } from './commit-message.js';
