/**
 * create_official_account and get_official_account_info over real HTTP
 * (official-accounts.md §2.1–2.5, §4.1, §4.4).
 */
import { BASE_FIELDS } from './helpers/spec-fields.ts';
import { countOfficialAccounts } from './helpers/store-checks.ts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN,
  Client,
  SDKAPPID,
  SECRET_KEY,
  importAccounts,
  startTestHerald,
  stores,
  type Envelope,
  type TestHerald,
} from './helpers/harness.ts';
import { assertFail as failWith, assertOk, exactBytes } from './helpers/assertions.ts';

const CJK = '中'; // 3 bytes
const EMOJI = '😀'; // 4 bytes

const ITEM_ENVELOPE = ['Official_Account', 'ErrorCode', 'ErrorInfo'];

const LIMITS = { Name: 150, Introduction: 400, FaceUrl: 500, Organization: 500, CustomString: 3000 } as const;

/** A failed create names no account. */
const assertFail = (res: Envelope, code: number) => failWith(res, code, { absent: ['OfficialAccountUserID'] });

const nowSeconds = () => Math.floor(Date.now() / 1000);

type Item = Record<string, unknown>;

async function info(client: Client, ids: string[], filter?: string[]): Promise<Item[]> {
  const body: Record<string, unknown> = {
    OfficialAccountIdList: ids.map((Official_Account) => ({ Official_Account })),
  };
  if (filter !== undefined) body.ResponseFilter = { OfficialAccountBaseInfoFilter: filter };
  const res = await client.official('get_official_account_info', body);
  assertOk(res);
  return res.OfficialAccountInfoList as Item[];
}

async function infoOne(client: Client, id: string, filter?: string[]): Promise<Item> {
  const [item] = await info(client, [id], filter);
  assert.ok(item, 'item');
  return item;
}

for (const store of stores()) {
  describe(`create_official_account and get_official_account_info [${store}]`, () => {
    let herald: TestHerald;
    let admin: Client;
    const count = () => countOfficialAccounts(herald.store, SDKAPPID);
    const create = (body: Record<string, unknown>) => admin.official('create_official_account', body);

    /** Asserts a create is refused with `code` and that no official account was added. */
    async function refused(body: Record<string, unknown>, code: number): Promise<Envelope> {
      const before = await count();
      const res = await create(body);
      assertFail(res, code);
      assert.equal(await count(), before, `a refused create (${code}) must not add an account`);
      return res;
    }

    before(async () => {
      herald = await startTestHerald();
      admin = herald.admin;
      await importAccounts(admin, ['owner1', 'owner2']);
    });
    after(() => herald.close());

    describe('generated IDs', () => {
      it('start with @TOA#_@TOA#, are printable ASCII ≤ 48 bytes and unique across 50 creates', async () => {
        const ids = new Set<string>();
        const before = await count();
        for (let i = 0; i < 50; i++) {
          const res = await create({ Owner_Account: 'owner1', Name: `gen ${i}` });
          assertOk(res);
          const id = res.OfficialAccountUserID;
          assert.equal(typeof id, 'string');
          assert.ok((id as string).startsWith('@TOA#_@TOA#'), String(id));
          assert.ok((id as string).length > '@TOA#_@TOA#'.length, String(id));
          assert.match(id as string, /^[\x20-\x7e]+$/);
          assert.ok(Buffer.byteLength(id as string) <= 48, 'Buffer.byteLength(id as string) <= 48');
          ids.add(id as string);
        }
        assert.equal(ids.size, 50);
        assert.equal(await count(), before + 50);
        // Every one is readable with its own name.
        const items = await info(admin, [...ids]);
        assert.equal(items.length, 50);
        const names = new Set(items.map((item) => item.Name));
        assert.equal(names.size, 50);
        assert.ok(
          items.every((item) => item.ErrorCode === 0 && item.Owner_Account === 'owner1'),
          'items.every((item) => item.ErrorCode === 0 && item.Owner_Account ==...',
        );
      });
    });

    describe('custom IDs', () => {
      it('@TOA#_test_id is accepted and returned; the same ID again → 130008 and the first account is unchanged', async () => {
        const res = await create({
          OfficialAccountUserID: '@TOA#_test_id',
          Owner_Account: 'owner1',
          Name: 'first',
          Introduction: 'intro one',
        });
        assertOk(res);
        assert.equal(res.OfficialAccountUserID, '@TOA#_test_id');
        const firstInfo = await infoOne(admin, '@TOA#_test_id');

        await refused(
          {
            OfficialAccountUserID: '@TOA#_test_id',
            Owner_Account: 'owner2',
            Name: 'second',
            Introduction: 'intro two',
          },
          130008,
        );
        const after = await infoOne(admin, '@TOA#_test_id');
        assert.deepEqual(after, firstInfo);
        assert.equal(after.Name, 'first');
        assert.equal(after.Owner_Account, 'owner1');
        assert.equal(after.Introduction, 'intro one');
      });

      it('an ID of exactly 48 bytes is accepted; 49 bytes → 130007', async () => {
        const id48 = `@TOA#_${'x'.repeat(42)}`;
        const id49 = `@TOA#_${'y'.repeat(43)}`;
        assert.equal(Buffer.byteLength(id48), 48);
        assert.equal(Buffer.byteLength(id49), 49);
        const res = await create({ OfficialAccountUserID: id48, Owner_Account: 'owner1', Name: 'forty-eight' });
        assertOk(res);
        assert.equal(res.OfficialAccountUserID, id48);
        assert.equal((await infoOne(admin, id48)).Name, 'forty-eight');
        await refused({ OfficialAccountUserID: id49, Owner_Account: 'owner1', Name: 'forty-nine' }, 130007);
        assert.equal((await infoOne(admin, id49)).ErrorCode, 130004);
      });

      const badIds: [string, string][] = [
        ['no prefix', 'test_id'],
        ['lower-case prefix', '@toa#_test'],
        ['prefix without underscore', '@TOA#test'],
        ['prefix not at the start', 'x@TOA#_test'],
        ['exactly the prefix', '@TOA#_'],
        ['the reserved generated prefix', '@TOA#_@TOA#'],
        ['starting with the reserved generated prefix', '@TOA#_@TOA#mine'],
        ['CJK', '@TOA#_中文'],
        ['emoji', '@TOA#_😀'],
        ['tab', '@TOA#_a\tb'],
        ['newline', '@TOA#_a\nb'],
        ['DEL', '@TOA#_a\u007f'],
        ['empty', ''],
      ];
      for (const [label, id] of badIds) {
        it(`refuses a custom ID (${label}) with 130007`, async () => {
          await refused({ OfficialAccountUserID: id, Owner_Account: 'owner1', Name: 'bad id' }, 130007);
        });
      }

      it('a non-string OfficialAccountUserID → 6017', async () => {
        await refused({ OfficialAccountUserID: 12345, Owner_Account: 'owner1', Name: 'typed id' }, 6017);
      });
    });

    describe('byte limits (UTF-8)', () => {
      for (const [field, limit] of Object.entries(LIMITS)) {
        for (const [label, unit] of [
          ['ASCII', 'a'],
          ['CJK', CJK],
          ['emoji', EMOJI],
        ] as const) {
          it(`${field}: ${limit} bytes of ${label} OK, one byte or one ${label} character over → 6017`, async () => {
            const at = exactBytes(limit, unit);
            const base =
              field === 'Name'
                ? { Owner_Account: 'owner1' }
                : { Owner_Account: 'owner1', Name: `limit ${field} ${label}` };
            const res = await create({ ...base, [field]: at });
            assertOk(res);
            const stored = await infoOne(admin, res.OfficialAccountUserID as string);
            assert.equal(stored[field], at, 'the value is stored and read back unchanged');

            const overByByte = `${at}a`;
            assert.equal(Buffer.byteLength(overByByte), limit + 1);
            const refusal = await refused({ ...base, [field]: overByByte }, 6017);
            assert.match(refusal.ErrorInfo, new RegExp(field));
            // The one character that tips it over: as many units as needed to pass the limit.
            const overByChar = unit.repeat(Math.floor(limit / Buffer.byteLength(unit)) + 1);
            assert.ok(Buffer.byteLength(overByChar) > limit, 'Buffer.byteLength(overByChar) > limit');
            await refused({ ...base, [field]: overByChar }, 6017);
          });
        }
      }

      it('the examples: 50 CJK Name OK, 50 CJK + a → 6017, 37 emoji + ab OK, 37 emoji + abc → 6017', async () => {
        assertOk(await create({ Owner_Account: 'owner1', Name: CJK.repeat(50) }));
        await refused({ Owner_Account: 'owner1', Name: `${CJK.repeat(50)}a` }, 6017);
        assertOk(await create({ Owner_Account: 'owner1', Name: `${EMOJI.repeat(37)}ab` }));
        await refused({ Owner_Account: 'owner1', Name: `${EMOJI.repeat(37)}abc` }, 6017);
        await refused({ Owner_Account: 'owner1', Name: EMOJI.repeat(38) }, 6017);
      });
    });

    describe('required fields and types', () => {
      it('an empty Name → 6017', async () => {
        await refused({ Owner_Account: 'owner1', Name: '' }, 6017);
      });

      it('missing Owner_Account or Name → 6017', async () => {
        await refused({ Name: 'no owner' }, 6017);
        await refused({ Owner_Account: 'owner1' }, 6017);
        await refused({}, 6017);
      });

      const wrong: [string, Record<string, unknown>][] = [
        ['Name: 5', { Name: 5 }],
        ['Name: null', { Name: null }],
        ['Owner_Account: 5', { Owner_Account: 5 }],
        ['Introduction: 5', { Introduction: 5 }],
        ['CustomString: {}', { CustomString: {} }],
        ['MaxSubscriberNum: "x"', { MaxSubscriberNum: 'x' }],
        ['MaxSubscriberNum: "1000"', { MaxSubscriberNum: '1000' }],
        ['MaxSubscriberNum: 1.5', { MaxSubscriberNum: 1.5 }],
        ['MaxSubscriberNum: 0', { MaxSubscriberNum: 0 }],
        ['MaxSubscriberNum: -1', { MaxSubscriberNum: -1 }],
        ['MaxSubscriberNum: -100000', { MaxSubscriberNum: -100000 }],
      ];
      for (const [label, patch] of wrong) {
        it(`wrong type or value (${label}) → 6017`, async () => {
          await refused({ Owner_Account: 'owner1', Name: 'typed', ...patch }, 6017);
        });
      }

      it('a body that is not a JSON object → 60003, nothing created', async () => {
        const before = await count();
        const res = await admin.official('create_official_account', '[1,2]');
        assert.equal(res.ErrorCode, 60003);
        assert.equal(await count(), before);
      });

      it('owner not imported → 6017 mentioning import; after importing the owner the same request works', async () => {
        const body = { Owner_Account: 'late_owner', Name: 'waits for owner' };
        const res = await refused(body, 6017);
        assert.match(res.ErrorInfo, /import/i);
        assert.match(res.ErrorInfo, /late_owner/);
        await importAccounts(admin, ['late_owner']);
        const ok = await create(body);
        assertOk(ok);
        assert.equal((await infoOne(admin, ok.OfficialAccountUserID as string)).Owner_Account, 'late_owner');
      });

      it('an owner that was deleted can no longer own new accounts', async () => {
        await importAccounts(admin, ['gone_owner']);
        assertOk(await create({ Owner_Account: 'gone_owner', Name: 'before delete' }));
        assertOk(await admin.account('account_delete', { DeleteItem: [{ UserID: 'gone_owner' }] }));
        await refused({ Owner_Account: 'gone_owner', Name: 'after delete' }, 6017);
      });

      it('a refused multiaccount_import of 101 owners imports none of them, so none can own an account', async () => {
        const ids = Array.from({ length: 101 }, (_, i) => `trace_${i}`);
        const res = await admin.account('multiaccount_import', { AccountList: ids.map((UserID) => ({ UserID })) });
        assert.equal(res.ErrorCode, 70402);
        const check = await admin.account('account_check', {
          CheckItem: ids.slice(0, 100).map((UserID) => ({ UserID })),
        });
        assert.ok(
          (check.ResultItem as Item[]).every((item) => item.AccountStatus === 'NotImported'),
          '(check.ResultItem as Item[]).every((item) => item.AccountStatus ===...',
        );
        await refused({ Owner_Account: 'trace_0', Name: 'x' }, 6017);
        await refused({ Owner_Account: 'trace_100', Name: 'x' }, 6017);
      });

      it('a non-admin caller gets 60010 and nothing is created', async () => {
        const user = new Client(herald.url, { identifier: 'owner1' });
        const before = await count();
        const res = await user.official('create_official_account', { Owner_Account: 'owner1', Name: 'by a user' });
        assert.equal(res.ErrorCode, 60010);
        assert.equal(res.ActionStatus, 'FAIL');
        const read = await user.official('get_official_account_info', {
          OfficialAccountIdList: [{ Official_Account: '@TOA#_test_id' }],
        });
        assert.equal(read.ErrorCode, 60010);
        assert.equal(await count(), before);
      });
    });

    describe('stored values', () => {
      it('MaxSubscriberNum defaults to 100000 and a custom value is kept', async () => {
        const dflt = await create({ Owner_Account: 'owner1', Name: 'default cap' });
        assertOk(dflt);
        assert.deepEqual(await infoOne(admin, dflt.OfficialAccountUserID as string, ['MaxSubscriberNum']), {
          Official_Account: dflt.OfficialAccountUserID,
          ErrorCode: 0,
          ErrorInfo: '',
          MaxSubscriberNum: 100000,
        });
        const custom = await create({ Owner_Account: 'owner1', Name: 'custom cap', MaxSubscriberNum: 1000 });
        assertOk(custom);
        assert.equal(
          (await infoOne(admin, custom.OfficialAccountUserID as string, ['MaxSubscriberNum'])).MaxSubscriberNum,
          1000,
        );
        const one = await create({ Owner_Account: 'owner1', Name: 'cap one', MaxSubscriberNum: 1 });
        assertOk(one);
        assert.equal(
          (await infoOne(admin, one.OfficialAccountUserID as string, ['MaxSubscriberNum'])).MaxSubscriberNum,
          1,
        );
      });

      it('the documented sample request is stored field by field; CreateTime is now, SubscriberNum and LastMsgTime 0', async () => {
        const sample = {
          OfficialAccountUserID: '@TOA#_sample',
          Owner_Account: 'owner2',
          CustomString: 'test_custom_string',
          FaceUrl: 'http://this.is.face.url',
          Introduction: 'This is test Introduction',
          MaxSubscriberNum: 1000,
          Name: 'test_official_account',
          Organization: 'test_organization',
        };
        const before = nowSeconds();
        const res = await create(sample);
        const after = nowSeconds();
        assertOk(res);
        assert.equal(res.OfficialAccountUserID, '@TOA#_sample');
        const item = await infoOne(admin, '@TOA#_sample');
        assert.deepEqual(Object.keys(item).sort(), [...ITEM_ENVELOPE, ...BASE_FIELDS].sort());
        assert.equal(item.Official_Account, '@TOA#_sample');
        assert.equal(item.ErrorCode, 0);
        assert.equal(item.ErrorInfo, '');
        assert.equal(item.Owner_Account, 'owner2');
        assert.equal(item.Name, sample.Name);
        assert.equal(item.Introduction, sample.Introduction);
        assert.equal(item.FaceUrl, sample.FaceUrl);
        assert.equal(item.Organization, sample.Organization);
        assert.equal(item.CustomString, sample.CustomString);
        assert.equal(item.SubscriberNum, 0);
        assert.equal(item.LastMsgTime, 0);
        assert.ok(Number.isInteger(item.CreateTime), 'CreateTime is an integer');
        assert.ok(
          (item.CreateTime as number) >= before && (item.CreateTime as number) <= after,
          `CreateTime ${item.CreateTime} is unix seconds of now`,
        );
      });

      it('optional text fields default to empty strings', async () => {
        const res = await create({ Owner_Account: 'owner1', Name: 'bare' });
        assertOk(res);
        const item = await infoOne(admin, res.OfficialAccountUserID as string);
        assert.equal(item.Introduction, '');
        assert.equal(item.FaceUrl, '');
        assert.equal(item.Organization, '');
        assert.equal(item.CustomString, '');
      });
    });

    describe('get_official_account_info', () => {
      let known: string[];
      before(async () => {
        known = [];
        for (let i = 0; i < 3; i++) {
          const res = await create({ Owner_Account: 'owner2', Name: `info ${i}`, Introduction: `about ${i}` });
          assertOk(res);
          known.push(res.OfficialAccountUserID as string);
        }
      });

      it('a batch of 50 IDs is answered item by item, in order; unknown IDs get 130004', async () => {
        const unknown = Array.from({ length: 47 }, (_, i) => `@TOA#_unknown_${i}`);
        const ids = [unknown[0]!, known[0]!, ...unknown.slice(1, 20), known[1]!, ...unknown.slice(20), known[2]!];
        assert.equal(ids.length, 50);
        const res = await admin.official('get_official_account_info', {
          OfficialAccountIdList: ids.map((Official_Account) => ({ Official_Account })),
        });
        assertOk(res);
        const items = res.OfficialAccountInfoList as Item[];
        assert.equal(items.length, 50);
        assert.deepEqual(
          items.map((item) => item.Official_Account),
          ids,
        );
        for (const item of items) {
          if (known.includes(item.Official_Account as string)) {
            assert.equal(item.ErrorCode, 0);
            assert.equal(item.ErrorInfo, '');
            assert.equal(item.Owner_Account, 'owner2');
            assert.equal(item.Name, `info ${known.indexOf(item.Official_Account as string)}`);
          } else {
            assert.equal(item.ErrorCode, 130004);
            assert.equal(typeof item.ErrorInfo, 'string');
            assert.notEqual(item.ErrorInfo, '');
            assert.deepEqual(
              Object.keys(item).sort(),
              [...ITEM_ENVELOPE].sort(),
              'an unknown ID carries no profile fields',
            );
          }
        }
      });

      it('only unknown IDs: top level still OK/0', async () => {
        const items = await info(admin, ['@TOA#_nobody', 'not even an id']);
        assert.deepEqual(
          items.map((item) => [item.Official_Account, item.ErrorCode]),
          [
            ['@TOA#_nobody', 130004],
            ['not even an id', 130004],
          ],
        );
      });

      it('51 IDs → 6017; an empty list → 6017; a missing list → 6017', async () => {
        const ids = Array.from({ length: 51 }, (_, i) => ({ Official_Account: known[i % known.length] }));
        const over = await admin.official('get_official_account_info', { OfficialAccountIdList: ids });
        assert.equal(over.ErrorCode, 6017);
        assert.equal(over.ActionStatus, 'FAIL');
        assert.equal(over.OfficialAccountInfoList, undefined);
        assert.equal(
          (await admin.official('get_official_account_info', { OfficialAccountIdList: [] })).ErrorCode,
          6017,
        );
        assert.equal((await admin.official('get_official_account_info', {})).ErrorCode, 6017);
        assert.equal(
          (await admin.official('get_official_account_info', { OfficialAccountIdList: ['@TOA#_x'] })).ErrorCode,
          6017,
        );
      });

      it('without a filter all 9 documented fields are returned and MaxSubscriberNum is not', async () => {
        const item = await infoOne(admin, known[0]!);
        assert.deepEqual(Object.keys(item).sort(), [...ITEM_ENVELOPE, ...BASE_FIELDS].sort());
        assert.equal(item.MaxSubscriberNum, undefined);
        // An empty ResponseFilter object behaves the same.
        const res = await admin.official('get_official_account_info', {
          OfficialAccountIdList: [{ Official_Account: known[0] }],
          ResponseFilter: {},
        });
        assertOk(res);
        assert.deepEqual(
          Object.keys((res.OfficialAccountInfoList as Item[])[0]!).sort(),
          [...ITEM_ENVELOPE, ...BASE_FIELDS].sort(),
        );
      });

      it('ResponseFilter selects only the named fields', async () => {
        const item = await infoOne(admin, known[1]!, ['Name', 'SubscriberNum']);
        assert.deepEqual(item, {
          Official_Account: known[1],
          ErrorCode: 0,
          ErrorInfo: '',
          Name: 'info 1',
          SubscriberNum: 0,
        });
        for (const field of BASE_FIELDS) {
          const one = await infoOne(admin, known[2]!, [field]);
          assert.deepEqual(Object.keys(one).sort(), [...ITEM_ENVELOPE, field].sort(), field);
        }
        const all = await infoOne(admin, known[2]!, BASE_FIELDS);
        assert.deepEqual(Object.keys(all).sort(), [...ITEM_ENVELOPE, ...BASE_FIELDS].sort());
        assert.equal(all.Introduction, 'about 2');
      });

      it('unknown names in the filter are ignored', async () => {
        const item = await infoOne(admin, known[0]!, ['Introduction', 'NoSuchField']);
        assert.deepEqual(item, { Official_Account: known[0], ErrorCode: 0, ErrorInfo: '', Introduction: 'about 0' });
      });

      it('a filter does not add fields to unknown IDs', async () => {
        const [item] = await info(admin, ['@TOA#_filtered_unknown'], ['Name']);
        assert.deepEqual(Object.keys(item!).sort(), [...ITEM_ENVELOPE].sort());
        assert.equal(item!.ErrorCode, 130004);
      });
    });
  });

  describe(`app limits [${store}]`, () => {
    it('maxOfficialAccounts: 2 → the third create answers 130010 and adds nothing', async () => {
      const herald = await startTestHerald({
        apps: [{ sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN], maxOfficialAccounts: 2 }],
      });
      try {
        const create = (body: Record<string, unknown>) => herald.admin.official('create_official_account', body);
        assertOk(await create({ Owner_Account: ADMIN, Name: 'one' }));
        assertOk(await create({ Owner_Account: ADMIN, Name: 'two', OfficialAccountUserID: '@TOA#_two' }));
        assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 2);
        assertFail(await create({ Owner_Account: ADMIN, Name: 'three' }), 130010);
        assertFail(await create({ Owner_Account: ADMIN, Name: 'three', OfficialAccountUserID: '@TOA#_three' }), 130010);
        assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 2);
        const [item] = (
          await herald.admin.official('get_official_account_info', {
            OfficialAccountIdList: [{ Official_Account: '@TOA#_three' }],
          })
        ).OfficialAccountInfoList as Item[];
        assert.equal(item?.ErrorCode, 130004);
        // Reading still works at the cap.
        const res = await herald.admin.official('get_official_account_info', {
          OfficialAccountIdList: [{ Official_Account: '@TOA#_two' }],
        });
        assertOk(res);
        assert.equal((res.OfficialAccountInfoList as Item[])[0]?.Name, 'two');
      } finally {
        await herald.close();
      }
    });

    it('concurrent creates at the cap: exactly maxOfficialAccounts succeed, the rest answer 130010', async () => {
      const herald = await startTestHerald({
        apps: [{ sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN], maxOfficialAccounts: 3 }],
      });
      try {
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            herald.admin.official('create_official_account', { Owner_Account: ADMIN, Name: `race ${i}` }),
          ),
        );
        const codes = results.map((r) => r.ErrorCode).sort((a, b) => a - b);
        assert.deepEqual(codes, [0, 0, 0, ...Array<number>(9).fill(130010)]);
        assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 3);
      } finally {
        await herald.close();
      }
    });

    it('concurrent creates of one custom ID: exactly one succeeds, the rest answer 130008', async () => {
      const herald = await startTestHerald();
      try {
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            herald.admin.official('create_official_account', {
              Owner_Account: ADMIN,
              Name: `same id ${i}`,
              OfficialAccountUserID: '@TOA#_contended',
            }),
          ),
        );
        const codes = results.map((r) => r.ErrorCode).sort((a, b) => a - b);
        assert.deepEqual(codes, [0, ...Array<number>(7).fill(130008)]);
        assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 1);
        const winner = results.findIndex((r) => r.ErrorCode === 0);
        const res = await herald.admin.official('get_official_account_info', {
          OfficialAccountIdList: [{ Official_Account: '@TOA#_contended' }],
        });
        assert.equal((res.OfficialAccountInfoList as Item[])[0]?.Name, `same id ${winner}`);
      } finally {
        await herald.close();
      }
    });

    it("apps are isolated: the same custom ID can exist in two apps, and one app cannot read the other's accounts", async () => {
      const OTHER = 1400000001;
      const OTHER_KEY = 'another-secret-key-for-the-second-app';
      const herald = await startTestHerald({
        apps: [
          { sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN] },
          { sdkappid: OTHER, secretKey: OTHER_KEY, admins: ['boss'] },
        ],
      });
      try {
        const other = new Client(herald.url, { sdkappid: OTHER, key: OTHER_KEY, identifier: 'boss' });
        assertOk(
          await herald.admin.official('create_official_account', {
            Owner_Account: ADMIN,
            Name: 'in app 1',
            OfficialAccountUserID: '@TOA#_shared',
          }),
        );
        // The first app's admin is not an account of the second app.
        const foreignOwner = await other.official('create_official_account', { Owner_Account: ADMIN, Name: 'x' });
        assert.equal(foreignOwner.ErrorCode, 6017);
        assertOk(
          await other.official('create_official_account', {
            Owner_Account: 'boss',
            Name: 'in app 2',
            OfficialAccountUserID: '@TOA#_shared',
          }),
        );
        assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 1);
        assert.equal(await countOfficialAccounts(herald.store, OTHER), 1);
        const mine = await herald.admin.official('get_official_account_info', {
          OfficialAccountIdList: [{ Official_Account: '@TOA#_shared' }],
        });
        const theirs = await other.official('get_official_account_info', {
          OfficialAccountIdList: [{ Official_Account: '@TOA#_shared' }],
        });
        assert.equal((mine.OfficialAccountInfoList as Item[])[0]?.Name, 'in app 1');
        assert.equal((theirs.OfficialAccountInfoList as Item[])[0]?.Name, 'in app 2');
        assert.equal((theirs.OfficialAccountInfoList as Item[])[0]?.Owner_Account, 'boss');
        const generated = await herald.admin.official('create_official_account', {
          Owner_Account: ADMIN,
          Name: 'only in app 1',
        });
        assertOk(generated);
        const cross = await other.official('get_official_account_info', {
          OfficialAccountIdList: [{ Official_Account: generated.OfficialAccountUserID }],
        });
        assert.equal((cross.OfficialAccountInfoList as Item[])[0]?.ErrorCode, 130004);
      } finally {
        await herald.close();
      }
    });

    it('officialAccountEnabled: false → 131000 for create and get_official_account_info', async () => {
      const herald = await startTestHerald({
        apps: [{ sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN], officialAccountEnabled: false }],
      });
      try {
        assertFail(
          await herald.admin.official('create_official_account', { Owner_Account: ADMIN, Name: 'off' }),
          131000,
        );
        assertFail(
          await herald.admin.official('create_official_account', {
            Owner_Account: ADMIN,
            Name: 'off',
            OfficialAccountUserID: '@TOA#_off',
          }),
          131000,
        );
        assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 0);
        const res = await herald.admin.official('get_official_account_info', {
          OfficialAccountIdList: [{ Official_Account: '@TOA#_off' }],
        });
        assert.equal(res.ErrorCode, 131000);
        assert.equal(res.ActionStatus, 'FAIL');
        assert.equal(res.OfficialAccountInfoList, undefined);
        // Account APIs are not affected by the switch.
        const check = await herald.admin.account('account_check', { CheckItem: [{ UserID: ADMIN }] });
        assertOk(check);
      } finally {
        await herald.close();
      }
    });
  });
}
