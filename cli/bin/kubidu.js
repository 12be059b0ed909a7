#!/usr/bin/env node
// Launcher of the `kubidu` command. An installed or built CLI runs the compiled
// bundle (cli/dist/kubidu.js, `npm run build`) with plain node. In a development
// checkout, where the TypeScript sources and tsx (a dev dependency) are both
// present, it runs the sources instead, so a test never runs a stale bundle.
import { existsSync } from 'node:fs';

const source = new URL('../src/main.ts', import.meta.url);
const bundle = new URL('../dist/kubidu.js', import.meta.url);

async function devRegister() {
  if (!existsSync(source)) return false;
  try {
    const { register } = await import('tsx/esm/api');
    register();
    return true;
  } catch {
    return false;
  }
}

if (await devRegister()) await import(source.href);
else if (existsSync(bundle)) await import(bundle.href);
else {
  process.stderr.write('kubidu: not built; run `npm run build` in the Kubidu checkout\n');
  process.exit(1);
}
