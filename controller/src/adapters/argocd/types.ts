/**
 * The parts of Argo CD's API objects Kubidu reads and writes, written by hand from the
 * vendored swagger (`contracts/argocd/swagger.json`, definition names in the comments).
 * Every field is optional because Argo CD omits empty fields on the wire.
 */

/** v1alpha1Info: a name/value pair shown in the Argo CD UI (operation info, app info). */
export interface ArgoInfo {
  name?: string;
  value?: string;
}

/** v1alpha1ApplicationSource */
export interface ArgoApplicationSource {
  repoURL?: string;
  path?: string;
  targetRevision?: string;
  chart?: string;
  name?: string;
  ref?: string;
  kustomize?: Record<string, unknown>;
}

/** v1alpha1SyncPolicyAutomated */
export interface ArgoSyncPolicyAutomated {
  enabled?: boolean;
  prune?: boolean;
  selfHeal?: boolean;
  allowEmpty?: boolean;
}

/** v1alpha1SyncPolicy */
export interface ArgoSyncPolicy {
  automated?: ArgoSyncPolicyAutomated;
  syncOptions?: string[];
}

/** v1alpha1ApplicationDestination */
export interface ArgoApplicationDestination {
  server?: string;
  namespace?: string;
  name?: string;
}

/** v1alpha1ApplicationSpec */
export interface ArgoApplicationSpec {
  project?: string;
  source?: ArgoApplicationSource;
  sources?: ArgoApplicationSource[];
  destination?: ArgoApplicationDestination;
  syncPolicy?: ArgoSyncPolicy;
  info?: ArgoInfo[];
}

/** v1alpha1OperationInitiator */
export interface ArgoOperationInitiator {
  username?: string;
  automated?: boolean;
}

/** v1alpha1SyncOperation */
export interface ArgoSyncOperation {
  revision?: string;
  revisions?: string[];
  prune?: boolean;
  dryRun?: boolean;
  syncOptions?: string[];
  source?: ArgoApplicationSource;
}

/** v1alpha1Operation: the requested operation; `info` is what the UI shows as "why". */
export interface ArgoOperation {
  sync?: ArgoSyncOperation;
  info?: ArgoInfo[];
  initiatedBy?: ArgoOperationInitiator;
  retry?: Record<string, unknown>;
}

/** v1alpha1ResourceResult */
export interface ArgoResourceResult {
  group?: string;
  version?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  status?: string;
  message?: string;
  hookPhase?: string;
  syncPhase?: string;
  images?: string[];
}

/** v1alpha1SyncOperationResult */
export interface ArgoSyncOperationResult {
  revision?: string;
  revisions?: string[];
  resources?: ArgoResourceResult[];
  source?: ArgoApplicationSource;
}

/** operationState.phase values (gitops-engine `OperationPhase`). */
export type ArgoOperationPhase = 'Running' | 'Terminating' | 'Failed' | 'Error' | 'Succeeded';

/** v1alpha1OperationState */
export interface ArgoOperationState {
  operation?: ArgoOperation;
  phase?: ArgoOperationPhase | string;
  message?: string;
  syncResult?: ArgoSyncOperationResult;
  startedAt?: string;
  finishedAt?: string;
  retryCount?: number;
}

/** status.sync.status values. */
export type ArgoSyncStatusCode = 'Synced' | 'OutOfSync' | 'Unknown';

/** v1alpha1SyncStatus */
export interface ArgoSyncStatus {
  status?: ArgoSyncStatusCode | string;
  revision?: string;
  revisions?: string[];
  comparedTo?: { source?: ArgoApplicationSource; destination?: ArgoApplicationDestination };
}

/** Health codes (gitops-engine `HealthStatusCode`). */
export type ArgoHealthCode = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';

/** v1alpha1AppHealthStatus */
export interface ArgoHealthStatus {
  status?: ArgoHealthCode | string;
  message?: string;
  lastTransitionTime?: string;
}

/** v1alpha1ApplicationCondition */
export interface ArgoApplicationCondition {
  type?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** v1alpha1ApplicationStatus */
export interface ArgoApplicationStatus {
  sync?: ArgoSyncStatus;
  health?: ArgoHealthStatus;
  operationState?: ArgoOperationState;
  conditions?: ArgoApplicationCondition[];
  reconciledAt?: string;
  history?: Array<{ id?: number; revision?: string; deployedAt?: string; initiatedBy?: ArgoOperationInitiator }>;
}

/** v1ObjectMeta (the fields Kubidu uses) */
export interface ArgoObjectMeta {
  name?: string;
  namespace?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
}

/** v1alpha1Application */
export interface ArgoApplication {
  apiVersion?: string;
  kind?: string;
  metadata?: ArgoObjectMeta;
  spec?: ArgoApplicationSpec;
  status?: ArgoApplicationStatus;
  operation?: ArgoOperation;
}

/** applicationApplicationSyncRequest (the fields Kubidu sends). */
export interface ArgoSyncRequest {
  name?: string;
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  infos?: ArgoInfo[];
  /** applicationSyncOptions: an object wrapping the list, not a bare array. */
  syncOptions?: { items?: string[] };
  appNamespace?: string;
  project?: string;
}

/** sessionSessionCreateRequest */
export interface ArgoSessionCreateRequest {
  username?: string;
  password?: string;
  token?: string;
}

/** sessionSessionResponse */
export interface ArgoSessionResponse {
  token?: string;
}

/** runtimeError: grpc-gateway's error body. `code` is the gRPC status code. */
export interface ArgoRuntimeError {
  error?: string;
  code?: number;
  message?: string;
  details?: unknown[];
}

/** gRPC status codes that appear in Argo CD error bodies. */
export const GrpcCode = {
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  PermissionDenied: 7,
  FailedPrecondition: 9,
  Aborted: 10,
  Internal: 13,
  Unavailable: 14,
  Unauthenticated: 16,
} as const;
