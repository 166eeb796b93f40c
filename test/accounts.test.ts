/**
 * im_open_login_svc over real HTTP (platform.md §4): account_import, multiaccount_import,
 * account_delete, account_check, and the admin requirement (70403).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import {
  ADMIN,
  Client,
  SDKAPPID,
  SECRET_KEY,
  importAccounts,
  startTestHerald,
  stores,
  type StoreKind,
  type TestHerald,
} from './helpers/harness.ts';
import { assertFail, assertOk, exactBytes } from './helpers/assertions.ts';

const CJK = '中'; // 3 bytes in UTF-8
const EMOJI = '😀'; // 4 bytes in UTF-8

interface CheckItem {
  UserID: string;
  ResultCode: number;
  ResultInfo: string;
  AccountStatus: string;
}

interface DeleteItem {
  UserID: string;
  ResultCode: number;
  ResultInfo: string;
}

async function statuses(client: Client, userIds: string[]): Promise<Record<string, string>> {
  const res = await client.account('account_check', { CheckItem: userIds.map((UserID) => ({ UserID })) });
  assert.equal(res.ErrorCode, 0, res.ErrorInfo);
  const out: Record<string, string> = {};
  for (const item of res.ResultItem as CheckItem[]) out[item.UserID] = item.AccountStatus;
  return out;
}

async function status(client: Client, userId: string): Promise<string | undefined> {
  return (await statuses(client, [userId]))[userId];
}

/**
 * No REST command of Herald reads an account's profile back, so the stored Nick/FaceUrl are
 * read from the SQLite file (read-only, a separate connection). Other stores: not available.
 */
function storedProfile(
  store: StoreKind,
  herald: TestHerald,
  userId: string,
): { nick: string; face_url: string } | undefined {
  if (store !== 'sqlite') return undefined;
  const db = new Database(join(herald.dataDir, 'herald.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT nick, face_url FROM accounts WHERE user_id = ?').get(userId) as
      | { nick: string; face_url: string }
      | undefined;
    assert.ok(row, `no stored account row for ${userId}`);
    return row;
  } finally {
    db.close();
  }
}

for (const store of stores()) {
  describe(`accounts [${store}]`, () => {
    let herald: TestHerald;
    let admin: Client;
    before(async () => {
      herald = await startTestHerald();
      admin = herald.admin;
    });
    after(() => herald.close());

    describe('account_import', () => {
      it('imports with UserID and stores Nick and FaceUrl', async () => {
        assert.equal(await status(admin, 'imp_user1'), 'NotImported');
        const res = await admin.account('account_import', {
          UserID: 'imp_user1',
          Nick: 'Alice 中文 😀',
          FaceUrl: 'http://x.example/a.png',
        });
        assertOk(res);
        assert.equal(await status(admin, 'imp_user1'), 'Imported');
        const profile = storedProfile(store, herald, 'imp_user1');
        if (profile !== undefined) {
          assert.equal(profile.nick, 'Alice 中文 😀');
          assert.equal(profile.face_url, 'http://x.example/a.png');
        }
      });

      it('accepts the legacy Identifier alias', async () => {
        const res = await admin.account('account_import', { Identifier: 'imp_legacy', Nick: 'Legacy', Type: 0 });
        assertOk(res);
        assert.equal(await status(admin, 'imp_legacy'), 'Imported');
        const profile = storedProfile(store, herald, 'imp_legacy');
        if (profile !== undefined) assert.equal(profile.nick, 'Legacy');
      });

      it('re-import is idempotent and updates only the given profile fields', async () => {
        assertOk(await admin.account('account_import', { UserID: 'imp_again', Nick: 'First', FaceUrl: 'http://f/1' }));
        assertOk(await admin.account('account_import', { UserID: 'imp_again' }));
        assert.equal(await status(admin, 'imp_again'), 'Imported');
        let profile = storedProfile(store, herald, 'imp_again');
        if (profile !== undefined) assert.deepEqual({ ...profile }, { nick: 'First', face_url: 'http://f/1' });
        assertOk(await admin.account('account_import', { UserID: 'imp_again', Nick: 'Second' }));
        assert.equal(await status(admin, 'imp_again'), 'Imported');
        profile = storedProfile(store, herald, 'imp_again');
        if (profile !== undefined) assert.deepEqual({ ...profile }, { nick: 'Second', face_url: 'http://f/1' });
      });

      it('re-importing an admin is fine', async () => {
        assertOk(await admin.account('account_import', { UserID: ADMIN }));
        assert.equal(await status(admin, ADMIN), 'Imported');
      });

      it('missing UserID → 70402', async () => {
        assertFail(await admin.account('account_import', {}), 70402);
        assertFail(await admin.account('account_import', { Nick: 'nobody' }), 70402);
      });

      it('non-string UserID → 70402', async () => {
        for (const UserID of [123, null, true, ['a'], { id: 'a' }]) {
          assertFail(await admin.account('account_import', { UserID }), 70402);
        }
        assertFail(await admin.account('account_import', { Identifier: 42 }), 70402);
      });

      it('UserID of exactly 32 bytes is accepted, 33 bytes → 70402', async () => {
        const id32 = 'u'.repeat(32);
        const id33 = 'v'.repeat(33);
        assertOk(await admin.account('account_import', { UserID: id32 }));
        assertFail(await admin.account('account_import', { UserID: id33 }), 70402);
        assert.deepEqual(await statuses(admin, [id32, id33]), { [id32]: 'Imported', [id33]: 'NotImported' });
      });

      it('empty UserID → 70402', async () => {
        assertFail(await admin.account('account_import', { UserID: '' }), 70402);
        assertFail(await admin.account('account_import', { Identifier: '' }), 70402);
      });

      it('non-printable or non-ASCII UserID → 70402 and nothing imported', async () => {
        const bad = ['用户', 'user😀', 'a\tb', 'line\nbreak', 'nul\u0000', 'del\u007f', 'é', CJK];
        for (const UserID of bad) {
          assertFail(await admin.account('account_import', { UserID }), 70402);
        }
        // NUL cannot even be asked about (both stores must keep strings as sent): refused whole.
        const storable = bad.filter((id) => !id.includes('\u0000'));
        const seen = await statuses(admin, storable);
        for (const id of storable) assert.equal(seen[id], 'NotImported', JSON.stringify(id));
        assertFail(await admin.account('account_check', { CheckItem: [{ UserID: 'nul\u0000' }] }), 70402);
      });

      it('printable ASCII edges (space, ~, punctuation) are accepted', async () => {
        for (const UserID of ['a b', '~edge~', '!#$%&()*+,-./:;<=>?@[]^_`{|}']) {
          assertOk(await admin.account('account_import', { UserID }));
          assert.equal(await status(admin, UserID), 'Imported');
        }
      });

      for (const [label, unit] of [
        ['ASCII', 'a'],
        ['CJK', CJK],
        ['emoji', EMOJI],
      ] as const) {
        it(`Nick of 500 bytes (${label}) is accepted, 501 bytes → 40601`, async () => {
          const id = `nick_${label}`;
          const at = exactBytes(500, unit);
          assertOk(await admin.account('account_import', { UserID: id, Nick: at }));
          const profile = storedProfile(store, herald, id);
          if (profile !== undefined) assert.equal(profile.nick, at);

          const overId = `nick_over_${label}`;
          // One byte over, and one character (of this kind) that makes it over.
          const overByByte = `${at}a`;
          const overByChar = unit.repeat(Math.ceil(501 / Buffer.byteLength(unit)));
          assert.equal(Buffer.byteLength(overByByte), 501);
          assert.ok(Buffer.byteLength(overByChar) > 500, 'Buffer.byteLength(overByChar) > 500');
          assertFail(await admin.account('account_import', { UserID: overId, Nick: overByByte }), 40601);
          assertFail(await admin.account('account_import', { UserID: overId, Nick: overByChar }), 40601);
          assert.equal(await status(admin, overId), 'NotImported');
          // A refused re-import leaves the stored Nick alone.
          assertFail(await admin.account('account_import', { UserID: id, Nick: overByByte }), 40601);
          const after = storedProfile(store, herald, id);
          if (after !== undefined) assert.equal(after.nick, at);
        });
      }

      it('FaceUrl over 500 bytes → 40601', async () => {
        assertOk(await admin.account('account_import', { UserID: 'face_ok', FaceUrl: exactBytes(500, CJK) }));
        assertFail(
          await admin.account('account_import', { UserID: 'face_over', FaceUrl: exactBytes(501, EMOJI) }),
          40601,
        );
        assert.deepEqual(await statuses(admin, ['face_ok', 'face_over']), {
          face_ok: 'Imported',
          face_over: 'NotImported',
        });
      });
    });

    describe('multiaccount_import', () => {
      it('imports an AccountList and answers FailAccounts: []', async () => {
        const res = await admin.account('multiaccount_import', {
          AccountList: [{ UserID: 'm_a', Nick: 'A' }, { UserID: 'm_b', FaceUrl: 'http://b' }, { UserID: 'm_c' }],
        });
        assertOk(res);
        assert.deepEqual(res.FailAccounts, []);
        assert.deepEqual(await statuses(admin, ['m_a', 'm_b', 'm_c']), {
          m_a: 'Imported',
          m_b: 'Imported',
          m_c: 'Imported',
        });
        const a = storedProfile(store, herald, 'm_a');
        if (a !== undefined) assert.equal(a.nick, 'A');
        const b = storedProfile(store, herald, 'm_b');
        if (b !== undefined) assert.equal(b.face_url, 'http://b');
      });

      it('accepts the legacy Accounts form (plain strings)', async () => {
        const res = await admin.account('multiaccount_import', { Accounts: ['m_legacy1', 'm_legacy2'] });
        assertOk(res);
        assert.deepEqual(res.FailAccounts, []);
        assert.deepEqual(await statuses(admin, ['m_legacy1', 'm_legacy2']), {
          m_legacy1: 'Imported',
          m_legacy2: 'Imported',
        });
      });

      it('re-importing existing accounts (and duplicates in one batch) is fine', async () => {
        const res = await admin.account('multiaccount_import', {
          AccountList: [{ UserID: 'm_a' }, { UserID: 'm_dup' }, { UserID: 'm_dup' }, { UserID: ADMIN }],
        });
        assertOk(res);
        assert.deepEqual(res.FailAccounts, []);
        assert.deepEqual(await statuses(admin, ['m_a', 'm_dup']), { m_a: 'Imported', m_dup: 'Imported' });
        const a = storedProfile(store, herald, 'm_a');
        if (a !== undefined) assert.equal(a.nick, 'A', 'a re-import without Nick keeps the stored Nick');
      });

      it('lists invalid UserIDs in FailAccounts and imports the valid ones', async () => {
        const bad = ['', 'x'.repeat(33), '名字', 'tab\there', 'smile😀'];
        const good = ['m_good1', 'y'.repeat(32), 'm_good2'];
        const res = await admin.account('multiaccount_import', {
          AccountList: [
            { UserID: good[0] },
            ...bad.map((UserID) => ({ UserID })),
            { UserID: good[1] },
            { UserID: good[2] },
          ],
        });
        assertOk(res);
        assert.deepEqual([...(res.FailAccounts as string[])].sort(), [...bad].sort());
        const seen = await statuses(admin, [...good, ...bad.filter((id) => id !== '')]);
        for (const id of good) assert.equal(seen[id], 'Imported', id);
        for (const id of bad.filter((id) => id !== '')) assert.equal(seen[id], 'NotImported', id);
      });

      it('lists invalid entries of the legacy form in FailAccounts', async () => {
        const res = await admin.account('multiaccount_import', { Accounts: ['m_legacy_ok', 'z'.repeat(33)] });
        assertOk(res);
        assert.deepEqual(res.FailAccounts, ['z'.repeat(33)]);
        assert.equal(await status(admin, 'm_legacy_ok'), 'Imported');
      });

      it('an entry whose Nick is over 500 bytes is listed in FailAccounts, the others imported', async () => {
        const res = await admin.account('multiaccount_import', {
          AccountList: [
            { UserID: 'm_nick_ok', Nick: exactBytes(500, EMOJI) },
            { UserID: 'm_nick_long', Nick: exactBytes(501, CJK) },
          ],
        });
        assertOk(res);
        assert.deepEqual(res.FailAccounts, ['m_nick_long']);
        assert.deepEqual(await statuses(admin, ['m_nick_ok', 'm_nick_long']), {
          m_nick_ok: 'Imported',
          m_nick_long: 'NotImported',
        });
      });

      it('100 entries are accepted', async () => {
        const ids = Array.from({ length: 100 }, (_, i) => `m100_${i}`);
        const res = await admin.account('multiaccount_import', { AccountList: ids.map((UserID) => ({ UserID })) });
        assertOk(res);
        assert.deepEqual(res.FailAccounts, []);
        const seen = await statuses(admin, ids);
        assert.equal(Object.values(seen).filter((s) => s === 'Imported').length, 100);
      });

      it('101 entries → 70402 and nothing imported (both forms)', async () => {
        const ids = Array.from({ length: 101 }, (_, i) => `m101_${i}`);
        assertFail(
          await admin.account('multiaccount_import', { AccountList: ids.map((UserID) => ({ UserID })) }),
          70402,
        );
        assertFail(await admin.account('multiaccount_import', { Accounts: ids }), 70402);
        const first = await statuses(admin, ids.slice(0, 100));
        const last = await statuses(admin, ids.slice(100));
        for (const id of ids) assert.equal(first[id] ?? last[id], 'NotImported', id);
      });

      it('an empty list → 70402', async () => {
        assertFail(await admin.account('multiaccount_import', { AccountList: [] }), 70402);
        assertFail(await admin.account('multiaccount_import', { Accounts: [] }), 70402);
      });

      it('neither AccountList nor Accounts → 70402', async () => {
        assertFail(await admin.account('multiaccount_import', {}), 70402);
        assertFail(await admin.account('multiaccount_import', { UserID: 'm_single' }), 70402);
        assert.equal(await status(admin, 'm_single'), 'NotImported');
      });

      it('wrongly typed lists → 70402', async () => {
        assertFail(await admin.account('multiaccount_import', { AccountList: 'm_x' }), 70402);
        assertFail(await admin.account('multiaccount_import', { AccountList: [{ Nick: 'no id' }] }), 70402);
        assertFail(await admin.account('multiaccount_import', { AccountList: [{ UserID: 7 }] }), 70402);
        assertFail(await admin.account('multiaccount_import', { Accounts: [7] }), 70402);
      });
    });

    describe('account_delete', () => {
      it('deletes imported accounts and answers 70107 for never-imported ones', async () => {
        await importAccounts(admin, ['del_a', 'del_b']);
        const res = await admin.account('account_delete', {
          DeleteItem: [{ UserID: 'del_a' }, { UserID: 'del_never' }, { UserID: 'del_b' }],
        });
        assertOk(res);
        const items = res.ResultItem as DeleteItem[];
        assert.equal(items.length, 3);
        const byId = new Map(items.map((item) => [item.UserID, item]));
        assert.equal(byId.get('del_a')?.ResultCode, 0);
        assert.equal(byId.get('del_b')?.ResultCode, 0);
        assert.equal(typeof byId.get('del_a')?.ResultInfo, 'string');
        assert.equal(byId.get('del_never')?.ResultCode, 70107);
        assert.equal(byId.get('del_never')?.ResultInfo, 'Err_TLS_PT_Open_Login_Account_Not_Exist');
        assert.deepEqual(await statuses(admin, ['del_a', 'del_b', 'del_never']), {
          del_a: 'NotImported',
          del_b: 'NotImported',
          del_never: 'NotImported',
        });
      });

      it('deleting an already deleted account answers 70107', async () => {
        await importAccounts(admin, ['del_twice']);
        const first = await admin.account('account_delete', { DeleteItem: [{ UserID: 'del_twice' }] });
        assertOk(first);
        assert.equal((first.ResultItem as DeleteItem[])[0]?.ResultCode, 0);
        const second = await admin.account('account_delete', { DeleteItem: [{ UserID: 'del_twice' }] });
        assertOk(second);
        assert.equal((second.ResultItem as DeleteItem[])[0]?.ResultCode, 70107);
      });

      it('a deleted account can be imported again', async () => {
        await importAccounts(admin, ['del_back']);
        assertOk(await admin.account('account_delete', { DeleteItem: [{ UserID: 'del_back' }] }));
        assert.equal(await status(admin, 'del_back'), 'NotImported');
        assertOk(await admin.account('account_import', { UserID: 'del_back' }));
        assert.equal(await status(admin, 'del_back'), 'Imported');
      });

      it('an app admin cannot be deleted: per-item 71000 and it stays', async () => {
        await importAccounts(admin, ['del_with_admin']);
        const res = await admin.account('account_delete', {
          DeleteItem: [{ UserID: ADMIN }, { UserID: 'del_with_admin' }],
        });
        assertOk(res);
        const byId = new Map((res.ResultItem as DeleteItem[]).map((item) => [item.UserID, item]));
        assert.equal(byId.get(ADMIN)?.ResultCode, 71000);
        assert.equal(typeof byId.get(ADMIN)?.ResultInfo, 'string');
        assert.notEqual(byId.get(ADMIN)?.ResultInfo, '');
        assert.equal(byId.get('del_with_admin')?.ResultCode, 0);
        assert.deepEqual(await statuses(admin, [ADMIN, 'del_with_admin']), {
          [ADMIN]: 'Imported',
          del_with_admin: 'NotImported',
        });
        // The admin still works as the caller.
        assertOk(await admin.account('account_check', { CheckItem: [{ UserID: ADMIN }] }));
      });

      it('100 items are accepted, more than 100 → 70402 and nothing deleted', async () => {
        const ids = Array.from({ length: 101 }, (_, i) => `del101_${i}`);
        await importAccounts(admin, ids);
        assertFail(await admin.account('account_delete', { DeleteItem: ids.map((UserID) => ({ UserID })) }), 70402);
        const seen = { ...(await statuses(admin, ids.slice(0, 100))), ...(await statuses(admin, ids.slice(100))) };
        for (const id of ids) assert.equal(seen[id], 'Imported', id);
        const res = await admin.account('account_delete', {
          DeleteItem: ids.slice(0, 100).map((UserID) => ({ UserID })),
        });
        assertOk(res);
        assert.equal((res.ResultItem as DeleteItem[]).length, 100);
        assert.ok(
          (res.ResultItem as DeleteItem[]).every((item) => item.ResultCode === 0),
          '(res.ResultItem as DeleteItem[]).every((item) => item.ResultCode ==...',
        );
      });

      it('missing, empty or malformed DeleteItem → 70402', async () => {
        assertFail(await admin.account('account_delete', {}), 70402);
        assertFail(await admin.account('account_delete', { DeleteItem: [] }), 70402);
        assertFail(await admin.account('account_delete', { DeleteItem: ['del_a'] }), 70402);
        assertFail(await admin.account('account_delete', { DeleteItem: [{ UserID: 5 }] }), 70402);
      });
    });

    describe('account_check', () => {
      it('answers ResultItem with UserID, ResultCode 0, ResultInfo and AccountStatus', async () => {
        await importAccounts(admin, ['chk_yes']);
        const res = await admin.account('account_check', { CheckItem: [{ UserID: 'chk_yes' }, { UserID: 'chk_no' }] });
        assertOk(res);
        const items = res.ResultItem as CheckItem[];
        assert.equal(items.length, 2);
        const byId = new Map(items.map((item) => [item.UserID, item]));
        for (const [id, expected] of [
          ['chk_yes', 'Imported'],
          ['chk_no', 'NotImported'],
        ] as const) {
          const item = byId.get(id);
          assert.ok(item, id);
          assert.equal(item.ResultCode, 0);
          assert.equal(typeof item.ResultInfo, 'string');
          assert.equal(item.AccountStatus, expected);
        }
      });

      it('admins are Imported from the start', async () => {
        const fresh = await startTestHerald({
          apps: [{ sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN, 'ops_admin'] }],
        });
        try {
          assert.deepEqual(await statuses(fresh.admin, [ADMIN, 'ops_admin', 'someone']), {
            [ADMIN]: 'Imported',
            ops_admin: 'Imported',
            someone: 'NotImported',
          });
        } finally {
          await fresh.close();
        }
      });

      it('100 items are accepted, more than 100 → 70402', async () => {
        const ids = Array.from({ length: 101 }, (_, i) => `chk101_${i}`);
        const res = await admin.account('account_check', {
          CheckItem: ids.slice(0, 100).map((UserID) => ({ UserID })),
        });
        assertOk(res);
        assert.equal((res.ResultItem as CheckItem[]).length, 100);
        assertFail(await admin.account('account_check', { CheckItem: ids.map((UserID) => ({ UserID })) }), 70402);
      });

      it('missing or empty CheckItem → 70402', async () => {
        assertFail(await admin.account('account_check', {}), 70402);
        assertFail(await admin.account('account_check', { CheckItem: [] }), 70402);
      });
    });

    describe('admin requirement', () => {
      it('a non-admin caller with a valid UserSig gets 70403 on every account API, and nothing changes', async () => {
        await importAccounts(admin, ['plain_user', 'victim']);
        const user = new Client(herald.url, { identifier: 'plain_user' });
        assertFail(await user.account('account_import', { UserID: 'by_plain' }), 70403);
        assertFail(await user.account('multiaccount_import', { AccountList: [{ UserID: 'by_plain' }] }), 70403);
        assertFail(await user.account('multiaccount_import', { Accounts: ['by_plain'] }), 70403);
        assertFail(await user.account('account_delete', { DeleteItem: [{ UserID: 'victim' }] }), 70403);
        assertFail(await user.account('account_check', { CheckItem: [{ UserID: 'victim' }] }), 70403);
        assert.deepEqual(await statuses(admin, ['by_plain', 'victim']), {
          by_plain: 'NotImported',
          victim: 'Imported',
        });
      });

      it('a caller who is not even imported also gets 70403', async () => {
        const stranger = new Client(herald.url, { identifier: 'stranger' });
        assertFail(await stranger.account('account_import', { UserID: 'stranger' }), 70403);
        assert.equal(await status(admin, 'stranger'), 'NotImported');
      });
    });
  });
}
