/**
 * What a user sees when Herald cannot start or a command cannot run: one line on stderr,
 * `herald: …`, exit code 2, no stack trace, naming the setting (variable and flag), the value
 * and the fix; in process, startHerald() rejects with a StartupError whose message is that line.
 * Read-only commands never create a store. `herald --version`, the banner and /healthz carry the
 * package version. /readyz answers 503 with a reason when the store cannot write, reproduced the
 * way production meets it: files the kernel refuses to write (as on a read-only file system), a
 * database file deleted under a running server, another process holding SQLite's write lock, and
 * a PostgreSQL role switched to read-only sessions.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { type ConfigInput, resolveConfig } from '../src/config.ts';
import { startHerald } from '../src/server.ts';
import { StartupError } from '../src/startup/errors.ts';
import { cliEnv, type Finished, killCli, ROOT, runCli } from './helpers/cli.ts';
import {
  Client,
  createTestSchema,
  dropTestSchema,
  SDKAPPID,
  SECRET_KEY,
  startTestHerald,
  stores,
  type TestHerald,
} from './helpers/harness.ts';
import { spawnHerald } from './helpers/processes.ts';

/** Guards against a hung child (the old `--data /proc/x` spun forever); generous for a loaded machine. */
const CHILD_TIMEOUT_MS = 60_000;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const runHerald = (args: string[], env: NodeJS.ProcessEnv = cliEnv()) => runCli(args, env, CHILD_TIMEOUT_MS);
after(killCli);

/** Exit 2 with exactly one line on stderr, `herald: ` + a line matching `line`; nothing served. */
function assertOneLine(result: Finished, line: RegExp | string): string {
  const context = `stdout=${result.stdout} stderr=${result.stderr}`;
  assert.equal(result.code, 2, context);
  assert.equal(result.signal, null, context);
  assert.ok(result.stderr.endsWith('\n'), context);
  const lines = result.stderr.slice(0, -1).split('\n');
  assert.equal(lines.length, 1, `one line on stderr: ${context}`);
  const [first = ''] = lines;
  assert.ok(first.startsWith('herald: '), context);
  const message = first.slice('herald: '.length);
  if (typeof line === 'string') assert.equal(message, line);
  else assert.match(message, line);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  assert.doesNotMatch(result.stdout, /Herald is serving/);
  return message;
}

/** In process, the same start fails with a StartupError carrying the same line. */
async function assertStartFails(options: Parameters<typeof startHerald>[0], line: RegExp | string): Promise<void> {
  await assert.rejects(startHerald({ logLevel: 'silent', ...options }), (e: unknown) => {
    assert.ok(e instanceof StartupError, `a StartupError, got ${String(e)}`);
    if (typeof line === 'string') assert.equal(e.message, line);
    else assert.match(e.message, line);
    return true;
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The SDKAppID a UserSig was issued for (TLSSigAPIv2: zlib JSON in a URL-safe base64 variant). */
function sigSdkAppId(userSig: string): number {
  const base64 = userSig.trim().replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  return (JSON.parse(inflateSync(Buffer.from(base64, 'base64')).toString('utf8')) as { 'TLS.sdkappid': number })[
    'TLS.sdkappid'
  ];
}

async function occupiedPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { server, port: address.port };
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

for (const store of stores()) {
  // Start-up failures are the same on both stores, and the CLI children run on SQLite data
  // directories: they belong to the SQLite pass. PostgreSQL's own failures need the server and
  // run in the PostgreSQL pass.
  if (store === 'sqlite') {
    describe('start-up errors: one line naming the setting [sqlite]', () => {
      const dir = mkdtempSync(join(tmpdir(), 'herald-startup-'));
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      const otherKey = join(dir, 'other-key.pem');
      const notPem = join(dir, 'not.pem');

      before(() => {
        for (const [k, c] of [
          [key, cert],
          [otherKey, join(dir, 'other-cert.pem')],
        ] as const) {
          openssl([
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:prime256v1',
            '-nodes',
            '-keyout',
            k,
            '-out',
            c,
            '-days',
            '1',
            '-subj',
            '/CN=localhost',
          ]);
        }
        writeFileSync(notPem, 'this is not a certificate\n');
      });
      after(() => rmSync(dir, { recursive: true, force: true }));

      const serveEnv = (name: string, extra: Record<string, string>) =>
        cliEnv({ HERALD_DATA: join(dir, name), HERALD_PORT: '0', HERALD_LOG_LEVEL: 'warn', ...extra });

      it('a TLS certificate that is not PEM names HERALD_TLS_CERT and the file, and creates nothing', async () => {
        const line = new RegExp(
          `^HERALD_TLS_CERT \\(--tls-cert\\) ${escapeRegExp(notPem)} is not a PEM certificate \\(.*no start line\\): give a file that starts with -----BEGIN CERTIFICATE-----$`,
        );
        assertOneLine(
          await runHerald(['serve'], serveEnv('tls-bad', { HERALD_TLS_CERT: notPem, HERALD_TLS_KEY: key })),
          line,
        );
        assert.equal(existsSync(join(dir, 'tls-bad')), false, 'the data directory was not created');
        await assertStartFails({ tls: { cert: notPem, key }, dataDir: null }, line);
      });

      it('a missing TLS certificate file names HERALD_TLS_CERT and the path', async () => {
        const missing = join(dir, 'missing.pem');
        assertOneLine(
          await runHerald(['serve', '--tls-cert', missing, '--tls-key', key], serveEnv('tls-missing', {})),
          `HERALD_TLS_CERT (--tls-cert) ${missing} cannot be read (ENOENT: no such file or directory): give the path of a PEM certificate`,
        );
      });

      it('a key that does not match the certificate names HERALD_TLS_CERT and HERALD_TLS_KEY', async () => {
        const line = new RegExp(
          `^HERALD_TLS_KEY \\(--tls-key\\) ${escapeRegExp(otherKey)} does not belong to the certificate in HERALD_TLS_CERT \\(--tls-cert\\) ${escapeRegExp(cert)} \\(.*key values mismatch\\): give the private key the certificate was issued for$`,
        );
        assertOneLine(
          await runHerald(['serve'], serveEnv('tls-mismatch', { HERALD_TLS_CERT: cert, HERALD_TLS_KEY: otherKey })),
          line,
        );
        await assertStartFails({ tls: { cert, key: otherKey }, dataDir: null }, line);
      });

      it('PostgreSQL unreachable names HERALD_DATABASE_URL with the password masked', async () => {
        const result = await runHerald(
          ['serve'],
          serveEnv('pg-down', { HERALD_DATABASE_URL: 'postgres://herald:hunter2@127.0.0.1:1/herald' }),
        );
        assertOneLine(
          result,
          'HERALD_DATABASE_URL (--database-url) postgres://herald:***@127.0.0.1:1/herald is unreachable (connect ECONNREFUSED 127.0.0.1:1): start PostgreSQL or correct the host and port',
        );
        assert.doesNotMatch(result.stderr, /hunter2/);
      });

      it('Redis down names HERALD_REDIS_URL (password masked), once, without ioredis retrying or printing', async () => {
        const reason = 'is unreachable (connect ECONNREFUSED 127.0.0.1:1): start Redis or correct the host and port';
        const result = await runHerald(
          ['serve'],
          serveEnv('redis-down', { HERALD_REDIS_URL: 'redis://:hunter2@127.0.0.1:1' }),
        );
        assertOneLine(result, `HERALD_REDIS_URL (--redis-url) redis://:***@127.0.0.1:1 ${reason}`);
        assert.doesNotMatch(result.stderr, /ioredis|hunter2/);
        // In process the rejection must leave nothing retrying: ioredis would print each attempt.
        const printed: unknown[] = [];
        const consoleError = console.error;
        console.error = (...args: unknown[]) => printed.push(args);
        try {
          await assertStartFails(
            { redisUrl: 'redis://127.0.0.1:1', dataDir: null },
            `HERALD_REDIS_URL (--redis-url) redis://127.0.0.1:1 ${reason}`,
          );
          await new Promise((resolve) => setTimeout(resolve, 1500));
        } finally {
          console.error = consoleError;
        }
        assert.deepEqual(printed, [], 'nothing printed after the failed start');
      });

      it('a database file SQLite cannot open names the path and HERALD_DATA', async () => {
        const data = join(dir, 'cantopen');
        mkdirSync(join(data, 'herald.sqlite'), { recursive: true });
        assertOneLine(
          await runHerald(['serve', '--data', data], serveEnv('unused', {})),
          `HERALD_DATA (--data) ${data}: cannot open the database ${join(data, 'herald.sqlite')} (unable to open database file): it must be a file Herald can read and write`,
        );
        const garbage = join(dir, 'notadb');
        mkdirSync(garbage);
        writeFileSync(join(garbage, 'herald.sqlite'), 'not a database, but long enough to have a header '.repeat(20));
        await assertStartFails(
          { dataDir: garbage },
          `HERALD_DATA (--data) ${garbage}: cannot open the database ${join(garbage, 'herald.sqlite')} (file is not a database): it is not a Herald database; move it away or choose another directory`,
        );
      });

      it('a data directory under /proc, /sys or /dev, or where a file is, fails at once naming HERALD_DATA', async () => {
        for (const path of ['/proc/herald-data', '/sys/herald-data', '/dev/herald-data']) {
          const root = path.slice(0, path.indexOf('/', 1));
          const line = `HERALD_DATA (--data) ${path} is inside ${root}, which the kernel provides and which cannot hold a database: choose a directory elsewhere`;
          assertOneLine(await runHerald(['serve', '--data', path], serveEnv('unused', {})), line);
          await assertStartFails({ dataDir: path }, line);
        }
        const file = join(dir, 'a-file');
        writeFileSync(file, 'x');
        assertOneLine(
          await runHerald(['serve'], serveEnv('unused', { HERALD_DATA: file })),
          `HERALD_DATA (--data) ${file} is a file, not a directory: choose a directory (Herald creates it if it is missing)`,
        );
        assertOneLine(
          await runHerald(['serve'], serveEnv('unused', { HERALD_DATA: join(file, 'below') })),
          `HERALD_DATA (--data) ${join(file, 'below')} cannot be created: ${file} is a file, not a directory`,
        );
      });

      it('a port in use says so and how to choose another', async () => {
        const { server, port } = await occupiedPort();
        try {
          const line = `port ${port} on 127.0.0.1 is in use: choose another with --port or HERALD_PORT`;
          assertOneLine(await runHerald(['serve', '--port', String(port)], serveEnv('port', {})), line);
          await assertStartFails({ port, dataDir: null }, line);
        } finally {
          server.close();
        }
      });

      it('a bad integer setting states the whole rule: "must be a whole number from 0 to N (0 = off)"', async () => {
        assertOneLine(
          await runHerald(['serve'], serveEnv('integer', { HERALD_SEND_PER_HOUR: '-1' })),
          'HERALD_SEND_PER_HOUR must be a whole number from 0 to 1000000000 (0 = off), got "-1"',
        );
        // Every integer setting, whatever is wrong with the value: the same exact rule.
        const rules: [keyof ConfigInput, string, string][] = [
          ['port', 'HERALD_PORT', '0 to 65535 (0 = any free port)'],
          ['rateLimit', 'HERALD_RATE_LIMIT', '0 to 1000000000 (0 = off)'],
          ['sendPerSecond', 'HERALD_SEND_PER_SECOND', '0 to 1000000000 (0 = off)'],
          ['sendPerHour', 'HERALD_SEND_PER_HOUR', '0 to 1000000000 (0 = off)'],
          ['webhookRetryMs', 'HERALD_WEBHOOK_RETRY_MS', '1 to 3600000'],
          ['webhookLeaseMs', 'HERALD_WEBHOOK_LEASE_MS', '1000 to 3600000'],
          ['webhookTimeoutMs', 'HERALD_WEBHOOK_TIMEOUT_MS', '100 to 60000'],
          ['databasePoolSize', 'HERALD_DATABASE_POOL_SIZE', '1 to 1000'],
          ['databaseStatementTimeoutMs', 'HERALD_DATABASE_STATEMENT_TIMEOUT_MS', '0 to 3600000 (0 = none)'],
          ['authFailureLimit', 'HERALD_AUTH_FAILURE_LIMIT', '0 to 1000000 (0 = off)'],
          ['requestTimeoutMs', 'HERALD_REQUEST_TIMEOUT_MS', '100 to 600000'],
          ['realtimeMaxConnectionsPerUser', 'HERALD_REALTIME_MAX_CONNECTIONS_PER_USER', '1 to 1000'],
          ['realtimeMaxConnectionsPerIp', 'HERALD_REALTIME_MAX_CONNECTIONS_PER_IP', '0 to 10000000 (0 = no cap)'],
          ['realtimePingMs', 'HERALD_REALTIME_PING_MS', '100 to 600000'],
          ['realtimeMaxBufferedBytes', 'HERALD_REALTIME_MAX_BUFFERED_BYTES', '1024 to 1073741824'],
          ['realtimeSweepMs', 'HERALD_REALTIME_SWEEP_MS', '100 to 600000'],
        ];
        for (const [key, variable, rule] of rules) {
          for (const bad of ['-1', 'abc', '1.5', '99999999999']) {
            assert.throws(
              () => resolveConfig({ [key]: bad }),
              { message: `${variable} must be a whole number from ${rule}, got "${bad}"` },
              `${variable}=${bad}`,
            );
          }
          const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
          assert.throws(() => resolveConfig({}, { [key]: 'x' }), {
            message: `${flag} must be a whole number from ${rule}, got "x"`,
          });
        }
        assert.throws(() => resolveConfig({ sdkappid: '0', secretKey: 'k' }), {
          message: 'HERALD_SDKAPPID must be a whole number from 1 to 4294967295, got "0"',
        });
      });
    });

    describe('read-only commands never create a store [sqlite]', () => {
      const dir = mkdtempSync(join(tmpdir(), 'herald-readonly-'));
      after(() => rmSync(dir, { recursive: true, force: true }));

      const commands: [string, string[]][] = [
        ['usersig', ['usersig', 'alice']],
        ['app list', ['app', 'list']],
        ['webhooks', ['webhooks']],
        ['webhooks --json', ['webhooks', '--json']],
        ['export', ['export', join(dir, 'export.ndjson')]],
      ];
      for (const [name, args] of commands) {
        it(`herald ${name} on a missing data directory refuses, naming the path, and creates nothing`, async () => {
          const missing = join(dir, `missing-${name.replace(/\W+/g, '-')}`);
          const line = `no Herald database at ${join(missing, 'herald.sqlite')}: point HERALD_DATA (--data) at the data directory of a Herald server (nothing was created)`;
          assertOneLine(await runHerald([...args, '--data', missing]), line);
          assert.equal(existsSync(missing), false, 'the directory stays absent');
          // The same through HERALD_DATA, and on a directory that exists but holds no database.
          assertOneLine(await runHerald(args, cliEnv({ HERALD_DATA: missing })), line);
          mkdirSync(missing);
          assertOneLine(await runHerald([...args, '--data', missing]), line);
          assert.equal(existsSync(join(missing, 'herald.sqlite')), false, 'no database was created');
          assert.equal(existsSync(join(dir, 'export.ndjson')), false, 'no export file was written');
        });
      }

      it('commands that write still create the store', async () => {
        const fresh = join(dir, 'fresh');
        const added = await runHerald(['app', 'add', '--data', fresh, '--sdkappid', '1400000042', '--key', 'k']);
        assert.equal(added.code, 0, added.stderr);
        assert.ok(existsSync(join(fresh, 'herald.sqlite')));
        const listed = await runHerald(['app', 'list', '--data', fresh]);
        assert.equal(listed.code, 0, listed.stderr);
        assert.match(listed.stdout, /^1400000042\s/);
      });
    });

    describe('small CLI fixes [sqlite]', () => {
      const dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
      after(() => rmSync(dir, { recursive: true, force: true }));

      it('herald --version and -V print the version of package.json', async () => {
        for (const flag of ['--version', '-V']) {
          const result = await runHerald([flag]);
          assert.equal(result.code, 0, result.stderr);
          assert.equal(result.stdout, `${VERSION}\n`);
        }
      });

      it('the start banner and GET /healthz carry the version', async () => {
        const served = await spawnHerald({ HERALD_DATA: join(dir, 'banner') });
        try {
          assert.match(served.output(), new RegExp(`^ {2}version {4}${escapeRegExp(VERSION)}$`, 'm'));
          const health = await fetch(`${served.url}/healthz`);
          assert.equal(health.status, 200);
          assert.deepEqual(await health.json(), { status: 'ok', version: VERSION });
        } finally {
          assert.equal(await served.stop(), 0);
        }
      });

      it('app set --help says the key is kept unless given; app add --help that it is random', async () => {
        const set = await runHerald(['app', 'set', '--help']);
        assert.match(
          set.stdout,
          /--key <secret>\s+new secret key: UserSigs signed with the old one stop working \(default: the key is kept\)/,
        );
        assert.doesNotMatch(set.stdout, /random/);
        const add = await runHerald(['app', 'add', '--help']);
        assert.match(add.stdout, /--key <secret>\s+secret key \(default: 64 random hex characters, printed once\)/);
      });

      it('usersig with several apps signs for the app herald serve calls the default, and says so', async () => {
        const data = join(dir, 'apps');
        // The app serve creates first is the default; the one added later has a lower SDKAppID.
        const served = await spawnHerald({ HERALD_DATA: data });
        const banner = served.output().match(/^\s+SDKAppID\s+(\d+)$/m)?.[1];
        assert.equal(await served.stop(), 0);
        assert.ok(banner, served.output());
        await new Promise((resolve) => setTimeout(resolve, 1100)); // a later creation second
        const added = await runHerald(['app', 'add', '--data', data, '--sdkappid', '1300000000', '--key', 'k']);
        assert.equal(added.code, 0, added.stderr);

        const sig = await runHerald(['usersig', 'alice', '--data', data]);
        assert.equal(sig.code, 0, sig.stderr);
        assert.equal(sigSdkAppId(sig.stdout), Number(banner));
        assert.equal(
          sig.stderr,
          `herald: signed for ${banner}, the default app of herald serve (apps: 1300000000, ${banner}); choose another with --sdkappid\n`,
        );
        // HERALD_SDKAPPID (with its key, as herald serve takes it) picks the app, silently.
        const env = cliEnv({ HERALD_DATA: data, HERALD_SDKAPPID: '1300000000', HERALD_SECRET_KEY: 'k' });
        const named = await runHerald(['usersig', 'alice'], env);
        assert.equal(named.code, 0, named.stderr);
        assert.equal(named.stderr, '');
        assert.equal(sigSdkAppId(named.stdout), 1300000000);
        const flagged = await runHerald(['usersig', 'alice', '--sdkappid', '1300000000', '--data', data]);
        assert.equal(sigSdkAppId(flagged.stdout), 1300000000);
        // An app that is not there is refused, listing those that are.
        assertOneLine(
          await runHerald(['usersig', 'alice', '--sdkappid', '1400000999', '--data', data]),
          `--sdkappid 1400000999 is not an app here (apps: 1300000000, ${banner}); choose one of them`,
        );
      });

      it('an empty webhooks listing says there are none', async () => {
        const data = join(dir, 'hooks');
        assert.equal((await runHerald(['app', 'add', '--data', data])).code, 0);
        const none = await runHerald(['webhooks', '--data', data]);
        assert.equal(none.code, 0, none.stderr);
        assert.equal(none.stdout, 'no webhook deliveries yet\n');
        const filtered = await runHerald(['webhooks', '--data', data, '--status', 'pending']);
        assert.equal(filtered.stdout, 'no webhook deliveries match\n');
        const json = await runHerald(['webhooks', '--data', data, '--json']);
        assert.equal(json.stdout, '', '--json output stays NDJSON');
        assert.equal(json.stderr, 'herald: no webhook deliveries yet\n');
      });
    });
  }

  if (store === 'postgres') {
    describe('start-up errors: PostgreSQL [postgres]', () => {
      const base = new URL(process.env.HERALD_TEST_POSTGRES_URL as string);
      const withDatabase = (user: string, password: string, database: string) => {
        const url = new URL(base);
        url.username = user;
        url.password = password;
        url.pathname = `/${database}`;
        return url.toString();
      };
      const masked = (url: string) => {
        const u = new URL(url);
        if (u.password !== '') u.password = '***';
        return u.toString();
      };

      it('a database that does not exist names HERALD_DATABASE_URL and the reason', async () => {
        const url = withDatabase(base.username || 'postgres', 'hunter2', 'herald_no_such_database');
        const result = await runHerald(['serve'], cliEnv({ HERALD_DATABASE_URL: url, HERALD_PORT: '0' }));
        assertOneLine(
          result,
          `HERALD_DATABASE_URL (--database-url) ${masked(url)} names a database that does not exist (database "herald_no_such_database" does not exist): create it or correct the name`,
        );
        assert.doesNotMatch(result.stderr, /hunter2/);
      });

      it('a refused login names HERALD_DATABASE_URL and the reason', async () => {
        const url = withDatabase('herald_no_such_role', 'hunter2', base.pathname.slice(1));
        const line = new RegExp(
          `^HERALD_DATABASE_URL \\(--database-url\\) ${escapeRegExp(masked(url))} was refused \\(.*herald_no_such_role.*\\): correct the user and password$`,
        );
        const result = await runHerald(['serve'], cliEnv({ HERALD_DATABASE_URL: url, HERALD_PORT: '0' }));
        assertOneLine(result, line);
        assert.doesNotMatch(result.stderr, /hunter2/);
        await assertStartFails({ databaseUrl: url }, line);
      });
    });
  }

  describe(`/readyz answers 503 when the store cannot write [${store}]`, () => {
    const ready = async (herald: TestHerald) => {
      const response = await fetch(`${herald.url}/readyz`);
      return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
    };
    /** A write on the official-account API, whose internal error is 10004. */
    const createOne = (herald: TestHerald, name: string) =>
      herald.admin.official('create_official_account', { Owner_Account: 'administrator', Name: name });

    if (store === 'sqlite') {
      it('files the kernel refuses to write (as on a read-only file system): 503 naming the file, and back', async (t) => {
        const dataDir = mkdtempSync(join(tmpdir(), 'herald-readyz-'));
        const files = ['herald.sqlite', 'herald.sqlite-wal'].map((f) => join(dataDir, f));
        let herald: TestHerald | undefined;
        let immutable = false;
        try {
          herald = await startTestHerald({ dataDir });
          assert.deepEqual(await ready(herald), { status: 200, body: { status: 'ready' } });
          // chmod does not stop root; the immutable attribute does, even through descriptors
          // SQLite opened at start, as a file system remounted read-only does.
          try {
            execFileSync('chattr', ['+i', ...files], { stdio: 'ignore' });
            immutable = true;
          } catch {
            t.skip('this file system or user cannot set the immutable attribute (chattr +i)');
            return;
          }
          assert.equal((await createOne(herald, 'refused')).ErrorCode, 10004, 'a write fails');
          const { status, body } = await ready(herald);
          assert.equal(status, 503);
          assert.equal(body.status, 'unavailable');
          assert.equal(body.reason, `${files[0]} cannot be written (EPERM: operation not permitted)`);

          execFileSync('chattr', ['-i', ...files]);
          immutable = false;
          assert.deepEqual(await ready(herald), { status: 200, body: { status: 'ready' } });
          assert.equal((await createOne(herald, 'accepted')).ErrorCode, 0);
        } finally {
          if (immutable) execFileSync('chattr', ['-i', ...files]);
          await herald?.close();
          rmSync(dataDir, { recursive: true, force: true });
        }
      });

      it('a database file deleted under the running server: 503, since its writes would be lost', async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'herald-readyz-'));
        let herald: TestHerald | undefined;
        try {
          herald = await startTestHerald({ dataDir });
          assert.equal((await ready(herald)).status, 200);
          rmSync(join(dataDir, 'herald.sqlite'));
          assert.deepEqual(await ready(herald), {
            status: 503,
            body: {
              status: 'unavailable',
              reason: `${join(dataDir, 'herald.sqlite')} is gone (deleted or moved while in use): writes would be lost`,
            },
          });
        } finally {
          await herald?.close();
          rmSync(dataDir, { recursive: true, force: true });
        }
      });

      it("another process holding SQLite's write lock: 503 'database is locked' while writes fail, then ready", async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'herald-readyz-'));
        let herald: TestHerald | undefined;
        let holder: ChildProcess | undefined;
        try {
          herald = await startTestHerald({ dataDir });
          const script = `
            const Database = require(${JSON.stringify(join(ROOT, 'node_modules', 'better-sqlite3'))});
            const db = new Database(${JSON.stringify(join(dataDir, 'herald.sqlite'))});
            db.exec('BEGIN IMMEDIATE');
            process.stdout.write('locked\\n');
            setInterval(() => {}, 1000);`;
          holder = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
          await once(holder.stdout as NodeJS.ReadableStream, 'data');
          const [write, probe] = await Promise.all([createOne(herald, 'blocked'), ready(herald)]);
          assert.equal(write.ErrorCode, 10004, 'a write fails once the busy timeout passes');
          assert.deepEqual(probe, {
            status: 503,
            body: { status: 'unavailable', reason: 'the database refuses writes (database is locked)' },
          });
          holder.kill('SIGKILL');
          await once(holder, 'exit');
          assert.deepEqual(await ready(herald), { status: 200, body: { status: 'ready' } });
          assert.equal((await createOne(herald, 'after')).ErrorCode, 0);
        } finally {
          holder?.kill('SIGKILL');
          await herald?.close();
          rmSync(dataDir, { recursive: true, force: true });
        }
      });
    }

    if (store === 'postgres') {
      it('a role whose sessions become read-only (as after a failover to a standby): 503, then ready again', async () => {
        const schema = await createTestSchema();
        const role = `herald_ro_${schema.slice(-8)}`;
        const { default: pg } = await import('pg');
        const admin = new pg.Client({ connectionString: process.env.HERALD_TEST_POSTGRES_URL });
        await admin.connect();
        // Herald's connections are cut, as a failover cuts them; the pool reconnects.
        const cutConnections = () =>
          admin.query('select pg_terminate_backend(pid) from pg_stat_activity where usename = $1', [role]);
        let herald: Awaited<ReturnType<typeof startHerald>> | undefined;
        try {
          await admin.query(`create role ${role} login`);
          await admin.query(`grant all on schema ${schema} to ${role}`);
          const url = new URL(process.env.HERALD_TEST_POSTGRES_URL as string);
          url.username = role;
          url.searchParams.set('options', `-c search_path=${schema}`);
          herald = await startHerald({
            logLevel: 'silent',
            rateLimit: 0,
            databaseUrl: url.toString(),
            databasePoolSize: 2,
            apps: [{ sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: ['administrator'] }],
          });
          const client = new Client(herald.url);
          const probe = async () => {
            const response = await fetch(`${herald?.url}/readyz`);
            return { status: response.status, body: (await response.json()) as Record<string, string> };
          };
          // Right after the cut, a pooled connection may not have heard yet that it was closed:
          // its one failure is the cut itself, not the state being checked.
          const settled = async () => {
            for (let tries = 0; ; tries++) {
              const answer = await probe();
              if (!/terminat|Connection/i.test(answer.body.reason ?? '') || tries > 50) return answer;
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
          };
          assert.deepEqual(await probe(), { status: 200, body: { status: 'ready' } });

          await admin.query(`alter role ${role} set default_transaction_read_only = on`);
          await cutConnections();
          assert.deepEqual(await settled(), {
            status: 503,
            body: {
              status: 'unavailable',
              reason: 'the database refuses writes (cannot execute DELETE in a read-only transaction)',
            },
          });
          assert.equal(
            (await client.official('create_official_account', { Owner_Account: 'administrator', Name: 'refused' }))
              .ErrorCode,
            10004,
          );

          await admin.query(`alter role ${role} reset default_transaction_read_only`);
          await cutConnections();
          assert.deepEqual(await settled(), { status: 200, body: { status: 'ready' } });
          assert.equal(
            (await client.official('create_official_account', { Owner_Account: 'administrator', Name: 'accepted' }))
              .ErrorCode,
            0,
          );
        } finally {
          await herald?.close();
          await dropTestSchema(schema);
          await admin.query(`drop role if exists ${role}`);
          await admin.end();
        }
      });
    }
  });
}
