/**
 * The `herald` command as tests run it: the one-file bundle that `npm start` and the bin run
 * (dist/herald.mjs, scripts/bundle.mjs), which starts in a fraction of the time tsx takes to
 * load the sources. It is rebuilt first when any source file is newer, so a test never runs
 * stale code.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BUNDLE = join(ROOT, 'dist', 'herald.mjs');
/** herald/client for browsers, which Herald serves at /realtime/herald-client.mjs. */
export const CLIENT_BUNDLE = join(ROOT, 'dist', 'herald-client.mjs');
export const CONSOLE_BUNDLE = join(ROOT, 'dist', 'console-assets', 'app.js');

let fresh = false;

function newestSource(): number {
  let newest = 0;
  for (const file of readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (/\.(ts|tsx|css)$/.test(file)) newest = Math.max(newest, statSync(join(ROOT, 'src', file)).mtimeMs);
  }
  return newest;
}

/** Rebuilds the bundles when a source file is newer than either. */
export function ensureBundles(): void {
  if (fresh) return;
  const built = Math.min(
    ...[BUNDLE, CLIENT_BUNDLE, CONSOLE_BUNDLE].map((file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0),
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

/** The parent's environment without any HERALD_* variable, plus `extra`: a CLI run as a user's shell would. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('HERALD_')) env[name] = value;
  return { ...env, ...extra };
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

/** Starts `herald <args>`; killCli() ends every child still running. */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = cliEnv(), cwd = ROOT): ChildProcess {
  const child = spawn(process.execPath, heraldArgs(args), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

export function killCli(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Runs `herald <args>` to its end (killed, and the test failed, after `timeoutMs`). */
export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = cliEnv(),
  timeoutMs = 60_000,
): Promise<Finished> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`herald ${args.join(' ')} did not exit; stdout=${stdout} stderr=${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** `herald <args>` (a serve) until its start banner is printed; killCli() or the child ends it. */
export async function serveCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = cliEnv(),
  cwd = ROOT,
): Promise<{ banner: string; url: string; child: ChildProcess }> {
  const child = spawnCli(args, env, cwd);
  let out = '';
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${out} ${err}`)), 20_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      // The banner ends with the curl line, or with the line about the secret key.
      if (/curl .*contenttype=json'\n|herald usersig <identifier>` issues UserSigs\)\n/.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on('exit', (code) => reject(new Error(`herald ${args.join(' ')} exited ${code}: ${err}`)));
  });
  return { banner, url: /Herald is serving on (\S+)/.exec(banner)?.[1] ?? '', child };
}
