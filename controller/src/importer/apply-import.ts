/**
 * Applies one outside commit in one transaction: its rows (through core's
 * insertDeployment, the same insert every door uses), their audit rows, the hold a
 * `git revert` of a rollback lifts (core's releaseHold), and the bookmark.
 */
import type { DataSource } from 'typeorm';
import type { SecretBox } from '@kubidu/core/crypto/secret-box';
import type { AuditWriter } from '@kubidu/core/domain/audit';
import { insertDeployment } from '@kubidu/core/domain/deployments';
import { sealEnv } from '@kubidu/core/domain/env-rows';
import { releaseHold } from '@kubidu/core/domain/holds';
import { AUDIT_ACTIONS } from '@kubidu/core/domain/vocabulary';
import { describeRevert, describeUnreadable, type CommitPlan, type PlanCommit } from './plan-import.js';
import type { ImportStore } from './import-store.js';
import { readCommitFolder, type ImporterGit, type RowPlan } from './read-commit.js';

const UNREADABLE_IMAGE = '(unreadable)';

/** What applying a commit needs. */
export interface ApplyDeps {
  ds: DataSource;
  git: ImporterGit;
  store: ImportStore;
  secretBox: SecretBox;
  audit: AuditWriter;
}

/** Handles one commit in one transaction (rows + audit + bookmark). Returns counts. */
export async function applyCommit(
  deps: ApplyDeps,
  prev: string | null,
  commit: PlanCommit,
  plan: CommitPlan,
): Promise<{ imported: number; warnings: number }> {
  const { ds, store, audit } = deps;
  if (plan.action === 'skip') {
    await store.advance(ds, prev, commit.sha);
    return { imported: 0, warnings: 0 };
  }
  const rows: RowPlan[] = [];
  for (const ref of plan.services) rows.push(await readCommitFolder(deps.git, store, commit.sha, plan, ref));
  const short = commit.sha.slice(0, 8);
  const who = { actorId: null, actor: plan.actor };
  let imported = 0;
  let warnings = 0;
  await ds.transaction(async (m) => {
    for (const r of rows) {
      if (r.kind === 'unknown-service') {
        await audit.append(m, {
          ...who,
          action: AUDIT_ACTIONS.gitWarning,
          data: { commit: commit.sha, author: plan.actor, dir: r.dir, reason: `no Kubidu service ${r.project}/${r.serviceName}; the folder was not imported` },
        });
        warnings++;
        continue;
      }
      if (r.kind === 'unreadable') {
        const msg = describeUnreadable(commit.sha, r.reason, plan.actor);
        const row = await insertDeployment(m, {
          serviceId: r.service.id,
          status: 'FAILED',
          source: 'GIT',
          imageUrl: UNREADABLE_IMAGE,
          commitMessage: plan.subject,
          port: r.service.port,
          replicas: 1,
          actor: plan.actor,
          manifestsCommitSha: commit.sha,
          statusMessage: msg,
          warning: msg,
        });
        if (row) {
          await audit.append(m, {
            ...who,
            action: AUDIT_ACTIONS.gitWarning,
            projectId: r.service.projectId,
            serviceId: r.service.id,
            deploymentId: row.id,
            data: { commit: commit.sha, author: plan.actor, dir: r.dir, reason: r.reason },
          });
          warnings++;
        }
        continue;
      }
      const revertText = r.reverted ? describeRevert(r.reverted.kind, r.reverted.short) : null;
      const reasonParts = [revertText && (r.restoredId ? `${revertText}; restores deployment ${r.restoredId.slice(0, 8)}` : revertText), plan.body || null].filter(Boolean);
      const statusMessage = [
        revertText ? `${revertText} (commit ${short} by ${plan.actor})` : `Imported commit ${short} by ${plan.actor} from the manifests repo`,
        ...r.warnings,
      ].join('; ');
      // envFrom: the Secret comes after the ConfigMap and wins, so a key in both is a secret.
      const secretKeys = new Set(r.secretRows.map((e) => e.key));
      const plain = Object.fromEntries(Object.entries(r.state.env).filter(([k]) => !secretKeys.has(k)));
      const row = await insertDeployment(
        m,
        {
          serviceId: r.service.id,
          status: 'QUEUED',
          source: 'GIT',
          imageUrl: r.state.image,
          commitMessage: plan.subject,
          port: r.state.port,
          replicas: r.state.replicas,
          cpuLimit: r.state.cpuLimit,
          memoryLimit: r.state.memoryLimit,
          rollbackFromId: r.restoredId,
          revertsDeploymentId: r.reverted?.id ?? null,
          actor: plan.actor,
          manifestsCommitSha: commit.sha,
          statusMessage,
          reason: reasonParts.length ? reasonParts.join('\n\n').slice(0, 2000) : null,
          warning: r.warnings.length ? r.warnings.join('; ') : null,
        },
        [...sealEnv(deps.secretBox, { env: plain }), ...r.secretRows],
      );
      if (!row) continue; // seen before (webhook and poll, or a retried run)
      const at = { projectId: r.service.projectId, serviceId: r.service.id, deploymentId: row.id };
      await audit.append(m, {
        ...who,
        ...at,
        action: AUDIT_ACTIONS.gitChange,
        data: {
          commit: commit.sha,
          author: plan.actor,
          subject: plan.subject,
          image: r.state.image,
          ...(r.reverted ? { reverts: { commit: plan.revert!.revertedSha, deploymentId: r.reverted.id, kind: r.reverted.kind } } : {}),
          ...(r.restoredId ? { restores: r.restoredId } : {}),
          ...(r.secretFrom ? { secretsFrom: r.secretFrom } : {}),
          warnings: r.warnings,
        },
      });
      // A git revert of the very rollback that holds this service undoes it: the hold that
      // protected that rollback from being deployed over goes with it (audited like a release).
      if (r.reverted?.id) {
        await releaseHold(m, audit, { ...who, projectId: r.service.projectId }, r.service.id, {
          onlyRollbackId: r.reverted.id,
          data: { by: 'git revert', commit: commit.sha, deploymentId: row.id },
        });
      }
      imported++;
      warnings += r.warnings.length;
    }
    await store.advance(m, prev, commit.sha);
  });
  return { imported, warnings };
}
