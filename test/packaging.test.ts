/**
 * What a user installs: the npm package holds the built server, the client and the docs (no
 * tests, benchmarks, CI or source maps); no dependency asks for a newer Node than 20; the
 * Dockerfile's start command and health check work as written (the image itself cannot be built
 * where no registry is reachable, so its commands are run here directly).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import semver from 'semver';
import { ensureBundles, ROOT } from './helpers/cli.ts';
import { until } from './helpers/devices.ts';

const run = promisify(execFile);

describe('packaging', () => {
  it('npm pack ships dist, README, LICENSE and docs; no tests, bench, CI, sources or source maps', async () => {
    ensureBundles();
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const [pack] = JSON.parse(stdout) as { files: { path: string }[]; unpackedSize: number }[];
    const files = pack!.files.map((f) => f.path);
    for (const wanted of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/herald.mjs',
      'dist/herald-client.mjs',
      'docs/client-protocol.md',
    ])
      assert.ok(files.includes(wanted), `${wanted} is in the package`);
    const unwanted = files.filter((f) => /^(test|bench|src|scripts|\.ci)\//.test(f) || f.endsWith('.map'));
    assert.deepEqual(unwanted, []);
    assert.ok(pack!.unpackedSize < 5 * 1024 * 1024, `unpacked size ${pack!.unpackedSize} bytes`);
  });

  it('no installed package requires a newer Node than this one (no EBADENGINE on npm ci)', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { engines?: { node?: string } | string[] }>;
    };
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !Array.isArray(entry.engines) && entry.engines?.node !== undefined)
      .filter(([, entry]) => !semver.satisfies(process.version, (entry.engines as { node: string }).node))
      .map(([path, entry]) => `${path} wants node ${(entry.engines as { node: string }).node}`);
    assert.deepEqual(refusing, []);
  });

  it("the Dockerfile's CMD serves, and its HEALTHCHECK passes once the store is ready", async () => {
    ensureBundles();
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)![1]!) as string[];
    const health = JSON.parse(/^HEALTHCHECK .*? CMD (\[.*\])$/m.exec(runtime)![1]!) as string[];
    const env: Record<string, string> = {};
    for (const [, name, value] of runtime.matchAll(/(HERALD_\w+|NODE_ENV)=(\S+)/g)) env[name!] = value!;
    assert.equal(env.HERALD_HOST, '0.0.0.0');
    const data = mkdtempSync(join(tmpdir(), 'herald-docker-'));
    // As in the image, but on this machine's loopback, a free port and a temporary data volume.
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const childEnv = { PATH: process.env.PATH, ...env, HERALD_HOST: '127.0.0.1', HERALD_PORT: port, HERALD_DATA: data };
    const server = spawn(cmd[0] === 'node' ? process.execPath : cmd[0]!, cmd.slice(1), {
      cwd: ROOT,
      env: childEnv,
      stdio: 'ignore',
    });
    const healthy = async () => {
      try {
        await run(process.execPath, health.slice(1), { env: childEnv, timeout: 5000 });
        return true;
      } catch {
        return false;
      }
    };
    try {
      await until('the health check to pass', healthy, 20_000);
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
      assert.equal(await healthy(), false, 'the health check fails once the server is gone');
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL');
      rmSync(data, { recursive: true, force: true });
    }
  });
});
