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

// herald/client for browsers, as one ES module that Herald itself serves at
// /realtime/herald-client.mjs: a page can import the client from the server it talks to, with no
// build step of its own.
await build({
  entryPoints: ['src/client/index.ts'],
  outfile: 'dist/herald-client.mjs',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  logLevel: 'warning',
});

// The web console: one script and one stylesheet (Preact and the console's own code), minified,
// that Herald serves under /console/assets. No source maps: the console ships as it is served.
await build({
  entryPoints: { app: 'src/console/ui/main.tsx' },
  outdir: 'dist/console-assets',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'none',
  tsconfig: 'src/console/ui/tsconfig.json',
  logLevel: 'warning',
});
