/**
 * The bench's manifests repo: generated once per (size, history) with git
 * fast-import — `services` service folders all in one folder, the worst case —
 * and cached under $KUBIDU_BENCH_DIR (default /tmp/kubidu-bench), so reruns skip
 * generation. Also the desired state a bench commit renders, and a git runner.
 */
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderServiceFiles, serviceFilePaths, type DesiredState } from '../../controller/src/manifests/index.js';

/** Where generated repos and clones are cached (read on each call, so callers can set it first). */
export const benchDir = () => process.env.KUBIDU_BENCH_DIR ?? '/tmp/kubidu-bench';

/** The project every bench service belongs to. */
export const PROJECT = 'bench';

/** History length when the caller gives none (BENCH_HISTORY). */
export const DEFAULT_HISTORY = Number(process.env.BENCH_HISTORY ?? 20_000);

/** svc-00000, svc-00001, … (the database seed and the repo agree on these names). */
export function serviceName(i: number): string {
  return `svc-${String(i).padStart(5, '0')}`;
}

/** The desired state of one bench service at an image tag. */
export function desired(service: string, tag: string): DesiredState {
  return {
    project: PROJECT,
    service,
    image: `ghcr.io/acme/${service}:${tag}`,
    port: 8080,
    replicas: 2,
    cpuLimit: '250m',
    memoryLimit: '256Mi',
    env: { LOG_LEVEL: 'info', GREETING: 'hello: world' },
    secretName: null,
    deploymentId: `bench-${service}-${tag}`,
  };
}

/** Runs a command (git) with a fixed bench identity; rejects with its stderr. */
export function run(cwd: string, cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { cwd, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Generates (once) a bare repo with `services` service folders and `history` commits, via git fast-import. */
export async function ensureBenchRepo(root: string, services: number, history = DEFAULT_HISTORY): Promise<string> {
  const name = `s${services}-h${history}.git`;
  const dir = join(root, name);
  if (existsSync(join(dir, 'kubidu-bench-ready'))) return name;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  await run(root, 'git', ['init', '-q', '--bare', '-b', 'main', dir]);
  const t0 = Date.now();
  const proto = renderServiceFiles(new Map(), desired(serviceName(0), '1.0.0'));
  const token = serviceName(0);
  const fi = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: dir, stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise<void>((resolve, reject) => fi.on('close', (c) => (c === 0 ? resolve() : reject(new Error(`fast-import exited ${c}`)))));
  const write = (s: string) => (fi.stdin.write(s) ? Promise.resolve() : new Promise<void>((r) => fi.stdin.once('drain', () => r())));
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  let time = 1_600_000_000;
  // Commit 1: every service folder.
  let chunk = `commit refs/heads/main\nmark :1\ncommitter Bench <bench@example.com> ${time} +0000\n${data('initial layout')}`;
  chunk += `M 100644 inline README.md\n${data('# bench manifests\n')}`;
  for (let i = 0; i < services; i++) {
    const svc = serviceName(i);
    for (const [p, c] of proto) {
      chunk += `M 100644 inline ${p.split(token).join(svc)}\n${data(c.split(token).join(svc))}`;
    }
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  const kTemplate = proto.get(serviceFilePaths(PROJECT, token).kustomization)!;
  chunk = '';
  for (let c = 2; c <= history; c++) {
    const i = Math.floor(Math.random() * services);
    const svc = serviceName(i);
    time += 60;
    const tag = `1.${c}.0`;
    const content = kTemplate.split(token).join(svc).replace('newTag: "1.0.0"', `newTag: "${tag}"`);
    chunk +=
      `commit refs/heads/main\nmark :${c}\ncommitter Bench <bench@example.com> ${time} +0000\n` +
      data(`deploy(${PROJECT}/${svc}): ghcr.io/acme/${svc}:${tag}\n\nKubidu-Deployment: gen-${c}\n`) +
      `from :${c - 1}\nM 100644 inline ${serviceFilePaths(PROJECT, svc).kustomization}\n${data(content)}`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk + 'done\n');
  fi.stdin.end();
  await done;
  await run(dir, 'git', ['repack', '-a', '-d', '-q']);
  await run(dir, 'git', ['config', 'http.receivepack', 'true']);
  writeFileSync(join(dir, 'kubidu-bench-ready'), `${Date.now() - t0} ms\n`);
  process.stderr.write(`generated ${name} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return name;
}
