/**
 * The official-account lifecycle over real HTTP (official-accounts.md §4.2, §4.3; spec README):
 * destroy_official_account (subscriptions and history go with the account; the ID can be
 * created again), modify_official_account_base_info (only fields present change, byte limits,
 * the `OfficialAccount` alias, lowering MaxSubscriberNum) and what account_delete does to
 * subscriptions and ownership.
 */
import { ALL_FILTER_FIELDS, BASE_FIELDS } from './helpers/spec-fields.ts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN,
  SDKAPPID,
  SECRET_KEY,
  importAccounts,
  startTestHerald,
  stores,
  type Client,
  type Envelope,
  type TestHerald,
} from './helpers/harness.ts';
import { assertFail as failWith, assertOk, exactBytes } from './helpers/assertions.ts';

const CJK = '中'; // 3 bytes
const EMOJI = '😀'; // 4 bytes

const SNAPSHOT_FIELDS = ALL_FILTER_FIELDS;
const LIMITS = { Name: 150, Introduction: 400, FaceUrl: 500, Organization: 500, CustomString: 3000 } as const;
type LimitedField = keyof typeof LIMITS;

type Item = Record<string, unknown>;

interface ResultItem {
  Subscriber_Account: string;
  Result: number;
}

const assertFail = (res: Envelope, code: number, context = '') => failWith(res, code, { context });

function users(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
}

function assertEnvelopeOnly(res: Envelope): void {
  assertOk(res);
  assert.deepEqual(Object.keys(res).sort(), ['ActionStatus', 'ErrorCode', 'ErrorInfo']);
}

const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];

for (const store of stores()) {
  describe(`official-account lifecycle [${store}]`, () => {
    let herald: TestHerald;
    let admin: Client;
    let seq = 0;
    let random = 1000;

    const official = (command: string, body: unknown) => admin.official(command, body);

    async function createOA(extra: Record<string, unknown> = {}): Promise<string> {
      const res = await official('create_official_account', { Owner_Account: 'owner', Name: `oa ${++seq}`, ...extra });
      assertOk(res);
      return res.OfficialAccountUserID as string;
    }

    async function add(id: string, userIds: string[]): Promise<number[]> {
      const res = await official('add_subscriber', {
        Official_Account: id,
        SubscriberList: userIds.map((Subscriber_Account) => ({ Subscriber_Account })),
      });
      assertOk(res);
      return (res.SubscriberList as ResultItem[]).map((r) => r.Result);
    }

    async function infoItems(ids: string[], filter?: string[]): Promise<Item[]> {
      const body: Item = { OfficialAccountIdList: ids.map((Official_Account) => ({ Official_Account })) };
      if (filter) body.ResponseFilter = { OfficialAccountBaseInfoFilter: filter };
      const res = await official('get_official_account_info', body);
      assertOk(res);
      return res.OfficialAccountInfoList as Item[];
    }

    /** Every stored field of the account, MaxSubscriberNum included. */
    async function snapshot(id: string): Promise<Item> {
      const [item] = await infoItems([id], SNAPSHOT_FIELDS);
      assert.ok(item, 'item');
      assert.equal(item.ErrorCode, 0, `${id}: ${JSON.stringify(item)}`);
      return item;
    }

    const subscriberNum = async (id: string) => (await snapshot(id)).SubscriberNum as number;

    /** All subscribers by paging get_subscriber_info, in subscription order. */
    async function subscribers(id: string): Promise<Item[]> {
      const out: Item[] = [];
      let next = '';
      for (let i = 0; i < 1000; i++) {
        const res = await official('get_subscriber_info', { Official_Account: id, Limit: 50, Next: next });
        assertOk(res);
        out.push(...(res.SubscriberList as Item[]));
        if (res.Next === '') return out;
        next = res.Next as string;
      }
      throw new Error('paging does not end');
    }

    const subscriberIds = async (id: string) => (await subscribers(id)).map((s) => s.Subscriber_Account as string);

    async function assertSubscribers(id: string, expected: string[]): Promise<void> {
      const ids = await subscriberIds(id);
      assert.deepEqual([...ids].sort(), [...expected].sort());
      assert.equal(await subscriberNum(id), ids.length, 'SubscriberNum = real number of subscribers');
    }

    async function subscribedTo(userId: string): Promise<{ ids: string[]; items: Item[]; total: number }> {
      const res = await official('get_subscribed_official_account_list', { Subscriber_Account: userId });
      assertOk(res);
      const items = res.OfficialAccountInfoList as Item[];
      return { ids: items.map((i) => i.Official_Account as string), items, total: res.TotalCount as number };
    }

    async function send(id: string, t: string): Promise<Envelope> {
      return official('send_official_account_msg', { Official_Account: id, Random: ++random, MsgBody: text(t) });
    }

    async function history(id: string): Promise<Envelope> {
      return official('official_account_msg_get_simple', { Official_Account: id, ReqMsgNumber: 20 });
    }

    async function accountDelete(userIds: string[]): Promise<Item[]> {
      const res = await admin.account('account_delete', { DeleteItem: userIds.map((UserID) => ({ UserID })) });
      assertOk(res);
      return res.ResultItem as Item[];
    }

    async function accountStatus(userId: string): Promise<string> {
      const res = await admin.account('account_check', { CheckItem: [{ UserID: userId }] });
      assertOk(res);
      return (res.ResultItem as Item[])[0]?.AccountStatus as string;
    }

    before(async () => {
      herald = await startTestHerald();
      admin = herald.admin;
      await importAccounts(admin, ['owner', 'owner2', ...users('u', 120)]);
    });
    after(() => herald.close());

    // get_official_account_info may be answered from memory (the SQLite store caches account
    // rows); every kind of write must show in the very next read, and a failed write must not.
    it('get_official_account_info shows every change at once, and nothing of a refused one', async () => {
      const id = await createOA({ OfficialAccountUserID: '@TOA#_fresh_reads', MaxSubscriberNum: 3 });
      const read = () => snapshot(id);
      assert.equal((await read()).SubscriberNum, 0);
      await add(id, ['u000', 'u001']);
      assert.equal((await read()).SubscriberNum, 2);
      assert.deepEqual(await add(id, ['u002', 'u003']), [1, 0], 'the cap leaves room for one');
      assert.equal((await read()).SubscriberNum, 3);
      assertOk(await official('delete_subscriber', { Official_Account: id, SubscriberToDel_Account: ['u000'] }));
      assert.equal((await read()).SubscriberNum, 2);
      assert.equal((await read()).LastMsgTime, 0);
      assertOk(await send(id, 'fresh'));
      assert.ok(((await read()).LastMsgTime as number) > 0, 'LastMsgTime moves with the send');
      assertOk(
        await official('modify_official_account_base_info', {
          Official_Account: id,
          Name: 'renamed',
          MaxSubscriberNum: 10,
        }),
      );
      assert.deepEqual([(await read()).Name, (await read()).MaxSubscriberNum], ['renamed', 10]);
      assertFail(
        await official('modify_official_account_base_info', {
          Official_Account: id,
          Name: 'x'.repeat(LIMITS.Name + 1),
        }),
        6017,
      );
      assert.equal((await read()).Name, 'renamed', 'a refused change leaves the account as it was');
      await accountDelete(['u001']);
      assert.equal((await read()).SubscriberNum, 1, 'account_delete unsubscribes the user');
      assertOk(await official('destroy_official_account', { Official_Account: id }));
      const [gone] = await infoItems([id]);
      assert.equal(gone?.ErrorCode, 130004, JSON.stringify(gone));
      await createOA({ OfficialAccountUserID: '@TOA#_fresh_reads', Name: 'second life' });
      const again = await read();
      assert.deepEqual([again.Name, again.SubscriberNum, again.LastMsgTime], ['second life', 0, 0]);
    });

    describe('destroy_official_account', () => {
      it('answers with the envelope only; get_official_account_info then gives that item 130004, others in the same call are fine', async () => {
        const doomed = await createOA();
        const kept = await createOA({ Name: 'kept' });
        assertEnvelopeOnly(await official('destroy_official_account', { Official_Account: doomed }));
        const items = await infoItems([kept, doomed]);
        assert.equal(items.length, 2);
        assert.equal(items[0]?.Official_Account, kept);
        assert.equal(items[0]?.ErrorCode, 0);
        assert.equal(items[0]?.Name, 'kept');
        assert.equal(items[1]?.Official_Account, doomed);
        assert.equal(items[1]?.ErrorCode, 130004);
        assert.equal(typeof items[1]?.ErrorInfo, 'string');
        assert.notEqual(items[1]?.ErrorInfo, '');
        assert.equal(items[1]?.Name, undefined, 'no profile fields for a destroyed account');
      });

      it('every later call naming it → 130004', async () => {
        const id = await createOA();
        await add(id, ['u000', 'u001']);
        const sent = await send(id, 'before the end');
        assertOk(sent);
        assertOk(await official('destroy_official_account', { Official_Account: id }));

        const calls: [string, Item][] = [
          ['destroy_official_account', { Official_Account: id }],
          ['modify_official_account_base_info', { Official_Account: id, Name: 'again' }],
          ['add_subscriber', { Official_Account: id, SubscriberList: [{ Subscriber_Account: 'u002' }] }],
          ['delete_subscriber', { Official_Account: id, SubscriberToDel_Account: ['u000'] }],
          ['get_subscriber_info', { Official_Account: id, Limit: 10, Next: '' }],
          ['modify_subscriber_info', { Official_Account: id, Subscriber_Account: 'u000', CustomString: 'x' }],
          ['send_official_account_msg', { Official_Account: id, Random: ++random, MsgBody: text('after the end') }],
          ['official_account_msg_get_simple', { Official_Account: id, ReqMsgNumber: 10 }],
          ['official_account_msg_recall', { Official_Account: id, MsgKeyList: [sent.MsgKey] }],
        ];
        for (const [command, body] of calls) assertFail(await official(command, body), 130004, command);
      });

      it('removes its subscriptions: subscribers no longer list it; other accounts keep theirs; the users stay imported', async () => {
        const doomed = await createOA();
        const other = await createOA();
        await add(doomed, ['u010', 'u011', 'u012']);
        await add(other, ['u010', 'u013']);
        assert.equal((await subscribedTo('u010')).total, 2);

        assertOk(await official('destroy_official_account', { Official_Account: doomed }));
        const u010 = await subscribedTo('u010');
        assert.deepEqual(u010.ids, [other]);
        assert.equal(u010.total, 1);
        for (const u of ['u011', 'u012']) {
          assert.deepEqual(await subscribedTo(u), { ids: [], items: [], total: 0 });
          assert.equal(await accountStatus(u), 'Imported');
        }
        await assertSubscribers(other, ['u010', 'u013']);
      });

      it('a destroyed custom ID can be created again and starts fresh: no subscribers, no history, new profile', async () => {
        const id = '@TOA#_phoenix';
        assertOk(
          await official('create_official_account', {
            OfficialAccountUserID: id,
            Owner_Account: 'owner',
            Name: 'first life',
            Introduction: 'old',
            CustomString: 'old cs',
            MaxSubscriberNum: 5,
          }),
        );
        await add(id, ['u020', 'u021']);
        assertOk(
          await official('modify_subscriber_info', {
            Official_Account: id,
            Subscriber_Account: 'u020',
            CustomString: 'old sub cs',
          }),
        );
        assertOk(await send(id, 'first'));
        assertOk(await send(id, 'second'));
        const oldHistory = await history(id);
        assertOk(oldHistory);
        assert.equal((oldHistory.RspMsgList as unknown[]).length, 2);
        assert.notEqual((await snapshot(id)).LastMsgTime, 0);

        assertOk(await official('destroy_official_account', { Official_Account: id }));
        // Creating the same ID while it is gone works (not 130008).
        const again = await official('create_official_account', {
          OfficialAccountUserID: id,
          Owner_Account: 'owner2',
          Name: 'second life',
        });
        assertOk(again);
        assert.equal(again.OfficialAccountUserID, id);

        const fresh = await snapshot(id);
        assert.equal(fresh.Name, 'second life');
        assert.equal(fresh.Owner_Account, 'owner2');
        assert.equal(fresh.Introduction, '');
        assert.equal(fresh.CustomString, '');
        assert.equal(fresh.SubscriberNum, 0);
        assert.equal(fresh.MaxSubscriberNum, 100000);
        assert.equal(fresh.LastMsgTime, 0);
        assert.deepEqual(await subscriberIds(id), []);
        assert.deepEqual((await subscribedTo('u020')).ids, []);
        const newHistory = await history(id);
        assertOk(newHistory);
        assert.deepEqual(newHistory.RspMsgList, [], 'the old messages went with the old account');

        // The old subscribers are not subscribers of the new account: they subscribe anew.
        assert.deepEqual(await add(id, ['u020', 'u021']), [1, 1]);
        const subs = await subscribers(id);
        assert.equal(subs.find((s) => s.Subscriber_Account === 'u020')?.CustomString, '');
        assert.equal(await subscriberNum(id), 2);
        // A message sent now is the only one in the history.
        assertOk(await send(id, 'reborn'));
        const h = await history(id);
        assert.deepEqual(
          (h.RspMsgList as Item[]).map((m) => (m.MsgBody as Item[])[0]?.MsgContent),
          [{ Text: 'reborn' }],
        );
      });

      it('an unknown account → 130004; a missing or non-string Official_Account → 6017', async () => {
        assertFail(await official('destroy_official_account', { Official_Account: '@TOA#_never_was' }), 130004);
        assertFail(await official('destroy_official_account', {}), 6017);
        assertFail(await official('destroy_official_account', { Official_Account: 5 }), 6017);
        assertFail(await official('destroy_official_account', { OfficialAccount: '@TOA#_never_was' }), 6017);
      });

      it('two concurrent destroys of one account: one OK, the other 130004', async () => {
        const id = await createOA();
        await add(id, ['u030', 'u031']);
        const results = await Promise.all(
          [1, 2, 3].map(() => official('destroy_official_account', { Official_Account: id })),
        );
        assert.deepEqual(results.map((r) => r.ErrorCode).sort(), [0, 130004, 130004]);
        assert.equal((await infoItems([id]))[0]?.ErrorCode, 130004);
        assert.deepEqual((await subscribedTo('u030')).ids, []);
      });

      it('adds racing a destroy leave no subscription to the destroyed account behind', async () => {
        const id = await createOA();
        const pool = users('u', 100);
        const adds = [0, 20, 40, 60, 80].map((from) =>
          official('add_subscriber', {
            Official_Account: id,
            SubscriberList: pool.slice(from, from + 20).map((Subscriber_Account) => ({ Subscriber_Account })),
          }),
        );
        const destroy = official('destroy_official_account', { Official_Account: id });
        const [destroyed, ...added] = await Promise.all([destroy, ...adds]);
        assertOk(destroyed as Envelope);
        for (const res of added) assert.ok(res.ErrorCode === 0 || res.ErrorCode === 130004, JSON.stringify(res));
        for (const u of pool) {
          assert.ok(!(await subscribedTo(u)).ids.includes(id), `${u} still subscribed to a destroyed account`);
        }
      });

      it('destroying frees a slot of the app limit', async () => {
        const small = await startTestHerald({
          apps: [{ sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN], maxOfficialAccounts: 2 }],
        });
        try {
          const c = small.admin;
          const mk = (Name: string) => c.official('create_official_account', { Owner_Account: ADMIN, Name });
          const a = await mk('a');
          assertOk(a);
          assertOk(await mk('b'));
          assertFail(await mk('c'), 130010);
          assertOk(await c.official('destroy_official_account', { Official_Account: a.OfficialAccountUserID }));
          assertOk(await mk('c'));
          assertFail(await mk('d'), 130010);
        } finally {
          await small.close();
        }
      });
    });

    describe('modify_official_account_base_info', () => {
      const FULL = {
        Name: 'Full',
        Introduction: 'full intro',
        FaceUrl: 'http://full/face.png',
        Organization: 'Full Org',
        CustomString: 'full cs',
        MaxSubscriberNum: 500,
      };

      it('the documented sample: every writable field changes; envelope only; read-only fields stay', async () => {
        const id = await createOA(FULL);
        const before = await snapshot(id);
        const change = {
          CustomString: 'modify_custom_string',
          FaceUrl: 'http://this.is.face.url',
          Introduction: 'This is modify test Introduction',
          Name: 'test_modify_official_account',
          Organization: 'modify_organization',
          MaxSubscriberNum: 1000,
        };
        assertEnvelopeOnly(await official('modify_official_account_base_info', { Official_Account: id, ...change }));
        const after = await snapshot(id);
        assert.deepEqual(after, { ...before, ...change });
      });

      const singles: [string, unknown][] = [
        ['Name', 'only the name'],
        ['Introduction', 'only the intro'],
        ['FaceUrl', 'http://only/face.png'],
        ['Organization', 'only org'],
        ['CustomString', '{"only":"cs"}'],
        ['MaxSubscriberNum', 77],
      ];
      for (const [field, value] of singles) {
        it(`${field} alone changes only ${field}`, async () => {
          const id = await createOA(FULL);
          const before = await snapshot(id);
          assertOk(await official('modify_official_account_base_info', { Official_Account: id, [field]: value }));
          assert.deepEqual(await snapshot(id), { ...before, [field]: value });
        });
      }

      it('a body naming only the account changes nothing', async () => {
        const id = await createOA(FULL);
        const before = await snapshot(id);
        assertOk(await official('modify_official_account_base_info', { Official_Account: id }));
        assert.deepEqual(await snapshot(id), before);
      });

      it('"" clears Introduction, FaceUrl, Organization and CustomString', async () => {
        const id = await createOA(FULL);
        const before = await snapshot(id);
        assertOk(
          await official('modify_official_account_base_info', {
            Official_Account: id,
            Introduction: '',
            FaceUrl: '',
            Organization: '',
            CustomString: '',
          }),
        );
        assert.deepEqual(await snapshot(id), {
          ...before,
          Introduction: '',
          FaceUrl: '',
          Organization: '',
          CustomString: '',
        });
      });

      it('an empty Name → 6017 and nothing changes (not even the valid fields beside it)', async () => {
        const id = await createOA(FULL);
        const before = await snapshot(id);
        assertFail(
          await official('modify_official_account_base_info', {
            Official_Account: id,
            Name: '',
            Introduction: 'new',
            MaxSubscriberNum: 3,
          }),
          6017,
        );
        assert.deepEqual(await snapshot(id), before);
      });

      for (const [field, limit] of Object.entries(LIMITS) as [LimitedField, number][]) {
        for (const [label, unit] of [
          ['ASCII', 'a'],
          ['CJK', CJK],
          ['emoji', EMOJI],
        ] as const) {
          it(`${field}: exactly ${limit} bytes of ${label} is stored; one byte or one ${label} character more → 6017, unchanged`, async () => {
            const id = await createOA(FULL);
            const atLimit = exactBytes(limit, unit);
            assertOk(await official('modify_official_account_base_info', { Official_Account: id, [field]: atLimit }));
            const stored = await snapshot(id);
            assert.equal(stored[field], atLimit);
            const overByByte = `${atLimit}a`;
            const overByChar = unit.repeat(Math.floor(limit / Buffer.byteLength(unit)) + 1);
            assert.equal(Buffer.byteLength(overByByte), limit + 1);
            assert.ok(Buffer.byteLength(overByChar) > limit, 'Buffer.byteLength(overByChar) > limit');
            for (const over of [overByByte, overByChar]) {
              const res = await official('modify_official_account_base_info', { Official_Account: id, [field]: over });
              assertFail(res, 6017);
              assert.match(res.ErrorInfo, new RegExp(field));
              assert.deepEqual(await snapshot(id), stored);
            }
          });
        }
      }

      for (const field of Object.keys(LIMITS) as LimitedField[]) {
        it(`one over-long ${field} among valid fields → 6017 and no field changes`, async () => {
          const id = await createOA(FULL);
          const before = await snapshot(id);
          const valid: Item = {
            Name: 'new name',
            Introduction: 'new intro',
            FaceUrl: 'http://new',
            Organization: 'new org',
            CustomString: 'new cs',
            MaxSubscriberNum: 9,
          };
          const res = await official('modify_official_account_base_info', {
            Official_Account: id,
            ...valid,
            [field]: exactBytes(LIMITS[field] + 1, CJK),
          });
          assertFail(res, 6017);
          assert.deepEqual(await snapshot(id), before);
        });
      }

      it('accepts OfficialAccount (doocs Java client) for Official_Account', async () => {
        const id = await createOA(FULL);
        const before = await snapshot(id);
        assertEnvelopeOnly(
          await official('modify_official_account_base_info', {
            OfficialAccount: id,
            Name: 'via alias',
            MaxSubscriberNum: 42,
          }),
        );
        assert.deepEqual(await snapshot(id), { ...before, Name: 'via alias', MaxSubscriberNum: 42 });
      });

      it('with both names, Official_Account wins (the other account is untouched)', async () => {
        const a = await createOA(FULL);
        const b = await createOA(FULL);
        const beforeA = await snapshot(a);
        const beforeB = await snapshot(b);
        assertOk(
          await official('modify_official_account_base_info', {
            Official_Account: a,
            OfficialAccount: b,
            Name: 'documented wins',
          }),
        );
        assert.deepEqual(await snapshot(a), { ...beforeA, Name: 'documented wins' });
        assert.deepEqual(await snapshot(b), beforeB);

        // Even when the documented one names nothing: 130004, and the alias target is untouched.
        assertFail(
          await official('modify_official_account_base_info', {
            Official_Account: '@TOA#_nobody_here',
            OfficialAccount: b,
            Name: 'nope',
          }),
          130004,
        );
        assert.deepEqual(await snapshot(b), beforeB);
      });

      it('neither Official_Account nor OfficialAccount → 6017', async () => {
        assertFail(await official('modify_official_account_base_info', { Name: 'to whom?' }), 6017);
        assertFail(await official('modify_official_account_base_info', {}), 6017);
      });

      it('an unknown or destroyed account → 130004', async () => {
        assertFail(
          await official('modify_official_account_base_info', { Official_Account: '@TOA#_nobody_here', Name: 'x' }),
          130004,
        );
        assertFail(
          await official('modify_official_account_base_info', { OfficialAccount: '@TOA#_nobody_here', Name: 'x' }),
          130004,
        );
        const id = await createOA();
        assertOk(await official('destroy_official_account', { Official_Account: id }));
        assertFail(await official('modify_official_account_base_info', { Official_Account: id, Name: 'x' }), 130004);
        assert.equal((await infoItems([id]))[0]?.ErrorCode, 130004, 'a failed modify does not bring it back');
      });

      const wrong: [string, Item][] = [
        ['Name: 5', { Name: 5 }],
        ['Name: null', { Name: null }],
        ['Introduction: []', { Introduction: [] }],
        ['CustomString: {}', { CustomString: {} }],
        ['MaxSubscriberNum: 0', { MaxSubscriberNum: 0 }],
        ['MaxSubscriberNum: -1', { MaxSubscriberNum: -1 }],
        ['MaxSubscriberNum: 1.5', { MaxSubscriberNum: 1.5 }],
        ['MaxSubscriberNum: "10"', { MaxSubscriberNum: '10' }],
        ['Official_Account: 5', { Official_Account: 5 }],
      ];
      for (const [label, patch] of wrong) {
        it(`wrong type or value (${label}) → 6017, nothing changes`, async () => {
          const id = await createOA(FULL);
          const before = await snapshot(id);
          assertFail(
            await official('modify_official_account_base_info', { Official_Account: id, Name: 'valid', ...patch }),
            6017,
          );
          assert.deepEqual(await snapshot(id), before);
        });
      }

      it('read-only fields in the body (Owner_Account, SubscriberNum, CreateTime, LastMsgTime) never change', async () => {
        const id = await createOA(FULL);
        await add(id, ['u040']);
        const before = await snapshot(id);
        await official('modify_official_account_base_info', {
          Official_Account: id,
          Owner_Account: 'owner2',
          SubscriberNum: 99,
          CreateTime: 1,
          LastMsgTime: 2,
        });
        const after = await snapshot(id);
        for (const field of ['Owner_Account', 'SubscriberNum', 'CreateTime', 'LastMsgTime'])
          assert.deepEqual(after[field], before[field], field);
      });

      it('leaves subscribers alone, and subscribers see the new profile in their list', async () => {
        const id = await createOA(FULL);
        await add(id, ['u041', 'u042']);
        assertOk(
          await official('modify_subscriber_info', {
            Official_Account: id,
            Subscriber_Account: 'u041',
            CustomString: 'sub data',
          }),
        );
        const before = await subscribers(id);
        assertOk(
          await official('modify_official_account_base_info', {
            Official_Account: id,
            Name: 'Renamed',
            CustomString: 'new cs',
          }),
        );
        assert.deepEqual(await subscribers(id), before);
        const { items } = await subscribedTo('u041');
        const item = items.find((i) => i.Official_Account === id);
        assert.equal(item?.Name, 'Renamed');
        assert.equal(item?.CustomString, 'new cs');
        assert.equal(item?.SubscriberNum, 2);
        assert.equal((item?.SelfInfo as Item | undefined)?.CustomString, 'sub data');
      });

      it('lowering MaxSubscriberNum below SubscriberNum keeps everyone; new users get 0 until the count is below the cap', async () => {
        const id = await createOA();
        const five = ['u050', 'u051', 'u052', 'u053', 'u054'];
        assert.deepEqual(await add(id, five), [1, 1, 1, 1, 1]);
        assertOk(await official('modify_official_account_base_info', { Official_Account: id, MaxSubscriberNum: 2 }));
        const s = await snapshot(id);
        assert.equal(s.MaxSubscriberNum, 2);
        assert.equal(s.SubscriberNum, 5, 'nobody is dropped');
        await assertSubscribers(id, five);

        assert.deepEqual(await add(id, ['u055', 'u050']), [0, 2], 'new → 0, existing → 2');
        assert.equal(await subscriberNum(id), 5);
        // 5 → 3: still not below the cap of 2.
        assertOk(
          await official('delete_subscriber', { Official_Account: id, SubscriberToDel_Account: ['u051', 'u052'] }),
        );
        assert.deepEqual(await add(id, ['u055']), [0]);
        // 3 → 2: equal to the cap, still full.
        assertOk(await official('delete_subscriber', { Official_Account: id, SubscriberToDel_Account: ['u053'] }));
        assert.deepEqual(await add(id, ['u055']), [0]);
        // 2 → 1: one place.
        assertOk(await official('delete_subscriber', { Official_Account: id, SubscriberToDel_Account: ['u054'] }));
        assert.deepEqual(await add(id, ['u055', 'u056']), [1, 0]);
        await assertSubscribers(id, ['u050', 'u055']);
        // Raising the cap opens room again.
        assertOk(await official('modify_official_account_base_info', { Official_Account: id, MaxSubscriberNum: 4 }));
        assert.deepEqual(await add(id, ['u056', 'u057', 'u058']), [1, 1, 0]);
        await assertSubscribers(id, ['u050', 'u055', 'u056', 'u057']);
      });

      it('MaxSubscriberNum is returned only when asked for by name', async () => {
        const id = await createOA({ MaxSubscriberNum: 300 });
        const [all] = await infoItems([id]);
        assert.equal(all?.MaxSubscriberNum, undefined);
        assert.deepEqual(
          Object.keys(all ?? {}).sort(),
          ['ErrorCode', 'ErrorInfo', 'Official_Account', ...BASE_FIELDS].sort(),
        );
        const [named] = await infoItems([id], ['MaxSubscriberNum']);
        assert.equal(named?.MaxSubscriberNum, 300);
      });
    });

    describe('account_delete', () => {
      it('a deleted subscriber leaves every account they subscribed to; each SubscriberNum drops by one', async () => {
        await importAccounts(admin, ['leaver', 'stayer']);
        const a = await createOA();
        const b = await createOA();
        const c = await createOA();
        await add(a, ['leaver', 'stayer', 'u060']);
        await add(b, ['leaver']);
        await add(c, ['stayer']);
        assertOk(
          await official('modify_subscriber_info', {
            Official_Account: a,
            Subscriber_Account: 'leaver',
            CustomString: 'bye',
          }),
        );
        assert.equal((await subscribedTo('leaver')).total, 2);

        const [result] = await accountDelete(['leaver']);
        assert.equal(result?.ResultCode, 0);
        await assertSubscribers(a, ['stayer', 'u060']);
        await assertSubscribers(b, []);
        await assertSubscribers(c, ['stayer']);
        assert.equal(await accountStatus('leaver'), 'NotImported');
        // While deleted: cannot subscribe (0), is not a subscriber anywhere (130002).
        assert.deepEqual(await add(a, ['leaver']), [0]);
        assertFail(
          await official('modify_subscriber_info', {
            Official_Account: a,
            Subscriber_Account: 'leaver',
            CustomString: 'x',
          }),
          130002,
        );
        assert.deepEqual(await subscribedTo('leaver'), { ids: [], items: [], total: 0 });

        // Re-imported, they start with no subscriptions and subscribe anew.
        await importAccounts(admin, ['leaver']);
        assert.deepEqual(await subscribedTo('leaver'), { ids: [], items: [], total: 0 });
        assert.deepEqual(await add(a, ['leaver']), [1]);
        const again = (await subscribers(a)).find((s) => s.Subscriber_Account === 'leaver');
        assert.equal(again?.CustomString, '', 'the old subscription data did not come back');
        await assertSubscribers(a, ['stayer', 'u060', 'leaver']);
      });

      it('deleting 100 users at once: every SubscriberNum equals the real count afterwards', async () => {
        const crowd = users('crowd', 150);
        await importAccounts(admin, crowd);
        const ids = [await createOA(), await createOA(), await createOA()];
        await add(ids[0] as string, crowd.slice(0, 100));
        await add(ids[0] as string, crowd.slice(100, 150));
        await add(ids[1] as string, crowd.filter((_, i) => i % 2 === 0).slice(0, 75));
        await add(
          ids[2] as string,
          crowd.filter((_, i) => i % 3 === 0),
        );
        const gone = new Set(crowd.slice(25, 125));
        const results = await accountDelete([...gone]);
        assert.ok(
          results.every((r) => r.ResultCode === 0),
          'results.every((r) => r.ResultCode === 0)',
        );
        await assertSubscribers(
          ids[0] as string,
          crowd.filter((u) => !gone.has(u)),
        );
        await assertSubscribers(
          ids[1] as string,
          crowd.filter((u, i) => i % 2 === 0 && !gone.has(u)),
        );
        await assertSubscribers(
          ids[2] as string,
          crowd.filter((u, i) => i % 3 === 0 && !gone.has(u)),
        );
      });

      it('deleting an owner keeps their official accounts (Owner_Account unchanged), subscribers and history', async () => {
        await importAccounts(admin, ['founder', 'fan']);
        const a = await createOA({ Owner_Account: 'founder', Name: 'Founded' });
        const other = await createOA();
        await add(a, ['fan', 'u070']);
        // The founder also subscribes to someone else's account: that subscription goes.
        await add(other, ['founder', 'fan']);
        assertOk(await send(a, 'hello'));
        const before = await snapshot(a);

        const [result] = await accountDelete(['founder']);
        assert.equal(result?.ResultCode, 0);
        assert.deepEqual(await snapshot(a), before);
        assert.equal(before.Owner_Account, 'founder');
        await assertSubscribers(a, ['fan', 'u070']);
        await assertSubscribers(other, ['fan']);
        const fanView = (await subscribedTo('fan')).items.find((i) => i.Official_Account === a);
        assert.equal(fanView?.Owner_Account, 'founder');
        const h = await history(a);
        assertOk(h);
        assert.equal((h.RspMsgList as unknown[]).length, 1);

        // The account keeps working.
        assert.deepEqual(await add(a, ['u071']), [1]);
        assertOk(
          await official('modify_official_account_base_info', {
            Official_Account: a,
            Introduction: 'orphaned but alive',
          }),
        );
        assertOk(await send(a, 'still here'));
        assert.equal((await snapshot(a)).Owner_Account, 'founder');
      });

      it('refused deletions (never imported → 70107, an admin → 71000) change no subscription', async () => {
        const id = await createOA();
        await add(id, [ADMIN, 'u080']);
        const results = await accountDelete(['never-imported', ADMIN]);
        assert.deepEqual(
          results.map((r) => r.ResultCode),
          [70107, 71000],
        );
        await assertSubscribers(id, [ADMIN, 'u080']);
        assert.deepEqual((await subscribedTo(ADMIN)).ids.includes(id), true);
      });
    });
  });
}
