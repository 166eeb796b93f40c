/**
 * Durability across restarts (in-process and through the `herald` CLI as a child process), the
 * start-up banner, configuration errors, `herald usersig` and `herald app add|list`.
 */
import { BUNDLE, cliEnv, heraldArgs, killCli, runCli as runCliTo, spawnCli } from './helpers/cli.ts';
import { ALL_FILTER_FIELDS } from './helpers/spec-fields.ts';
import { checkAnswer } from './helpers/answers.ts';
import { assertOk } from './helpers/assertions.ts';
import { countOfficialAccounts } from './helpers/store-checks.ts';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ADMIN,
  Client,
  SDKAPPID,
  importAccounts,
  startTestHerald,
  stores,
  type Envelope,
  type TestHerald,
} from './helpers/harness.ts';

/** Guards against a hung child, not a performance assertion: generous, so a loaded machine passes. */
const CHILD_TIMEOUT_MS = 120_000;

type Item = Record<string, unknown>;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'herald-persist-'));
}

/** Runs a CLI command to completion. */
const runCli = (args: string[], env: NodeJS.ProcessEnv = cliEnv()) => runCliTo(args, env, CHILD_TIMEOUT_MS);

/** A running `herald serve`. */
class Served {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** Waits until stdout matches `pattern` (or fails if the process exits or hangs first). */
  async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    const deadline = Date.now() + CHILD_TIMEOUT_MS;
    for (;;) {
      const match = this.stdout.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `herald serve exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${pattern}; stdout=${this.stdout} stderr=${this.stderr}`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(`herald serve never printed ${pattern}; stdout=${this.stdout} stderr=${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** SIGTERM, then the exit status. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill('SIGTERM');
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`herald serve did not exit after SIGTERM; stderr=${this.stderr}`)),
        CHILD_TIMEOUT_MS,
      ).unref(),
    );
    return Promise.race([this.exited, timeout]);
  }
}

function serve(env: NodeJS.ProcessEnv): Served {
  return new Served(spawnCli(['serve'], env));
}

interface Banner {
  url: string;
  sdkappid: number;
  admin: string;
  secretKey?: string;
  userSig?: string;
  curlBody?: string;
  curlUrl?: string;
}

/**
 * The arguments a POSIX shell passes to curl when the banner's curl line is pasted, read by
 * running the line in `sh` with `curl` defined as a function that prints its arguments.
 */
function curlArguments(line: string): string[] {
  const out = execFileSync('sh', ['-c', `curl() { printf '%s\\0' "$@"; }\n${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

/**
 * How far the WAL has been checkpointed, from the wal-index header in herald.sqlite-shm
 * (sqlite.org/walformat.html): mxFrame, the frames in the WAL, at byte 16 of the header, and
 * nBackfill, the frames already copied into the database, at byte 96 (after the header's two
 * 48-byte copies). Read without a connection, so the test itself checkpoints nothing.
 */
function walProgress(dataDir: string): { frames: number; copied: number } {
  const shm = readFileSync(join(dataDir, 'herald.sqlite-shm'));
  return { frames: shm.readUInt32LE(16), copied: shm.readUInt32LE(96) };
}

/** Reads the banner once its last line is out. */
async function readBanner(served: Served, withSecrets: boolean): Promise<Banner> {
  await served.waitFor(withSecrets ? /^\s+curl .*\n/m : /herald usersig <identifier>.*\n/);
  const text = served.stdout;
  const url = text.match(/Herald is serving on (https?:\/\/\S+)/)?.[1];
  const sdkappid = text.match(/^\s+SDKAppID\s+(\d+)\s*$/m)?.[1];
  const admin = text.match(/^\s+admin\s+(\S+)\s*$/m)?.[1];
  assert.ok(url, `banner has the URL: ${text}`);
  assert.ok(sdkappid, `banner has the SDKAppID: ${text}`);
  assert.ok(admin, `banner has the admin: ${text}`);
  const banner: Banner = { url, sdkappid: Number(sdkappid), admin };
  if (withSecrets) {
    const secretKey = text.match(/^\s+secret key (\S+)\s*$/m)?.[1];
    const userSig = text.match(/^\s+UserSig\s+(\S+)\s*$/m)?.[1];
    const curlLine = text.split('\n').find((line) => /^\s+curl /.test(line));
    assert.ok(secretKey, `banner has the secret key: ${text}`);
    assert.ok(userSig, `banner has a UserSig: ${text}`);
    assert.ok(curlLine, `banner has a curl line: ${text}`);
    const args = curlArguments(curlLine);
    assert.equal(args.length, 4, `curl gets -s -d <body> <url>: ${JSON.stringify(args)}`);
    assert.deepEqual(args.slice(0, 2), ['-s', '-d']);
    Object.assign(banner, { secretKey, userSig, curlBody: args[2], curlUrl: args[3] });
  }
  return banner;
}

async function post(url: string, body: string): Promise<Envelope> {
  const response = await fetch(url, { method: 'POST', body });
  assert.equal(response.status, 200);
  const envelope = (await response.json()) as Envelope;
  const [, , service = '', command = ''] = new URL(url).pathname.split('/');
  checkAnswer(service, command, envelope);
  return envelope;
}

/** The same signed query, aimed at another command. */
function retarget(curlUrl: string, service: string, command: string): string {
  const url = new URL(curlUrl);
  url.pathname = `/v4/${service}/${command}`;
  return url.toString();
}

after(killCli);

for (const store of stores()) {
  describe(`persistence [${store}]`, () => {
    it('accounts and official accounts survive a restart on the same dataDir', async () => {
      const dataDir = tempDir();
      let herald: TestHerald | undefined;
      try {
        herald = await startTestHerald({ dataDir });
        await importAccounts(herald.admin, ['keep_owner', 'keep_user', 'drop_user']);
        assertOk(await herald.admin.account('account_import', { UserID: 'keep_nick', Nick: '昵称 😀' }));
        assertOk(await herald.admin.account('account_delete', { DeleteItem: [{ UserID: 'drop_user' }] }));
        const custom = await herald.admin.official('create_official_account', {
          OfficialAccountUserID: '@TOA#_durable',
          Owner_Account: 'keep_owner',
          Name: '持久 durable 😀',
          Introduction: 'kept across restarts',
          FaceUrl: 'http://face',
          Organization: 'org',
          CustomString: 'custom',
          MaxSubscriberNum: 777,
        });
        assertOk(custom);
        const generated = await herald.admin.official('create_official_account', {
          Owner_Account: 'keep_owner',
          Name: 'generated',
        });
        assertOk(generated);
        const ids = ['@TOA#_durable', generated.OfficialAccountUserID as string];
        const filter = ALL_FILTER_FIELDS;
        const read = async (h: TestHerald) => {
          const res = await h.admin.official('get_official_account_info', {
            OfficialAccountIdList: ids.map((Official_Account) => ({ Official_Account })),
            ResponseFilter: { OfficialAccountBaseInfoFilter: filter },
          });
          assertOk(res);
          return res.OfficialAccountInfoList as Item[];
        };
        const before = await read(herald);
        assert.ok(
          before.every((item) => item.ErrorCode === 0),
          'before.every((item) => item.ErrorCode === 0)',
        );
        await herald.close();
        herald = undefined;

        herald = await startTestHerald({ dataDir });
        assert.deepEqual(await read(herald), before);
        assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 2);
        const check = await herald.admin.account('account_check', {
          CheckItem: ['keep_owner', 'keep_user', 'keep_nick', 'drop_user', ADMIN].map((UserID) => ({ UserID })),
        });
        assertOk(check);
        assert.deepEqual(
          Object.fromEntries((check.ResultItem as Item[]).map((item) => [item.UserID, item.AccountStatus])),
          {
            keep_owner: 'Imported',
            keep_user: 'Imported',
            keep_nick: 'Imported',
            drop_user: 'NotImported',
            [ADMIN]: 'Imported',
          },
        );
        // The custom ID stays taken, and the restarted server keeps creating.
        const again = await herald.admin.official('create_official_account', {
          OfficialAccountUserID: '@TOA#_durable',
          Owner_Account: 'keep_owner',
          Name: 'x',
        });
        assert.equal(again.ErrorCode, 130008);
        assertOk(
          await herald.admin.official('create_official_account', { Owner_Account: 'keep_user', Name: 'after restart' }),
        );
        await herald.close();
        herald = undefined;

        // A third start that configures no app at all keeps using the stored one.
        herald = await startTestHerald({ dataDir, apps: [] });
        assert.deepEqual(
          herald.apps.map((app) => app.sdkappid),
          [SDKAPPID],
        );
        assert.equal(herald.createdDefaultApp, false);
        assert.deepEqual(await read(herald), before);
        assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 3);
      } finally {
        await herald?.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  // The CLI children below always run on a SQLite data directory (HERALD_DATA / --data), so
  // they belong to the SQLite pass only; the in-process restart test above covers each store.
  if (store !== 'sqlite') continue;

  describe('SQLite WAL checkpoints [sqlite]', () => {
    it('a worker thread copies committed writes back into the database file, and close removes the WAL', async () => {
      const dataDir = tempDir();
      let herald: TestHerald | undefined;
      try {
        herald = await startTestHerald({ dataDir });
        await importAccounts(herald.admin, ['wal_owner', 'wal_a', 'wal_b']);
        const created = await herald.admin.official('create_official_account', {
          Owner_Account: 'wal_owner',
          Name: 'wal',
        });
        assertOk(created);
        assertOk(
          await herald.admin.official('add_subscriber', {
            Official_Account: created.OfficialAccountUserID,
            SubscriberList: [{ Subscriber_Account: 'wal_a' }, { Subscriber_Account: 'wal_b' }],
          }),
        );
        // The serving connection checkpoints by itself only past 4,000 WAL pages; these few
        // writes are copied back only if the worker runs.
        let wal = walProgress(dataDir);
        for (let waited = 0; wal.copied < wal.frames && waited < 10_000; waited += 50) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          wal = walProgress(dataDir);
        }
        assert.ok(wal.frames > 0, `the writes went to the WAL: ${JSON.stringify(wal)}`);
        assert.equal(wal.copied, wal.frames, 'every WAL frame was copied into the database file');
        await herald.close();
        herald = undefined;
        assert.equal(
          existsSync(join(dataDir, 'herald.sqlite-wal')),
          false,
          'the serving connection closed last and removed the WAL',
        );
      } finally {
        await herald?.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe(`herald serve (child process) [${store}]`, () => {
    it("the bundle npm start runs (dist/herald.mjs, built by npm ci / npm run build) serves the banner's curl line", {
      timeout: 600_000,
    }, async () => {
      heraldArgs([]); // builds the bundle if a source file is newer, as npm run build would
      assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run npm run build`);
      const dataDir = tempDir();
      try {
        const served = serve(cliEnv({ HERALD_DATA: dataDir, HERALD_PORT: '0' }));
        const banner = await readBanner(served, true);
        const created = await post(banner.curlUrl!, banner.curlBody!);
        assertOk(created);
        const info = await post(
          retarget(banner.curlUrl!, 'official_account_open_http_svc', 'get_official_account_info'),
          JSON.stringify({
            OfficialAccountIdList: [{ Official_Account: created.OfficialAccountUserID }],
          }),
        );
        assertOk(info);
        assert.equal((info.OfficialAccountInfoList as Item[])[0]?.Name, 'My first account');
        assert.deepEqual(await served.stop(), { code: 0, signal: null }, `stderr: ${served.stderr}`);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('without HERALD_SDKAPPID: prints a working banner, exits 0 on SIGTERM, and keeps the app across restarts', {
      timeout: 600_000,
    }, async () => {
      const dataDir = tempDir();
      const env = cliEnv({ HERALD_DATA: dataDir, HERALD_PORT: '0' });
      try {
        const first = serve(env);
        const banner = await readBanner(first, true);
        assert.match(banner.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.notEqual(new URL(banner.url).port, '0');
        assert.equal(banner.admin, 'administrator');
        assert.match(banner.secretKey!, /^[0-9a-f]{64}$/);
        assert.match(String(banner.sdkappid), /^14\d{8}$/);
        assert.ok(
          banner.curlUrl!.startsWith(`${banner.url}/v4/official_account_open_http_svc/create_official_account?`),
          "the banner's curl line creates an official account on this server",
        );
        const query = new URL(banner.curlUrl!).searchParams;
        assert.equal(query.get('sdkappid'), String(banner.sdkappid));
        assert.equal(query.get('identifier'), 'administrator');
        assert.equal(query.get('usersig'), banner.userSig);

        // The printed curl line works as printed.
        const created = await post(banner.curlUrl!, banner.curlBody!);
        assertOk(created);
        const id = created.OfficialAccountUserID as string;
        assert.match(id, /^@TOA#_@TOA#/);
        // So does a client signing with the printed key.
        const client = new Client(banner.url, {
          sdkappid: banner.sdkappid,
          key: banner.secretKey!,
          identifier: 'administrator',
        });
        assertOk(await client.account('account_import', { UserID: 'cli_user' }));

        const firstExit = await first.stop();
        assert.deepEqual(firstExit, { code: 0, signal: null }, `stderr: ${first.stderr}`);

        const second = serve(env);
        const again = await readBanner(second, true);
        assert.equal(again.sdkappid, banner.sdkappid);
        assert.equal(again.secretKey, banner.secretKey);
        assert.equal(again.admin, 'administrator');
        // The data written by the first run is there.
        const info = await post(
          retarget(again.curlUrl!, 'official_account_open_http_svc', 'get_official_account_info'),
          JSON.stringify({
            OfficialAccountIdList: [{ Official_Account: id }],
          }),
        );
        assertOk(info);
        const [item] = info.OfficialAccountInfoList as Item[];
        assert.equal(item?.ErrorCode, 0);
        assert.equal(item?.Name, 'My first account');
        const check = await post(
          retarget(again.curlUrl!, 'im_open_login_svc', 'account_check'),
          JSON.stringify({ CheckItem: [{ UserID: 'cli_user' }] }),
        );
        assertOk(check);
        assert.equal((check.ResultItem as Item[])[0]?.AccountStatus, 'Imported');
        // The old banner's UserSig (same app, same key) is still accepted.
        const oldSig = new URL(retarget(banner.curlUrl!, 'im_open_login_svc', 'account_check'));
        const newBase = new URL(again.url);
        oldSig.host = newBase.host;
        assertOk(await post(oldSig.toString(), JSON.stringify({ CheckItem: [{ UserID: 'cli_user' }] })));
        assert.deepEqual(await second.stop(), { code: 0, signal: null }, `stderr: ${second.stderr}`);
      } finally {
        killCli();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('with HERALD_SDKAPPID and HERALD_SECRET_KEY: serves that app with the configured admins', {
      timeout: 300_000,
    }, async () => {
      const dataDir = tempDir();
      const key = 'configured-secret-key-0123456789';
      const env = cliEnv({
        HERALD_DATA: dataDir,
        HERALD_PORT: '0',
        HERALD_SDKAPPID: '1400000777',
        HERALD_SECRET_KEY: key,
        HERALD_ADMIN: 'ops,administrator',
      });
      try {
        const served = serve(env);
        const banner = await readBanner(served, false);
        assert.equal(banner.sdkappid, 1400000777);
        assert.equal(banner.admin, 'ops');
        assert.ok(!served.stdout.includes(key), 'a key given through the environment is not printed');
        const ops = new Client(banner.url, { sdkappid: 1400000777, key, identifier: 'ops' });
        const created = await ops.official('create_official_account', { Owner_Account: 'ops', Name: 'configured' });
        assertOk(created);
        const administrator = new Client(banner.url, { sdkappid: 1400000777, key, identifier: 'administrator' });
        assertOk(await administrator.account('account_check', { CheckItem: [{ UserID: 'ops' }] }));
        // Another key for the same SDKAppID is refused.
        const wrongKey = new Client(banner.url, { sdkappid: 1400000777, key: 'not-the-key', identifier: 'ops' });
        assert.equal((await wrongKey.account('account_check', { CheckItem: [{ UserID: 'ops' }] })).ErrorCode, 70009);
        // No other app was created next to it.
        const other = new Client(banner.url, { sdkappid: SDKAPPID });
        assert.equal((await other.account('account_check', { CheckItem: [{ UserID: 'ops' }] })).ErrorCode, 60006);
        assert.deepEqual(await served.stop(), { code: 0, signal: null }, `stderr: ${served.stderr}`);

        const listed = await runCli(['app', 'list', '--data', dataDir]);
        assert.equal(listed.code, 0, listed.stderr);
        const lines = listed.stdout.trim().split('\n');
        assert.equal(lines.length, 1, listed.stdout);
        assert.match(lines[0]!, /^1400000777\s+admins=ops,administrator\b/);
      } finally {
        killCli();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('HERALD_ADMIN without HERALD_SDKAPPID sets the admins of the default app (also on restart)', {
      timeout: 600_000,
    }, async () => {
      const dataDir = tempDir();
      // Quote characters are legal in identifiers and must survive the banner's curl line.
      const quoted = `o'neil"x`;
      try {
        const first = serve(cliEnv({ HERALD_DATA: dataDir, HERALD_PORT: '0', HERALD_ADMIN: `${quoted},ops` }));
        const banner = await readBanner(first, true);
        assert.equal(banner.admin, quoted);
        assert.deepEqual(JSON.parse(banner.curlBody!), { Owner_Account: quoted, Name: 'My first account' });
        assert.equal(new URL(banner.curlUrl!).searchParams.get('identifier'), quoted);
        const created = await post(banner.curlUrl!, banner.curlBody!);
        assertOk(created);
        const ops = new Client(banner.url, { sdkappid: banner.sdkappid, key: banner.secretKey!, identifier: 'ops' });
        const check = await ops.account('account_check', {
          CheckItem: [{ UserID: quoted }, { UserID: 'ops' }, { UserID: 'administrator' }],
        });
        assertOk(check);
        assert.deepEqual(
          (check.ResultItem as Item[]).map((item) => item.AccountStatus),
          ['Imported', 'Imported', 'NotImported'],
        );
        // administrator is not an admin of this app.
        const administrator = new Client(banner.url, {
          sdkappid: banner.sdkappid,
          key: banner.secretKey!,
          identifier: 'administrator',
        });
        assert.equal(
          (await administrator.account('account_check', { CheckItem: [{ UserID: 'ops' }] })).ErrorCode,
          70403,
        );
        assert.deepEqual(await first.stop(), { code: 0, signal: null }, `stderr: ${first.stderr}`);

        // A restart with other admins changes them; the app (SDKAppID, key) stays.
        const second = serve(cliEnv({ HERALD_DATA: dataDir, HERALD_PORT: '0', HERALD_ADMIN: 'boss' }));
        const again = await readBanner(second, true);
        assert.equal(again.sdkappid, banner.sdkappid);
        assert.equal(again.secretKey, banner.secretKey);
        assert.equal(again.admin, 'boss');
        assertOk(await post(again.curlUrl!, JSON.stringify({ Owner_Account: 'boss', Name: 'by boss' })));
        const opsNow = new Client(again.url, { sdkappid: banner.sdkappid, key: banner.secretKey!, identifier: 'ops' });
        assert.equal((await opsNow.account('account_check', { CheckItem: [{ UserID: 'ops' }] })).ErrorCode, 70403);
        assert.deepEqual(await second.stop(), { code: 0, signal: null }, `stderr: ${second.stderr}`);

        // A restart without HERALD_ADMIN keeps the stored admins.
        const third = serve(cliEnv({ HERALD_DATA: dataDir, HERALD_PORT: '0' }));
        const kept = await readBanner(third, true);
        assert.equal(kept.admin, 'boss');
        assert.deepEqual(await third.stop(), { code: 0, signal: null }, `stderr: ${third.stderr}`);

        const listed = await runCli(['app', 'list', '--data', dataDir]);
        assert.equal(listed.code, 0, listed.stderr);
        assert.match(listed.stdout, new RegExp(`^${banner.sdkappid}\\s+admins=boss\\s`));
      } finally {
        killCli();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    const badConfigs: [string, Record<string, string>, string][] = [
      ['HERALD_PORT=abc', { HERALD_PORT: 'abc' }, 'HERALD_PORT'],
      ['HERALD_PORT=70000', { HERALD_PORT: '70000' }, 'HERALD_PORT'],
      ['HERALD_SDKAPPID without a key', { HERALD_SDKAPPID: '1400000001' }, 'HERALD_SDKAPPID'],
      ['HERALD_SECRET_KEY without an SDKAppID', { HERALD_SECRET_KEY: 'k' }, 'HERALD_SECRET_KEY'],
      ['HERALD_SDKAPPID=abc', { HERALD_SDKAPPID: 'abc', HERALD_SECRET_KEY: 'k' }, 'HERALD_SDKAPPID'],
      ['HERALD_LOG_LEVEL=loud', { HERALD_LOG_LEVEL: 'loud' }, 'HERALD_LOG_LEVEL'],
      [
        '11 admins in HERALD_ADMIN',
        { HERALD_ADMIN: Array.from({ length: 11 }, (_, i) => `admin${i}`).join(',') },
        'HERALD_ADMIN',
      ],
      ['an invalid admin identifier', { HERALD_ADMIN: 'administrator,中文' }, 'HERALD_ADMIN'],
      ['HERALD_RATE_LIMIT=-1', { HERALD_RATE_LIMIT: '-1' }, 'HERALD_RATE_LIMIT'],
    ];
    describe('bad configuration', () => {
      for (const [label, vars, name] of badConfigs) {
        it(`bad configuration (${label}) exits non-zero with one line naming ${name}`, {
          timeout: 300_000,
        }, async () => {
          const dataDir = tempDir();
          try {
            const result = await runCli(['serve'], cliEnv({ HERALD_DATA: dataDir, HERALD_PORT: '0', ...vars }));
            assert.notEqual(result.code, 0, `stdout=${result.stdout}`);
            assert.equal(result.signal, null);
            const lines = result.stderr.trim().split('\n');
            assert.equal(lines.length, 1, `one line on stderr, got: ${result.stderr}`);
            assert.ok(lines[0]!.includes(name), `stderr names ${name}: ${result.stderr}`);
            assert.doesNotMatch(result.stderr, /\bat .*\.ts:\d+/, 'no stack trace');
            assert.doesNotMatch(result.stdout, /Herald is serving/);
          } finally {
            rmSync(dataDir, { recursive: true, force: true });
          }
        });
      }
    });

    it('a bad flag value is reported with the flag name', { timeout: 300_000 }, async () => {
      const dataDir = tempDir();
      try {
        const result = await runCli(['serve', '--port', 'abc'], cliEnv({ HERALD_DATA: dataDir }));
        assert.notEqual(result.code, 0);
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
        assert.match(result.stderr, /--port/);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe(`herald usersig and herald app (child processes) [${store}]`, () => {
    it('app add / app list / usersig work on a data directory, and the UserSig is accepted by Herald', {
      timeout: 600_000,
    }, async () => {
      const dataDir = tempDir();
      let herald: TestHerald | undefined;
      try {
        const added = await runCli([
          'app',
          'add',
          '--data',
          dataDir,
          '--sdkappid',
          '1400000123',
          '--key',
          'k',
          '--admin',
          'a,b',
        ]);
        assert.equal(added.code, 0, added.stderr);
        assert.match(added.stdout, /^added 1400000123\s+admins=a,b\b/m);
        assert.match(added.stdout, /^secret key k$/m);

        const listed = await runCli(['app', 'list', '--data', dataDir]);
        assert.equal(listed.code, 0, listed.stderr);
        assert.deepEqual(listed.stdout.trim().split('\n').length, 1, listed.stdout);
        assert.match(listed.stdout, /^1400000123\s+admins=a,b\s+officialAccounts=on\s+maxOfficialAccounts=\d+/);

        // Adding the same SDKAppID again is refused and changes nothing.
        const dup = await runCli(['app', 'add', '--data', dataDir, '--sdkappid', '1400000123', '--key', 'other']);
        assert.notEqual(dup.code, 0);
        assert.match(dup.stderr, /1400000123/);

        // With one app, no --sdkappid is needed; HERALD_DATA works like --data.
        const sigA = await runCli(['usersig', 'a', '--data', dataDir]);
        assert.equal(sigA.code, 0, sigA.stderr);
        const userSigA = sigA.stdout.trim();
        assert.match(userSigA, /^[A-Za-z0-9*_-]+$/);
        assert.equal(sigA.stdout.trim().split('\n').length, 1);
        const sigB = await runCli(['usersig', 'b'], cliEnv({ HERALD_DATA: dataDir }));
        assert.equal(sigB.code, 0, sigB.stderr);
        const sigC = await runCli(['usersig', 'c', '--data', dataDir]);
        assert.equal(sigC.code, 0, sigC.stderr);

        // A second app: without --sdkappid the default app of herald serve (the oldest) is used,
        // and stderr says so.
        const second = await runCli(['app', 'add', '--data', dataDir]);
        assert.equal(second.code, 0, second.stderr);
        const secondId = second.stdout.match(/^added (\d+)/m)?.[1];
        assert.ok(secondId, second.stdout);
        const listedTwo = await runCli(['app', 'list', '--data', dataDir]);
        assert.equal(listedTwo.stdout.trim().split('\n').length, 2, listedTwo.stdout);
        const defaulted = await runCli(['usersig', 'a', '--data', dataDir]);
        assert.equal(defaulted.code, 0, defaulted.stderr);
        assert.match(
          defaulted.stderr,
          /^herald: signed for 1400000123, the default app of herald serve .*--sdkappid\n$/,
        );
        const named = await runCli(['usersig', 'a', '--data', dataDir, '--sdkappid', '1400000123']);
        assert.equal(named.code, 0, named.stderr);
        const unknown = await runCli(['usersig', 'a', '--data', dataDir, '--sdkappid', '1400000999']);
        assert.notEqual(unknown.code, 0);

        // A Herald started on that directory (configuring no app) accepts the printed UserSigs.
        herald = await startTestHerald({ dataDir, apps: [] });
        const call = (identifier: string, userSig: string, command: string, body: unknown) =>
          post(
            `${herald!.url}/v4/im_open_login_svc/${command}?${new URLSearchParams({ sdkappid: '1400000123', identifier, usersig: userSig, random: '1', contenttype: 'json' })}`,
            JSON.stringify(body),
          );
        const checkA = await call('a', userSigA, 'account_check', { CheckItem: [{ UserID: 'a' }, { UserID: 'b' }] });
        assertOk(checkA);
        assert.deepEqual(
          (checkA.ResultItem as Item[]).map((item) => item.AccountStatus),
          ['Imported', 'Imported'],
        );
        assertOk(await call('b', sigB.stdout.trim(), 'account_import', { UserID: 'c' }));
        assertOk(await call('a', named.stdout.trim(), 'account_check', { CheckItem: [{ UserID: 'c' }] }));
        // A valid UserSig for a non-admin passes verification and then meets the admin check.
        assert.equal(
          (await call('c', sigC.stdout.trim(), 'account_check', { CheckItem: [{ UserID: 'c' }] })).ErrorCode,
          70403,
        );
        // The UserSig is bound to its identifier.
        assert.equal((await call('b', userSigA, 'account_check', { CheckItem: [{ UserID: 'a' }] })).ErrorCode, 70013);
        // The same through the official-account API, with the admin as owner.
        const created = await post(
          `${herald.url}/v4/official_account_open_http_svc/create_official_account?${new URLSearchParams({ sdkappid: '1400000123', identifier: 'a', usersig: userSigA, random: '2' })}`,
          JSON.stringify({ Owner_Account: 'b', Name: 'from the CLI sig' }),
        );
        assertOk(created);
        assert.match(created.OfficialAccountUserID as string, /^@TOA#_@TOA#/);
      } finally {
        await herald?.close();
        killCli();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
