/**
 * The package Herald runs from: its root folder and its version. The code runs from src/ (tsx),
 * from dist/ (tsc) and from the one-file bundle dist/herald.mjs, so the root is found by walking
 * up from this module to the nearest package.json rather than by a fixed relative path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder above this module with a package.json (undefined if there is none). */
export function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

let version: string | undefined;

/** The `version` of that package.json, read once ("unknown" if it cannot be read). */
export function packageVersion(): string {
  if (version === undefined) {
    const root = packageRoot();
    try {
      const parsed = JSON.parse(readFileSync(join(root ?? '.', 'package.json'), 'utf8')) as { version?: unknown };
      version = typeof parsed.version === 'string' ? parsed.version : 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
