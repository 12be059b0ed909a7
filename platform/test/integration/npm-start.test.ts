/**
 * `npm start` on a fresh clone: the first start builds (server bundles and web
 * app) and answers /healthz; the second builds nothing and answers too. The
 * clone is this checkout's files (tracked and new, as `git ls-files` lists them)
 * copied to a temporary folder, with the installed node_modules linked in.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllChildren, startChild, type Child } from '../../../test-support/child-process.js';
import { waitFor } from '../../../test-support/wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function freshClone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubidu-clone-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(ROOT, f))) continue; // deleted in the work tree
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(dir, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

async function start(clone: string, dataDir: string): Promise<{ proc: Child; url: string; ms: number }> {
  const started = Date.now();
  const proc = startChild('npm', ['start'], {
    cwd: clone,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', KUBIDU_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
  });
  const line = await proc.waitForLine(/Kubidu is answering on (http:\/\/\S+)/, 120_000);
  const url = /answering on (\S+)/.exec(line)![1];
  await waitFor('/healthz', async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok);
  return { proc, url, ms: Date.now() - started };
}

describe('production runs plain node', () => {
  it('no workspace has tsx (or another TypeScript runner) among its runtime dependencies', () => {
    for (const w of ['core', 'api', 'controller', 'platform', 'cli', 'web']) {
      const deps = Object.keys(JSON.parse(readFileSync(join(ROOT, w, 'package.json'), 'utf8')).dependencies ?? {});
      expect(deps.filter((d) => ['tsx', 'ts-node', 'typescript', 'esbuild'].includes(d)), w).toEqual([]);
    }
  });
});

describe('npm start on a fresh clone', () => {
  const clone = freshClone();
  const dataDir = join(clone, '.kubidu');
  afterAll(async () => {
    await killAllChildren();
    rmSync(clone, { recursive: true, force: true });
  });

  it('builds once, then a second start answers /healthz without rebuilding the web app', async () => {
    const first = await start(clone, dataDir);
    expect(first.proc.lines).toContainEqual(expect.stringMatching(/^build web: built in/));
    expect(first.proc.lines).toContainEqual(expect.stringMatching(/^build server: built in/));
    expect((await fetch(first.url)).headers.get('content-type')).toContain('text/html');
    expect((await first.proc.stop()).forced).toBe(false);

    // The bundles run on plain node: the CLI and the standalone controller too.
    const plain = (args: string[]) => spawnSync(process.execPath, args, { cwd: clone, env: { PATH: process.env.PATH }, encoding: 'utf8' });
    const version = plain(['cli/dist/kubidu.js', '--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(clone, 'cli/package.json'), 'utf8')).version);
    const controller = plain(['controller/dist/main.js']);
    expect(controller.status).toBe(2);
    expect(controller.stderr).toContain('needs DATABASE_URL');

    const second = await start(clone, dataDir);
    expect(second.proc.lines).toContainEqual(expect.stringMatching(/^build web: up to date/));
    expect(second.proc.lines).toContainEqual(expect.stringMatching(/^build server: up to date/));
    expect(second.proc.lines.filter((l) => /built in/.test(l))).toEqual([]);
    expect((await second.proc.stop()).forced).toBe(false);
    console.log(`npm start on a fresh clone: first ${first.ms} ms (builds), second ${second.ms} ms (no build)`);
  }, 240_000);
});
