/**
 * The web bundle imports the contract, so a contract file may import only
 * typebox and other contract files: no typeorm, pg or node builtins. The files
 * clients take values from (labels, the rule, the word lists) import no schema
 * at run time, so the browser bundle does not carry the schema library.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = dirname(fileURLToPath(import.meta.url));

describe('the contract is browser-safe', () => {
  it('imports only typebox and its own files', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    const offending: string[] = [];
    for (const f of files) {
      const src = readFileSync(join(dir, f), 'utf8');
      for (const m of src.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+'([^']+)'/gms)) {
        if (m[1] !== 'typebox' && !/^\.\/[a-z-]+\.js$/.test(m[1])) offending.push(`${f}: ${m[1]}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('the files clients take values from load no schema at run time', () => {
    const valueFiles = ['enums.ts', 'labels.ts', 'links.ts', 'rollback-rule.ts', 'clip.ts', 'webhook-words.ts', 'roles.ts'];
    const offending: string[] = [];
    for (const f of valueFiles) {
      const src = readFileSync(join(dir, f), 'utf8');
      for (const m of src.matchAll(/^\s*(import|export)\b(?!\s+type\b)[^;]*?from\s+'([^']+)'/gms)) {
        if (!valueFiles.includes(m[2].replace(/^\.\//, '').replace(/\.js$/, '.ts'))) offending.push(`${f}: ${m[2]}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
