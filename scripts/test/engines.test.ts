import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface LockEntry { version?: string; engines?: { node?: string } | string[] }

/** Every package `npm ci` installs whose `engines.node` refuses the oldest Node the project says it supports. */
function packagesRefusing(lock: { packages: Record<string, LockEntry> }, nodeVersion: string): string[] {
  const refused: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
    if (!path || !range) continue;
    if (!semver.satisfies(nodeVersion, range, { includePrerelease: true })) refused.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${range}`);
  }
  return refused;
}

describe('a clean install on the Node the README names', () => {
  const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { engines: { node: string } };
  const oldest = semver.minVersion(pkg.engines.node)!.version;

  it('the root engines range and the README agree on the Node major', () => {
    const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
    expect(readme).toContain(`Node ${semver.major(oldest)}`);
  });

  it('no locked package refuses the oldest supported Node (npm ci prints no EBADENGINE)', () => {
    const lock = JSON.parse(readFileSync(`${ROOT}/package-lock.json`, 'utf8')) as { packages: Record<string, LockEntry> };
    expect(packagesRefusing(lock, oldest)).toEqual([]);
    expect(packagesRefusing(lock, process.versions.node)).toEqual([]);
  });
});
