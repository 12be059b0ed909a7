/**
 * `--wait`: polls GET /api/deployments/:id with a spinner until the deployment
 * ends. RUNNING (or already SUCCESS) resolves; FAILED / CANCELLED / timeout throw
 * an exit-1 error carrying the deployment's statusMessage.
 */
import type { ApiClient } from './api-client.js';
import type { DeploymentStatus, DeploymentView } from '@kubidu/core/contract/deployments';
import type { Deps } from './deps.js';
import { DeploymentFailedError } from './errors.js';
import { shortId } from './resolve.js';

const DONE: readonly DeploymentStatus[] = ['RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED'];

/** Waits for `id` to finish; returns the final row when it is RUNNING/SUCCESS. */
export async function followDeployment(api: ApiClient, id: string, deps: Deps, timeoutSeconds: number): Promise<DeploymentView> {
  const spinner = deps.spinner();
  const deadline = deps.now().getTime() + timeoutSeconds * 1000;
  spinner.start(`Waiting for deployment ${shortId(id)}…`);
  try {
    for (;;) {
      const row = await api.getDeployment(id);
      if (DONE.includes(row.status)) {
        const { env: _env, ...plain } = row;
        if (row.status === 'RUNNING' || row.status === 'SUCCESS') {
          spinner.succeed(`Deployment ${shortId(id)} is ${row.status}${row.statusMessage ? `: ${row.statusMessage}` : ''}`);
          return plain;
        }
        spinner.fail(`Deployment ${shortId(id)} is ${row.status}`);
        const why = row.statusMessage ?? (row.status === 'CANCELLED' ? 'superseded before it started' : 'no message');
        throw new DeploymentFailedError(
          row.status === 'FAILED' ? 'DEPLOYMENT_FAILED' : 'DEPLOYMENT_CANCELLED',
          `Deployment ${shortId(id)} ${row.status === 'FAILED' ? 'failed' : 'was cancelled'}: ${why}`,
        );
      }
      if (deps.now().getTime() > deadline) {
        spinner.fail(`Deployment ${shortId(id)} is still ${row.status}`);
        throw new DeploymentFailedError(
          'WAIT_TIMEOUT',
          `Gave up waiting after ${timeoutSeconds}s: deployment ${shortId(id)} is still ${row.status} (it keeps going; see "kubidu status ${shortId(id)}")`,
        );
      }
      spinner.update(`Deployment ${shortId(id)} is ${row.status}…`);
      await deps.sleep(deps.pollIntervalMs);
    }
  } catch (err) {
    spinner.stop();
    throw err;
  }
}
