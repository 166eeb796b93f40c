/**
 * herald_admin's browsing commands over REST: list_accounts and list_official_accounts (search,
 * cursor pages, wildcards matching only themselves, one app never sees another's rows) and
 * get_app_overview (counts, the webhook outbox, users online on the subscriber channel).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertFail, assertOk } from './helpers/assertions.ts';
import { Device, until } from './helpers/devices.ts';
import {
  ADMIN,
  Client,
  type Envelope,
  importAccounts,
  SDKAPPID,
  SECRET_KEY,
  startTestHerald,
  stores,
  type TestHerald,
} from './helpers/harness.ts';

const OTHER_APP = 1400000099;
const OTHER_KEY = 'b'.repeat(64);

interface AccountRow {
  UserID: string;
  Nick: string;
}
interface OfficialAccountRow {
  Official_Account: string;
  Name: string;
  SubscriberNum: number;
}

for (const store of stores()) {
  describe(`herald_admin browsing [${store}]`, () => {
    let herald: TestHerald;
    let other: Client;
    const admin = (command: string, body: unknown = {}) => herald.admin.call('herald_admin', command, body);

    /** Every page of a listing, following Next; answers the pages' rows in order. */
    const allPages = async <T>(command: string, field: string, body: Record<string, unknown>) => {
      const pages: T[][] = [];
      let next = '';
      do {
        const res = assertOk(await admin(command, { ...body, ...(next !== '' && { Next: next }) }));
        pages.push(res[field] as T[]);
        next = res.Next as string;
      } while (next !== '' && pages.length < 100);
      return pages;
    };

    before(async () => {
      herald = await startTestHerald({
        apps: [
          { sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN] },
          { sdkappid: OTHER_APP, secretKey: OTHER_KEY, admins: [ADMIN] },
        ],
      });
      other = new Client(herald.url, { sdkappid: OTHER_APP, key: OTHER_KEY });
      assertOk(
        await herald.admin.account('multiaccount_import', {
          AccountList: [
            { UserID: 'ann', Nick: 'Annie' },
            { UserID: 'Bea', Nick: 'Beatrice' },
            { UserID: 'cat_1', Nick: 'Cat' },
            { UserID: 'cat%2', Nick: 'Cat Two' },
            { UserID: 'dan', Nick: 'ANNA' },
          ],
        }),
      );
      await importAccounts(other, ['ann_elsewhere']);
      for (const [id, name] of [
        ['@TOA#_alpha', 'Alpha News'],
        ['@TOA#_beta', 'Beta'],
        ['@TOA#_gamma', 'news of Gamma'],
      ] as const) {
        assertOk(
          await herald.admin.official('create_official_account', {
            Owner_Account: ADMIN,
            OfficialAccountUserID: id,
            Name: name,
          }),
        );
      }
      assertOk(
        await other.official('create_official_account', {
          Owner_Account: ADMIN,
          OfficialAccountUserID: '@TOA#_alpha2',
          Name: 'Alpha elsewhere',
        }),
      );
    });
    after(() => herald?.close());

    it('list_accounts pages through every account of the app once, never another app’s', async () => {
      const pages = await allPages<AccountRow>('list_accounts', 'Accounts', { Limit: 2 });
      const ids = pages.flat().map((a) => a.UserID);
      // The order is the database's (byte order on SQLite, the collation on PostgreSQL); the
      // cursor follows it, so every account comes exactly once.
      assert.equal(new Set(ids).size, ids.length, 'no account twice');
      assert.deepEqual([...ids].sort(), ['Bea', 'administrator', 'ann', 'cat%2', 'cat_1', 'dan'].sort());
      assert.deepEqual(
        pages.map((p) => p.length),
        [2, 2, 2],
        'the last full page says there is no next one',
      );
      const one = assertOk(await admin('list_accounts', { Search: 'beatrice' }));
      const [bea] = one.Accounts as (AccountRow & { FaceUrl: string; CreateTime: number })[];
      assert.deepEqual({ ...bea, CreateTime: 0 }, { UserID: 'Bea', Nick: 'Beatrice', FaceUrl: '', CreateTime: 0 });
      assert.ok(Math.abs((bea?.CreateTime ?? 0) - Date.now() / 1000) < 60, 'CreateTime is Unix seconds of the import');
      assert.equal(one.Next, '');
    });

    it('Search matches part of the UserID or Nick ignoring case; % and _ match only themselves', async () => {
      const found = async (search: string) =>
        (assertOk(await admin('list_accounts', { Search: search })).Accounts as AccountRow[]).map((a) => a.UserID);
      assert.deepEqual(await found('ANN'), ['ann', 'dan']);
      assert.deepEqual(await found('%'), ['cat%2']);
      assert.deepEqual(await found('_'), ['cat_1']);
      assert.deepEqual(await found('zzz'), []);
      assert.deepEqual(await found('elsewhere'), [], 'another app’s account is not found');
    });

    it('list_official_accounts searches IDs and names, pages by ID, with counts', async () => {
      assertOk(
        await herald.admin.official('add_subscriber', {
          Official_Account: '@TOA#_beta',
          SubscriberList: [{ Subscriber_Account: 'ann' }, { Subscriber_Account: 'dan' }],
        }),
      );
      const pages = await allPages<OfficialAccountRow>('list_official_accounts', 'OfficialAccounts', { Limit: 2 });
      assert.deepEqual(
        pages.map((p) => p.map((a) => a.Official_Account)),
        [['@TOA#_alpha', '@TOA#_beta'], ['@TOA#_gamma']],
      );
      const beta = pages.flat().find((a) => a.Official_Account === '@TOA#_beta');
      assert.equal(beta?.SubscriberNum, 2);
      const news = assertOk(await admin('list_official_accounts', { Search: 'NEWS' }));
      assert.deepEqual(
        (news.OfficialAccounts as OfficialAccountRow[]).map((a) => a.Name),
        ['Alpha News', 'news of Gamma'],
      );
      const byId = assertOk(await admin('list_official_accounts', { Search: '_BET' }));
      assert.deepEqual(
        (byId.OfficialAccounts as OfficialAccountRow[]).map((a) => a.Official_Account),
        ['@TOA#_beta'],
      );
    });

    it('bad paging or search fields answer 6017 (invalid parameter)', async () => {
      for (const body of [{ Limit: 0 }, { Limit: 201 }, { Limit: '5' }, { Search: 7 }, { Search: 'x'.repeat(129) }]) {
        const res: Envelope = await admin('list_accounts', body);
        assertFail(res, 6017, { context: JSON.stringify(body) });
      }
      const limit = await admin('list_official_accounts', { Limit: 201 });
      assert.match(limit.ErrorInfo, /Limit must be between 1 and 200/);
    });

    it('get_app_overview counts the app’s data, its outbox and who is online', async () => {
      const before = assertOk(await admin('get_app_overview'));
      assert.deepEqual(
        { ...before, Webhooks: undefined },
        {
          ActionStatus: 'OK',
          ErrorCode: 0,
          ErrorInfo: '',
          SDKAppID: SDKAPPID,
          Accounts: 6,
          OfficialAccounts: 3,
          Subscriptions: 2,
          Messages: 0,
          OnlineUsers: 0,
          Webhooks: undefined,
        },
      );
      assert.deepEqual(before.Webhooks, { Pending: 0, Delivered: 0, Cancelled: 0 }, 'no webhook is configured');
      assertOk(
        await herald.admin.official('send_official_account_msg', {
          Official_Account: '@TOA#_beta',
          Random: 1,
          MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } }],
        }),
      );
      const device = await Device.login(herald.url, 'ann');
      try {
        await until('ann counts as online', async () => {
          const now = assertOk(await admin('get_app_overview'));
          return now.OnlineUsers === 1 && now.Messages === 1;
        });
      } finally {
        await device.close();
      }
      await until(
        'ann counts as offline again',
        async () => assertOk(await admin('get_app_overview')).OnlineUsers === 0,
      );
      const elsewhere = assertOk(await other.call('herald_admin', 'get_app_overview'));
      assert.equal(elsewhere.Accounts, 2);
      assert.equal(elsewhere.OfficialAccounts, 1);
    });
  });
}
