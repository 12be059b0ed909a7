import { describe, expect, it } from 'vitest';
import { folderProblem, renderOrRewrite } from './broken-folder.js';
import { ManifestRenderError, readDesiredState, renderServiceFiles, serviceFilePaths, type DesiredState } from './render.js';
import { describeYamlError } from './yaml-problem.js';
import { parseDocument } from 'yaml';

const desired: DesiredState = {
  project: 'acme',
  service: 'web',
  image: 'ghcr.io/acme/web:1.4.2',
  port: 8080,
  replicas: 2,
  cpuLimit: '500m',
  memoryLimit: '256Mi',
  env: { MODE: 'one' },
  secretName: null,
  deploymentId: 'dep-1',
};
const paths = serviceFilePaths('acme', 'web');

/** The folder as Kubidu wrote it for `d`, with a person's comment in the kustomization. */
function folder(d: DesiredState = { ...desired, image: 'ghcr.io/acme/web:1.0.0' }): Map<string, string | null> {
  const files = renderServiceFiles(new Map(), d);
  files.set(paths.kustomization, `# kept by hand\n${files.get(paths.kustomization)}`);
  return new Map(files);
}

describe('a service folder broken by hand', () => {
  it('a folder that parses is edited in place (comments survive), nothing is rewritten', () => {
    const out = renderOrRewrite(folder(), desired);
    expect(out.broken).toBeNull();
    expect(out.files.get(paths.kustomization)).toContain('# kept by hand');
  });

  it('a duplicate key, or a file that is not a mapping, is rewritten whole from the desired state, saying what was wrong in one line', () => {
    const dup = folder();
    dup.set(paths.kustomization, `${dup.get(paths.kustomization)}kind: Kustomization\n`);
    const out = renderOrRewrite(dup, desired);
    expect(out.broken?.folder).toBe('apps/acme/web');
    expect(out.broken?.problem).toMatch(/^kustomization\.yaml does not parse: Map keys must be unique at line \d+, column 1$/);
    expect(out.files).toEqual(renderServiceFiles(new Map(), desired));
    const back = readDesiredState(out.files);
    expect(back.ok && back.state.image).toBe('ghcr.io/acme/web:1.4.2');

    const list = folder();
    list.set(paths.deployment, '- just\n- a list\n');
    expect(renderOrRewrite(list, desired).broken?.problem).toBe('deployment.yaml is not a YAML mapping');
    expect(folderProblem(folder())).toBeNull();
  });

  it('a desired state that cannot be rendered is still the deployment\'s own error, broken folder or not', () => {
    const dup = folder();
    dup.set(paths.kustomization, 'a: 1\na: 2\n');
    expect(() => renderOrRewrite(dup, { ...desired, port: 0 })).toThrow(ManifestRenderError);
    expect(() => renderOrRewrite(folder(), { ...desired, port: 0 })).toThrow(/port 0 is out of range/);
  });

  it('yaml errors are described whole: one line, no code frame, no dangling colon', () => {
    const doc = parseDocument('a: 1\nb: [\n');
    const text = describeYamlError(doc.errors[0]);
    expect(doc.errors[0].message).toContain('\n');
    expect(text).not.toContain('\n');
    expect(text).not.toMatch(/:$/);
    expect(text.length).toBeGreaterThan(10);
  });
});
