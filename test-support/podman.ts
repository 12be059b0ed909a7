/**
 * podman as these machines allow it (see the project's container notes): no
 * Docker daemon, no pullable base image, no crun, no overlay mounts. Every call
 * runs with runc, cgroupfs and vfs storage and a containers.conf of our own that
 * drops podman's default ulimits.
 *
 * The Dockerfile's `BASE_IMAGE` (node:20-bookworm-slim for users) is replaced by
 * a local stand-in: a Debian bookworm root filesystem made by mmdebstrap with git
 * and CA certificates, plus this machine's node, npm and CA bundle (the package
 * registries are reached through a proxy only that bundle trusts), imported as
 * one layer. It is built once and kept by tag; building takes ~30–120 s.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The stand-in for node:20-bookworm-slim, kept between runs. */
export const LOCAL_BASE_IMAGE = 'localhost/kubidu-node:20-bookworm-local';

const CONF_DIR = join(tmpdir(), 'kubidu-podman');

function containersConf(): string {
  mkdirSync(CONF_DIR, { recursive: true });
  const file = join(CONF_DIR, 'containers.conf');
  writeFileSync(file, '[containers]\ndefault_ulimits = []\n');
  return file;
}

/** Runs `podman <args>` with this machine's settings; resolves with stdout, rejects with stderr in the message. */
export async function podman(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await run('podman', ['--runtime', 'runc', '--cgroup-manager=cgroupfs', '--storage-driver=vfs', ...args], {
      env: { ...process.env, CONTAINERS_CONF: containersConf() },
      maxBuffer: 64 * 1024 * 1024,
      timeout: opts.timeoutMs ?? 600_000,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`podman ${args.slice(0, 3).join(' ')} failed: ${e.message}\n${(e.stderr ?? '').slice(-4000)}\n${(e.stdout ?? '').slice(-4000)}`);
  }
}

/** Whether an image with this tag exists locally. */
export async function imageExists(tag: string): Promise<boolean> {
  return podman(['image', 'exists', tag]).then(
    () => true,
    () => false,
  );
}

/** Builds LOCAL_BASE_IMAGE unless it is there already; returns its tag. */
export async function ensureLocalBaseImage(): Promise<string> {
  if (await imageExists(LOCAL_BASE_IMAGE)) return LOCAL_BASE_IMAGE;
  const node = realpathSync(process.execPath);
  const { stdout: npmRoot } = await run('npm', ['root', '-g']);
  const npmDir = join(npmRoot.trim(), 'npm');
  const dir = mkdtempSync(join(tmpdir(), 'kubidu-base-'));
  try {
    const tar = join(dir, 'rootfs.tar');
    await run(
      'mmdebstrap',
      [
        '--variant=apt',
        '--include=git,ca-certificates',
        // Hooks run on this machine with the new root filesystem as $1.
        '--customize-hook=mkdir -p "$1/usr/local/lib/node_modules" "$1/usr/local/share/kubidu"',
        `--customize-hook=cp '${node}' "$1/usr/local/bin/node"`,
        `--customize-hook=cp -a '${npmDir}' "$1/usr/local/lib/node_modules/npm"`,
        '--customize-hook=cp /etc/ssl/certs/ca-certificates.crt "$1/usr/local/share/kubidu/"',
        '--customize-hook=ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"; ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"',
        '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*',
        'bookworm',
        tar,
      ],
      { maxBuffer: 64 * 1024 * 1024, timeout: 900_000 },
    );
    await podman([
      'import',
      '--change',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--change',
      'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/kubidu/ca-certificates.crt',
      tar,
      LOCAL_BASE_IMAGE,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return LOCAL_BASE_IMAGE;
}
