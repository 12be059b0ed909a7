/**
 * The commit message is how `git log`, the Argo CD UI and Kubidu tell the same
 * story: a conventional subject people can read, a body with the reason and
 * actor, and trailers machines can find again (crash recovery, the git door).
 */

/** What one deployment commit says. */
export interface CommitMessageInput {
  kind: 'deploy' | 'rollback';
  project: string;
  service: string;
  image: string;
  /** Short id of the deployment rolled back to (defaults to the first 8 chars of rollbackOfId). */
  targetShortId?: string;
  reason?: string | null;
  /** The deploy's own message (`kubidu deploy -m`), kept as written in the body. */
  message?: string | null;
  /** A partial rollback (issue 10): only the target's image, or only its env and settings. */
  only?: 'image' | 'config' | null;
  actor: string;
  deploymentId: string;
  rollbackOfId?: string | null;
}

export const TRAILER_DEPLOYMENT = 'Kubidu-Deployment';
export const TRAILER_ROLLBACK_OF = 'Kubidu-Rollback-Of';
export const TRAILER_ACTOR = 'Kubidu-Actor';

const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ').trim();

/** Free text for the body, kept out of the trailer block: lines that would parse as a trailer are indented. */
function bodyText(text: string | null | undefined): string {
  return (text ?? '')
    .replace(/\r\n?/g, '\n')
    .trim()
    .split('\n')
    .map((l) => (/^[A-Za-z0-9-]+:\s/.test(l) ? `  ${l}` : l))
    .join('\n');
}

/**
 * The git author of a commit made for `actor`: the person, so `git log`, `git blame`
 * and the Argo CD UI name who did it (the committer stays Kubidu). An actor that is
 * not an email address (the controller itself) gets null: the commit is Kubidu's.
 */
export function authorFor(actor: string): { name: string; email: string } | null {
  const email = actor.trim();
  if (!/^[^\s<>@]+@[^\s<>@]+$/.test(email)) return null;
  return { name: email.slice(0, email.indexOf('@')), email };
}

/** Adds a paragraph to a formatted message's body, just above its trailer block. */
export function withBodyNote(message: string, note: string): string {
  const text = bodyText(note);
  const trimmed = message.replace(/\s+$/, '');
  const cut = trimmed.lastIndexOf('\n\n');
  if (!text) return message;
  if (cut < 0) return `${trimmed}\n\n${text}\n`;
  return `${trimmed.slice(0, cut)}\n\n${text}${trimmed.slice(cut)}\n`;
}

/** Formats the subject, body and trailers of a deployment commit. */
export function formatCommitMessage(m: CommitMessageInput): string {
  const scope = `${oneLine(m.project)}/${oneLine(m.service)}`;
  const image = oneLine(m.image);
  let subject: string;
  const body: string[] = [];
  if (m.kind === 'rollback') {
    const short = oneLine(m.targetShortId ?? (m.rollbackOfId ?? '').slice(0, 8));
    const part = m.only === 'image' ? ' (image only)' : m.only === 'config' ? ' (config only)' : '';
    const kept =
      m.only === 'image' ? ' (image only: env and settings stay as they are)' : m.only === 'config' ? ' (config only: the image stays as it is)' : '';
    subject = `rollback(${scope}): to ${short}${part} — ${image}`;
    body.push(`Rollback of ${scope} to deployment ${short}${kept}, requested by ${oneLine(m.actor)}.`);
  } else {
    subject = `deploy(${scope}): ${image}`;
    body.push(`Deploy of ${image} to ${scope}, requested by ${oneLine(m.actor)}.`);
  }
  const reason = bodyText(m.reason);
  if (reason) body.push('', `Reason: ${reason}`);
  const message = bodyText(m.message);
  if (message) body.unshift(message, '');
  const trailers = [`${TRAILER_DEPLOYMENT}: ${oneLine(m.deploymentId)}`];
  if (m.kind === 'rollback' && m.rollbackOfId) trailers.push(`${TRAILER_ROLLBACK_OF}: ${oneLine(m.rollbackOfId)}`);
  trailers.push(`${TRAILER_ACTOR}: ${oneLine(m.actor)}`);
  return `${subject}\n\n${body.join('\n')}\n\n${trailers.join('\n')}\n`;
}

/**
 * Reads the trailer block (the last paragraph, every line `Key: value`) of a
 * commit message, the way `git interpret-trailers --parse` does for simple
 * trailers. Repeated keys keep every value, in order.
 */
export function parseTrailers(message: string): Record<string, string[]> {
  const paragraphs = message.replace(/\r\n?/g, '\n').trim().split(/\n\s*\n/);
  if (paragraphs.length < 2) return {};
  const last = paragraphs[paragraphs.length - 1].split('\n');
  const out: Record<string, string[]> = {};
  for (const line of last) {
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    if (!m) return {};
    (out[m[1]] ??= []).push(m[2].trim());
  }
  return out;
}

/** True when the message carries trailer `key: value` (key compared case-insensitively, like git). */
export function hasTrailer(message: string, key: string, value: string): boolean {
  const t = parseTrailers(message);
  for (const [k, vs] of Object.entries(t)) if (k.toLowerCase() === key.toLowerCase() && vs.includes(value)) return true;
  return false;
}

export const TRAILER_RELEASE = 'Kubidu-Release';

/** What one release commit (a whole project rolled back as one commit, issue 20) says. */
export interface ReleaseCommitInput {
  project: string;
  releaseId: string;
  /** What the project returns to, for a person: "the state at <time>" or "release <id>". */
  to: string;
  actor: string;
  reason?: string | null;
  rows: Array<{ service: string; deploymentId: string; targetId: string; image: string }>;
}

/**
 * Formats a release commit: a subject naming the project and how many services, a body line per
 * service (target and image), the reason, and the trailers: one `Kubidu-Release`, one
 * `Kubidu-Deployment` per row (so crash recovery and the git door find every row), the actor.
 */
export function formatReleaseCommitMessage(m: ReleaseCommitInput): string {
  const project = oneLine(m.project);
  const n = m.rows.length;
  const subject = `rollback(${project}): ${n} service${n === 1 ? '' : 's'} to ${oneLine(m.to)}`;
  const body = [`Rollback of project ${project} to ${oneLine(m.to)}, requested by ${oneLine(m.actor)}, as one commit.`, ''];
  for (const r of m.rows) body.push(`- ${oneLine(r.service)}: to ${oneLine(r.targetId).slice(0, 8)} — ${oneLine(r.image)}`);
  const reason = bodyText(m.reason);
  if (reason) body.push('', `Reason: ${reason}`);
  const trailers = [`${TRAILER_RELEASE}: ${oneLine(m.releaseId)}`, ...m.rows.map((r) => `${TRAILER_DEPLOYMENT}: ${oneLine(r.deploymentId)}`), `${TRAILER_ACTOR}: ${oneLine(m.actor)}`];
  return `${subject}\n\n${body.join('\n')}\n\n${trailers.join('\n')}\n`;
}
