/**
 * Finding the checkout's folders (manifests-template/, web/dist) from a module's
 * own URL. The same code runs from its TypeScript source (`<workspace>/src/…`,
 * under tsx or vitest) and from a bundle (`<workspace>/dist/main.js`, plain
 * node in production and in the image), so a fixed `../../..` is right for one
 * of them only; walking up to the first ancestor that holds the folder is right
 * for both.
 */
import { existsSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The first `<ancestor>/<name>` of the module at `from` that exists, or undefined. */
export function findUp(from: string | URL, name: string): string | undefined {
  let dir = dirname(fileURLToPath(from));
  const { root } = parse(dir);
  for (;;) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
    if (dir === root) return undefined;
    dir = dirname(dir);
  }
}
