/**
 * The `herald` command as tests run it: the one-file bundle that `npm start` and the bin run
 * (dist/herald.mjs, scripts/bundle.mjs), which starts in a fraction of the time tsx takes to
 * load the sources. It is rebuilt first when any source file is newer, so a test never runs
 * stale code.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BUNDLE = join(ROOT, 'dist', 'herald.mjs');
/** herald/client for browsers, which Herald serves at /realtime/herald-client.mjs. */
export const CLIENT_BUNDLE = join(ROOT, 'dist', 'herald-client.mjs');

let fresh = false;

function newestSource(): number {
  let newest = 0;
  for (const file of readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.ts')) newest = Math.max(newest, statSync(join(ROOT, 'src', file)).mtimeMs);
  }
  return newest;
}

/** Rebuilds the bundles when a source file is newer than either. */
export function ensureBundles(): void {
  if (fresh) return;
  const built = Math.min(
    ...[BUNDLE, CLIENT_BUNDLE].map((file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0),
  );
  if (built < newestSource()) execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs')], { cwd: ROOT });
  fresh = true;
}

/** Node's arguments for running `herald <args>`. */
export function heraldArgs(args: readonly string[]): string[] {
  ensureBundles();
  return [BUNDLE, ...args];
}

/** The package's library entry (`import … from 'herald'`), compiled by tsc. */
export const LIBRARY = join(ROOT, 'dist', 'index.js');

/** Compiles the library again when a source file is newer than it (as `npm run build` would). */
export function ensureLibrary(): void {
  const built = statSync(LIBRARY, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built < newestSource()) {
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
      },
    );
  }
}
