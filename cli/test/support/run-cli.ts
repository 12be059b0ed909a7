/**
 * Runs the real `kubidu` binary (node cli/bin/kubidu.js) as a child process,
 * asynchronously so the API living in the test process keeps serving it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Absolute path of the launcher. */
export const KUBIDU_BIN = fileURLToPath(new URL('../../bin/kubidu.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment for a CLI run: the test's API, a private config dir, no colour, fast polling. */
export function cliEnv(apiUrl: string, configDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('KUBIDU_') || k === 'FORCE_COLOR') delete env[k];
  return { ...env, KUBIDU_API_URL: apiUrl, XDG_CONFIG_HOME: configDir, NO_COLOR: '1', KUBIDU_POLL_INTERVAL_MS: '150', ...extra };
}

/** Spawns `kubidu ...args` with stdin closed, or a pipe carrying `input` (either way not a terminal). */
export function runKubidu(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number; input?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KUBIDU_BIN, ...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
