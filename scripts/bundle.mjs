// Bundles the CLI into one file, dist/herald.mjs, which `npm start` and the `herald` bin run.
// Why: Node resolves and reads every module file at start; Herald's dependencies are hundreds of
// small ESM/CJS files (kysely alone ~250 ms), so start-up to ready took ~1 s from dist/cli.js and
// ~0.4 s from one bundle (BENCHMARKS.md). better-sqlite3 stays external (a native addon), as does
// pg-native (an optional peer of pg that Herald never uses).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/herald.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  external: ['better-sqlite3', 'pg-native'],
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __heraldCreateRequire } from 'node:module'; const require = __heraldCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
