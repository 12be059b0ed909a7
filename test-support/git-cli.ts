/**
 * Runs the real `git` CLI without blocking the event loop (the test git server
 * lives in the same process, so execFileSync would deadlock against it).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Human',
  GIT_AUTHOR_EMAIL: 'human@example.com',
  GIT_COMMITTER_NAME: 'Human',
  GIT_COMMITTER_EMAIL: 'human@example.com',
  GIT_TERMINAL_PROMPT: '0',
};

/** `git <args>` in `cwd`; resolves stdout, rejects with stderr in the message. */
export function gitCli(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: ENV, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** A fresh `git clone` of url into a temp dir. */
export async function cloneFresh(url: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kubidu-clone-'));
  await gitCli(dir, 'clone', '-q', url, '.');
  return dir;
}

/** Clone, write files, commit and push as a human would. Returns the new commit sha. */
export async function humanCommit(url: string, files: Record<string, string>, message: string): Promise<string> {
  const dir = await cloneFresh(url);
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  await gitCli(dir, 'add', '-A');
  await gitCli(dir, 'commit', '-q', '-m', message);
  await gitCli(dir, 'push', '-q', 'origin', 'HEAD:main');
  return (await gitCli(dir, 'rev-parse', 'HEAD')).trim();
}
