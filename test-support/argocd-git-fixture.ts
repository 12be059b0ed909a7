/**
 * A real manifests remote for the Argo CD tests: a bare repo served by git-http-backend
 * (test-support/git-http-server.ts) and a native-git working clone that commits a service directory
 * (apps/<project>/<service>/, Kustomize) per deploy, like Kubidu's write path does.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHttpServer, type GitHttpServer } from '../test-support/git-http-server.js';

const run = promisify(execFile);
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'Kubidu Test', GIT_AUTHOR_EMAIL: 'test@kubidu.dev', GIT_COMMITTER_NAME: 'Kubidu Test', GIT_COMMITTER_EMAIL: 'test@kubidu.dev' };

export interface ManifestsRemote {
  git: GitHttpServer;
  repoURL: string;
  /** Writes apps/<project>/<service>/ with `image`, commits with `message`, pushes main; returns the sha. */
  commitImage(project: string, service: string, image: string, message?: string): Promise<string>;
  /** Commits a change to an unrelated file on main (a later commit that contains the earlier ones). */
  commitOther(message: string): Promise<string>;
  /** Makes a commit on a side branch (not a descendant of main's tip) and returns its sha. */
  commitOffMain(): Promise<string>;
  /** `git merge-base --is-ancestor` against the remote: true when `descendant` contains `ancestor`. */
  isDescendant(descendant: string, ancestor: string): Promise<boolean>;
  stop(): Promise<void>;
}

/** Kustomize files for one service, shaped like Kubidu's manifests template. */
export function serviceFiles(project: string, service: string, image: string): Record<string, string> {
  return {
    'kustomization.yaml': [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `namespace: ${project}`,
      'resources:',
      '  - deployment.yaml',
      'labels:',
      '  - pairs:',
      `      app.kubernetes.io/name: ${service}`,
      '',
    ].join('\n'),
    'deployment.yaml': [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      `  name: ${service}`,
      'spec:',
      '  replicas: 1',
      '  selector:',
      '    matchLabels:',
      `      app: ${service}`,
      '  template:',
      '    metadata:',
      '      labels:',
      `        app: ${service}`,
      '    spec:',
      '      containers:',
      `        - name: ${service}`,
      `          image: ${image}`,
      '',
    ].join('\n'),
  };
}

/** Starts the git remote with an initial layout commit and returns helpers to change it. */
export async function startManifestsRemote(): Promise<ManifestsRemote> {
  const git = await startGitHttpServer();
  git.createBareRepo('manifests', { withLayout: true });
  const repoURL = git.url('manifests');
  const work = await mkdtemp(join(tmpdir(), 'kubidu-argocd-work-'));
  const g = async (...args: string[]) => (await run('git', ['-C', work, ...args], { env: GIT_ENV })).stdout.trim();
  await run('git', ['clone', '--quiet', repoURL, work], { env: GIT_ENV });

  const commitAndPush = async (message: string) => {
    await g('add', '-A');
    await g('commit', '--quiet', '-m', message);
    await g('push', '--quiet', 'origin', 'HEAD:main');
    return g('rev-parse', 'HEAD');
  };

  return {
    git,
    repoURL,
    async commitImage(project, service, image, message) {
      const dir = join(work, 'apps', project, service);
      await mkdir(dir, { recursive: true });
      for (const [file, text] of Object.entries(serviceFiles(project, service, image))) await writeFile(join(dir, file), text);
      return commitAndPush(message ?? `deploy ${project}/${service} ${image}`);
    },
    async commitOther(message) {
      await writeFile(join(work, 'README.md'), `# manifests\n\n${message}\n`);
      return commitAndPush(message);
    },
    async commitOffMain() {
      const base = await g('rev-parse', 'HEAD');
      await g('checkout', '--quiet', '-b', `side-${Date.now()}`);
      await writeFile(join(work, 'side.txt'), String(Math.random()));
      await g('add', '-A');
      await g('commit', '--quiet', '-m', 'side branch');
      const sha = await g('rev-parse', 'HEAD');
      await g('push', '--quiet', 'origin', `HEAD:refs/heads/side-${sha.slice(0, 8)}`);
      await g('checkout', '--quiet', 'main');
      await g('reset', '--quiet', '--hard', base);
      return sha;
    },
    async isDescendant(descendant, ancestor) {
      await g('fetch', '--quiet', 'origin', '+refs/heads/*:refs/remotes/origin/*');
      try {
        await g('merge-base', '--is-ancestor', ancestor, descendant);
        return true;
      } catch {
        return false;
      }
    },
    async stop() {
      await git.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}
