/**
 * The hold banner's words. A history row's door, revert and partial-rollback
 * labels are the contract's (`@kubidu/core/contract/labels`), shared with the CLI.
 */
import type { DeployHoldView } from '@kubidu/core/contract/deployments';
import { shortId } from '@kubidu/core/contract/labels';

/** The hold banner's sentence. */
export function holdText(h: DeployHoldView): string {
  return `Deploys are held: rollback ${shortId(h.rollbackId)} by ${h.heldBy} is in force${h.reason ? ` (${h.reason})` : ''}. New deploys answer 409 until someone releases the hold.`;
}
