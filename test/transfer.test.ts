/**
 * `herald export` / `herald import`: every row moves between stores (SQLite → PostgreSQL →
 * SQLite when PostgreSQL is configured, SQLite → SQLite otherwise), counts are verified, and a
 * Herald started on the target answers exactly what the source answered.
 */
import { heraldArgs } from './helpers/cli.ts';
import { assertOk } from './helpers/assertions.ts';
import { countOfficialAccounts } from './helpers/store-checks.ts';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openStore } from '../src/store/open.ts';
import { exportStore, importStore } from '../src/transfer.ts';
import {
  createTestSchema,
  currentStore,
  dropTestSchema,
  importAccounts,
  postgresUrlFor,
  startTestHerald,
  stores,
  type Client,
} from './helpers/harness.ts';

const run = promisify(execFile);
const havePostgres = process.env.HERALD_TEST_POSTGRES_URL !== undefined;

/** What a client can read of the server: the fingerprint two stores must agree on. */
async function snapshot(client: Client, ids: string[]) {
  const info = assertOk(
    await client.official('get_official_account_info', {
      OfficialAccountIdList: ids.map((Official_Account) => ({ Official_Account })),
      ResponseFilter: {
        OfficialAccountBaseInfoFilter: [
          'Name',
          'Owner_Account',
          'SubscriberNum',
          'LastMsgTime',
          'CreateTime',
          'CustomString',
          'MaxSubscriberNum',
        ],
      },
    }),
  ).OfficialAccountInfoList;
  const subscribers: unknown[] = [];
  const history: unknown[] = [];
  for (const id of ids) {
    let next = '';
    do {
      const page = assertOk(
        await client.official('get_subscriber_info', { Official_Account: id, Limit: 200, Next: next }),
      );
      subscribers.push(...(page.SubscriberList as unknown[]));
      next = page.Next as string;
    } while (next !== '');
    history.push(
      assertOk(
        await client.official('official_account_msg_get_simple', {
          Official_Account: id,
          ReqMsgNumber: 20,
          WithRecalledMsg: 1,
        }),
      ).RspMsgList,
    );
  }
  const check = assertOk(
    await client.account('account_check', { CheckItem: ['u0', 'u99', 'u249', 'nobody'].map((UserID) => ({ UserID })) }),
  ).ResultItem;
  const deliveries = (
    assertOk(await client.call('herald_admin', 'list_webhook_deliveries', { Limit: 200 })).Deliveries as Record<
      string,
      unknown
    >[]
  ).map(({ Id, CallbackCommand, Status, Body }) => ({ Id, CallbackCommand, Status, Body }));
  return { info, subscribers, history, check, deliveries };
}

for (const store of stores()) {
  describe(`herald export / import [${store}]`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-transfer-'));
    const schemas: string[] = [];
    const ids: string[] = [];
    let source: Awaited<ReturnType<typeof snapshot>>;

    before(async () => {
      // The receiver is down: webhook events stay pending and must travel too.
      const herald = await startTestHerald({
        dataDir: join(dir, 'source'),
        apps: [
          {
            sdkappid: 1400000000,
            secretKey: '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e',
            admins: ['administrator'],
            webhook: { url: 'http://127.0.0.1:9/hook' },
          },
        ],
        webhookRetryMs: 3_600_000,
      });
      try {
        const a = herald.admin;
        await importAccounts(
          a,
          Array.from({ length: 250 }, (_, i) => `u${i}`),
        );
        for (const name of ['alpha', 'beta', 'gamma']) {
          ids.push(
            assertOk(
              await a.official('create_official_account', {
                Owner_Account: 'u1',
                Name: name,
                CustomString: `${name} ✓ 公众号`,
              }),
            ).OfficialAccountUserID as string,
          );
        }
        for (const [k, id] of ids.entries()) {
          for (let i = 0; i < 250; i += 100) {
            assertOk(
              await a.official('add_subscriber', {
                Official_Account: id,
                SubscriberList: Array.from({ length: Math.min(100, 250 - i) - k * 20 }, (_, j) => ({
                  Subscriber_Account: `u${i + j}`,
                })),
              }),
            );
          }
          for (let m = 0; m < 7; m++) {
            const sent = assertOk(
              await a.official('send_official_account_msg', {
                Official_Account: id,
                Random: m,
                MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `${id} #${m} 🚀` } }],
                CloudCustomData: `c${m}`,
              }),
            );
            if (m === 3)
              assertOk(
                await a.official('official_account_msg_recall', { Official_Account: id, MsgKeyList: [sent.MsgKey] }),
              );
          }
        }
        assertOk(
          await a.official('modify_subscriber_info', {
            Official_Account: ids[0],
            Subscriber_Account: 'u5',
            CustomString: 'vip',
          }),
        );
        source = await snapshot(a, ids);
      } finally {
        await herald.close();
      }
    });

    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      for (const schema of schemas) await dropTestSchema(schema);
    });

    async function storeOptions(kind: 'sqlite' | 'postgres', name: string) {
      if (kind === 'sqlite') return { dataDir: join(dir, name) };
      const schema = await createTestSchema(join(dir, name));
      schemas.push(schema);
      return { dataDir: null, databaseUrl: postgresUrlFor(schema) };
    }

    it('moves every row to the other store and back, with the same answers and verified counts', async () => {
      const sourceStore = await openStore(await storeOptions(currentStore(), 'source'));
      const file = join(dir, 'export.ndjson.gz');
      const exported = await exportStore(sourceStore, file);
      await sourceStore.close();
      assert.equal(exported.apps, 1);
      assert.equal(exported.accounts, 251); // 250 users + the admin
      assert.equal(exported.official_accounts, 3);
      assert.equal(exported.subscriptions, 250 + 190 + 130);
      assert.equal(exported.messages, 21);
      assert.ok(exported.webhook_outbox > 0, 'pending webhook events are exported');

      // To the other kind of store (PostgreSQL ↔ SQLite) when both are available.
      const middleKind = havePostgres ? (currentStore() === 'sqlite' ? 'postgres' : 'sqlite') : 'sqlite';
      const middle = await openStore(await storeOptions(middleKind, 'middle'));
      assert.deepEqual(await importStore(middle, file), exported);
      const backFile = join(dir, 'back.ndjson');
      assert.deepEqual(await exportStore(middle, backFile), exported);
      await assert.rejects(importStore(middle, backFile), /not empty/, 'a store that holds data is refused');
      await middle.close();

      // And back into a fresh store of the first kind, through the CLI this time.
      const back = await storeOptions(currentStore(), 'back');
      const env = {
        ...process.env,
        ...(back.databaseUrl ? { HERALD_DATABASE_URL: back.databaseUrl } : { HERALD_DATA: back.dataDir as string }),
      };
      const { stdout } = await run(process.execPath, heraldArgs(['import', backFile]), { env });
      assert.match(stdout, /counts verified/);

      const herald = await startTestHerald({ dataDir: join(dir, 'back'), webhookRetryMs: 3_600_000 });
      try {
        assert.deepEqual(await snapshot(herald.admin, ids), source);
        // The imported database keeps working: new rows get fresh keys and Seqs.
        const sent = assertOk(
          await herald.admin.official('send_official_account_msg', {
            Official_Account: ids[0],
            Random: 99,
            MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'after import' } }],
          }),
        );
        assert.match(sent.MsgKey as string, /^8_1_/);
      } finally {
        await herald.close();
      }
      // The app's official-account count travels too: with the cap lowered to 4, one more create
      // fits beside the 3 imported accounts and the next answers 130010.
      const capped = await startTestHerald({
        dataDir: join(dir, 'back'),
        webhookRetryMs: 3_600_000,
        apps: [
          {
            sdkappid: 1400000000,
            secretKey: '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e',
            admins: ['administrator'],
            maxOfficialAccounts: 4,
          },
        ],
      });
      try {
        assertOk(await capped.admin.official('create_official_account', { Owner_Account: 'u1', Name: 'fourth' }));
        const full = await capped.admin.official('create_official_account', { Owner_Account: 'u1', Name: 'fifth' });
        assert.equal(full.ErrorCode, 130010, JSON.stringify(full));
        assert.equal(await countOfficialAccounts(capped.store, 1400000000), 4);
      } finally {
        await capped.close();
      }
    });

    it('on a terminal, export and import show progress (rows, rows/s, ETA); piped, only the summary', {
      skip: currentStore() === 'postgres' ? 'the source of this suite is SQLite only on the SQLite run' : false,
    }, async () => {
      const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
      const onTerminal = async (args: string[], env: NodeJS.ProcessEnv) => {
        // `script` runs the command on a pseudo-terminal, as a user's shell would.
        const command = [process.execPath, ...heraldArgs(args)].map(quote).join(' ');
        return (await run('script', ['-qec', command, '/dev/null'], { env })).stdout;
      };
      const env = { ...process.env, HERALD_DATA: join(dir, 'source') };
      const shown = await onTerminal(['export', join(dir, 'tty.ndjson')], env);
      assert.match(shown, /exporting to .*tty\.ndjson: [\d,]+ rows, [\d,]+ rows\/s, \d+ %, ETA /);
      assert.match(shown, /exported apps=1 /);
      const piped = await run(process.execPath, heraldArgs(['export', join(dir, 'piped.ndjson')]), { env });
      assert.equal(piped.stderr, '');
      assert.match(piped.stdout, /^exported apps=1 /);

      const target = { ...process.env, HERALD_DATA: join(dir, 'tty-import') };
      const imported = await onTerminal(['import', join(dir, 'tty.ndjson')], target);
      assert.match(imported, /importing .*tty\.ndjson: [\d,]+ rows, [\d,]+ rows\/s, \d+ %, ETA /);
      assert.match(imported, /counts verified/);
    });

    it('refuses a file that is not a complete Herald export', async () => {
      const target = await openStore(await storeOptions(currentStore(), 'refuse'));
      try {
        const notExport = join(dir, 'not.ndjson');
        writeFileSync(notExport, '{"hello":1}\n');
        await assert.rejects(importStore(target, notExport), /not a Herald export/);
        const truncated = join(dir, 'truncated.ndjson');
        writeFileSync(
          truncated,
          '{"format":"herald-export","version":1}\n{"t":"apps","r":{"sdkappid":1,"secret_key":"k","admins":"[]","official_account_enabled":1,"max_official_accounts":1,"rate_limits":"{}","created_at":0,"send_per_second":1,"send_per_hour":2,"webhook_url":null,"webhook_token":null,"webhook_off":"[]","webhook_before_failure":"allow"}}\n',
        );
        await assert.rejects(importStore(target, truncated), /ends early/);
        assert.equal(await target.transfer.countRows('apps'), 0, 'a failed import leaves the store empty');
      } finally {
        await target.close();
      }
    });
  });
}
