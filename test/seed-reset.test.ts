/**
 * Seeds and reset, for tests that use Herald: `startHerald({ seed })`, `herald serve --seed` and
 * HERALD_SEED create accounts, official accounts, subscribers and messages through the same rules
 * as REST; a bad seed stops the start naming the file and the field and writes nothing; a seed
 * applied again keeps what exists. herald_admin/reset empties one app's data and keeps the app.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HeraldChat } from '../src/client/index.ts';
import type { Seed } from '../src/seed/schema.ts';
import { assertFail, assertOk } from './helpers/assertions.ts';
import { countOfficialAccounts } from './helpers/store-checks.ts';
import { cliEnv, runCli, serveCli } from './helpers/cli.ts';
import { Device } from './helpers/devices.ts';
import {
  ADMIN,
  Client,
  currentStore,
  type Envelope,
  importAccounts,
  SDKAPPID,
  SECRET_KEY,
  startTestHerald,
  stores,
  type TestHerald,
} from './helpers/harness.ts';

const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];

const SEED: Seed = {
  accounts: ['u1', 'u2', { UserID: 'u3', Nick: 'Carol' }],
  officialAccounts: [
    {
      OfficialAccountUserID: '@TOA#_news',
      Owner_Account: 'u1',
      Name: 'News',
      Introduction: 'Daily news',
      Subscribers: ['u2', 'u3'],
      Messages: ['Welcome', { MsgBody: text('Second'), CloudCustomData: 'c' }],
    },
    { OfficialAccountUserID: '@TOA#_quiet', Owner_Account: ADMIN, Name: 'Quiet' },
  ],
};

async function accountStatus(admin: Client, userIds: string[]): Promise<Record<string, string>> {
  const res = assertOk(await admin.account('account_check', { CheckItem: userIds.map((UserID) => ({ UserID })) }));
  return Object.fromEntries(
    (res.ResultItem as { UserID: string; AccountStatus: string }[]).map((i) => [i.UserID, i.AccountStatus]),
  );
}

async function history(admin: Client, id: string): Promise<Envelope[]> {
  const res = assertOk(
    await admin.official('official_account_msg_get_simple', { Official_Account: id, ReqMsgNumber: 20 }),
  );
  return res.RspMsgList as Envelope[];
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'herald-seed-'));
}

for (const store of stores()) {
  describe(`seeds [${store}]`, () => {
    const opened: TestHerald[] = [];
    const start = async (options: Parameters<typeof startTestHerald>[0] = {}) => {
      const herald = await startTestHerald(options);
      opened.push(herald);
      return herald;
    };
    after(async () => {
      for (const herald of opened) await herald.close().catch(() => {});
    });

    it('a seed creates accounts, official accounts, subscribers and messages through the REST rules', async () => {
      const herald = await start({ seed: SEED });
      assert.deepEqual(await accountStatus(herald.admin, ['u1', 'u2', 'u3']), {
        u1: 'Imported',
        u2: 'Imported',
        u3: 'Imported',
      });
      const info = assertOk(
        await herald.admin.official('get_official_account_info', {
          OfficialAccountIdList: [{ Official_Account: '@TOA#_news' }, { Official_Account: '@TOA#_quiet' }],
        }),
      );
      const items = info.OfficialAccountInfoList as {
        Official_Account: string;
        ErrorCode: number;
        Owner_Account: string;
        SubscriberNum: number;
        Introduction: string;
      }[];
      assert.deepEqual(
        items.map((i) => [i.Official_Account, i.ErrorCode, i.Owner_Account, i.SubscriberNum]),
        [
          ['@TOA#_news', 0, 'u1', 2],
          ['@TOA#_quiet', 0, ADMIN, 0],
        ],
      );
      assert.equal(items[0]!.Introduction, 'Daily news');
      const messages = await history(herald.admin, '@TOA#_news');
      assert.deepEqual(
        messages.map((m) => [m.MsgBody, m.CloudCustomData ?? '']),
        [
          [text('Second'), 'c'],
          [text('Welcome'), ''],
        ],
      );
    });

    it('a seed applied again keeps what exists: no second copy of an account or a message', async () => {
      const herald = await start();
      const first = await herald.seed(SEED);
      assert.deepEqual(first.createdOfficialAccounts, ['@TOA#_news', '@TOA#_quiet']);
      assert.equal(first.messages, 2);
      const again = await herald.seed({
        ...SEED,
        officialAccounts: [{ ...SEED.officialAccounts![0]!, Subscribers: ['u2', 'u3', 'u1'] }],
      });
      assert.deepEqual(again.keptOfficialAccounts, ['@TOA#_news']);
      assert.equal(again.messages, 0);
      assert.equal(again.subscriptions, 1, 'only the new subscriber');
      assert.equal((await history(herald.admin, '@TOA#_news')).length, 2);
    });

    it('a bad seed stops the start naming the field, and writes nothing', async () => {
      const cases: [Seed | Record<string, unknown>, RegExp][] = [
        [{ acounts: ['u1'] }, /seed: acounts: Unexpected property/],
        [{ accounts: ['x'.repeat(33)] }, /seed: accounts\[0\]: /],
        [
          { accounts: ['u1'], officialAccounts: [{ OfficialAccountUserID: 'news', Owner_Account: 'u1', Name: 'N' }] },
          /seed: officialAccounts\[0\]\.OfficialAccountUserID: must start with @TOA#_/,
        ],
        [
          {
            accounts: ['u1'],
            officialAccounts: [{ OfficialAccountUserID: '@TOA#_x', Owner_Account: 'ghost', Name: 'N' }],
          },
          /seed: officialAccounts\[0\]\.Owner_Account: "ghost" is not an imported account/,
        ],
        [
          {
            accounts: ['u1'],
            officialAccounts: [
              { OfficialAccountUserID: '@TOA#_x', Owner_Account: 'u1', Name: 'N', Subscribers: ['u1', 'nobody'] },
            ],
          },
          /seed: officialAccounts\[0\]\.Subscribers\[1\]: "nobody" is not an imported account/,
        ],
        [
          {
            accounts: ['u1'],
            officialAccounts: [
              {
                OfficialAccountUserID: '@TOA#_x',
                Owner_Account: 'u1',
                Name: 'N',
                Messages: [{ MsgBody: [{ MsgType: 'TIMNoSuchElem', MsgContent: {} }] }],
              },
            ],
          },
          /seed: officialAccounts\[0\]\.Messages\[0\]: /,
        ],
        [
          { accounts: ['u1'], officialAccounts: [{ OfficialAccountUserID: '@TOA#_x', Owner_Account: 'u1', Name: '' }] },
          /seed: officialAccounts\[0\]\.Name: /,
        ],
        [{ sdkappid: 42 }, /seed: sdkappid 42 is not an app of this server/],
      ];
      for (const [seed, message] of cases) {
        const dataDir = tempDir();
        try {
          await assert.rejects(startTestHerald({ dataDir, seed: seed as Seed }), message);
          // Nothing was written: the same store, started without the seed, has none of it.
          const herald = await startTestHerald({ dataDir });
          try {
            assert.deepEqual(await accountStatus(herald.admin, ['u1']), { u1: 'NotImported' }, JSON.stringify(seed));
            assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 0);
          } finally {
            await herald.close();
          }
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      }
    });

    it('herald serve --seed and HERALD_SEED load a file; a bad one exits 2 with one line naming the file and the field', {
      skip: currentStore() === 'postgres' ? 'the CLI runs on SQLite here' : false,
    }, async () => {
      const dir = tempDir();
      try {
        const good = join(dir, 'seed.json');
        writeFileSync(good, JSON.stringify(SEED));
        const bad = join(dir, 'bad.json');
        writeFileSync(
          bad,
          JSON.stringify({
            accounts: ['u1'],
            officialAccounts: [{ OfficialAccountUserID: '@TOA#_x', Owner_Account: 'u9', Name: 'N' }],
          }),
        );
        const env = {
          ...cliEnv(),
          HERALD_SDKAPPID: String(SDKAPPID),
          HERALD_SECRET_KEY: SECRET_KEY,
          HERALD_PORT: '0',
        };
        for (const [args, extraEnv] of [
          [['serve', '--data', join(dir, 'a'), '--seed', bad], {}],
          [['serve', '--data', join(dir, 'b')], { HERALD_SEED: bad }],
        ] as const) {
          const failed = await runCli([...args], { ...env, ...extraEnv });
          assert.equal(failed.code, 2);
          assert.equal(
            failed.stderr,
            `herald: seed file ${bad}: officialAccounts[0].Owner_Account: "u9" is not an imported account (add it to "accounts")\n`,
          );
        }
        const missing = await runCli(['serve', '--data', join(dir, 'c'), '--seed', join(dir, 'none.json')], env);
        assert.equal(missing.code, 2);
        assert.match(
          missing.stderr,
          /^herald: seed file .*none\.json \(HERALD_SEED \/ --seed\) cannot be read: no such file\n$/,
        );
        // A good seed: the server comes up with it (checked over HTTP), then stops on SIGTERM.
        const served = await serveCli(['serve', '--data', join(dir, 'd'), '--seed', good], env);
        try {
          const admin = new Client(served.url);
          assert.equal((await history(admin, '@TOA#_news')).length, 2);
        } finally {
          served.child.kill('SIGTERM');
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe(`herald_admin/reset [${store}]`, () => {
    let herald: TestHerald | undefined;
    after(async () => {
      await herald?.close();
    });

    it("empties the app's data, keeps the app and its admins, ends its devices' sessions, and restarts send limits", async () => {
      const OTHER = SDKAPPID + 1;
      herald = await startTestHerald({
        sendPerHour: 1,
        apps: [
          { sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN] },
          { sdkappid: OTHER, secretKey: SECRET_KEY, admins: [ADMIN] },
        ],
        seed: SEED,
      });
      const other = new Client(herald.url, { sdkappid: OTHER });
      await herald.seed({ sdkappid: OTHER, ...SEED });
      assertOk(
        await herald.admin.official('send_official_account_msg', {
          Official_Account: '@TOA#_quiet',
          Random: 1,
          MsgBody: text('one'),
        }),
      );
      assertFail(
        await herald.admin.official('send_official_account_msg', {
          Official_Account: '@TOA#_quiet',
          Random: 2,
          MsgBody: text('two'),
        }),
        60007,
      );
      const device = await Device.login(herald.url, 'u2');
      try {
        const stranger = new Client(herald.url, { identifier: 'u1' });
        assertFail(await stranger.call('herald_admin', 'reset', {}), 60010);

        const res = assertOk(await herald.admin.call('herald_admin', 'reset', {}));
        assert.deepEqual([res.DeletedAccounts, res.DeletedOfficialAccounts, res.DeletedMessages], [3, 2, 3]);
        await device.until('KICKED_OUT', () => device.count(HeraldChat.EVENT.KICKED_OUT) === 1);
        assert.deepEqual(device.last(HeraldChat.EVENT.KICKED_OUT), { type: 'deleted' });
      } finally {
        await device.close();
      }
      assert.deepEqual(await accountStatus(herald.admin, ['u1', 'u2', ADMIN]), {
        u1: 'NotImported',
        u2: 'NotImported',
        [ADMIN]: 'Imported',
      });
      const gone = assertOk(
        await herald.admin.official('get_official_account_info', {
          OfficialAccountIdList: [{ Official_Account: '@TOA#_news' }],
        }),
      );
      assert.equal((gone.OfficialAccountInfoList as { ErrorCode: number }[])[0]!.ErrorCode, 130004);
      // The other app kept everything.
      assert.deepEqual(await accountStatus(other, ['u1']), { u1: 'Imported' });
      assert.equal((await history(other, '@TOA#_news')).length, 2);
      // The same IDs work again, send limits included.
      await importAccounts(herald.admin, ['u1']);
      assertOk(
        await herald.admin.official('create_official_account', {
          Owner_Account: 'u1',
          Name: 'Again',
          OfficialAccountUserID: '@TOA#_quiet',
        }),
      );
      assertOk(
        await herald.admin.official('send_official_account_msg', {
          Official_Account: '@TOA#_quiet',
          Random: 3,
          MsgBody: text('again'),
        }),
      );
      // In process too, and a reset of an empty app deletes nothing.
      const inProcess = await herald.reset();
      assert.deepEqual(inProcess, { accounts: 1, officialAccounts: 1, messages: 1, webhookEvents: 0 });
      assert.deepEqual(await herald.reset(), { accounts: 0, officialAccounts: 0, messages: 0, webhookEvents: 0 });
    });
  });
}
