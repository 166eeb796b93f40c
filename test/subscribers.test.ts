/**
 * Subscriptions over real HTTP (official-accounts.md §2.2, §4.5–4.9): add_subscriber,
 * delete_subscriber, modify_subscriber_info, get_subscriber_info (cursor paging) and
 * get_subscribed_official_account_list (offset paging), plus the SubscriberNum invariant under
 * mixed and concurrent changes.
 */
import { BASE_FIELDS } from './helpers/spec-fields.ts';
import { assertFail, assertOk } from './helpers/assertions.ts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  importAccounts,
  startTestHerald,
  stores,
  type Client,
  type Envelope,
  type TestHerald,
} from './helpers/harness.ts';

const CJK = '中'; // 3 bytes
const EMOJI = '😀'; // 4 bytes

const SUBSCRIBER_FIELDS = ['Subscriber_Account', 'SubscribeTime', 'CustomString', 'MsgFlag', 'LastSendMsgTime'];

type Item = Record<string, unknown>;

interface SubscriberItem {
  Subscriber_Account: string;
  SubscribeTime: number;
  CustomString: string;
  MsgFlag: string;
  LastSendMsgTime: number;
}

interface ResultItem {
  Subscriber_Account: string;
  Result: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** `prefix` + zero-padded 0..n-1, e.g. users('u', 3) → u000, u001, u002. */
function users(prefix: string, n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(from + i).padStart(3, '0')}`);
}

/** A tiny deterministic PRNG (mulberry32) so "random" scenarios replay identically. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, from: readonly T[], n: number): T[] {
  const copy = [...from];
  const out: T[] = [];
  while (out.length < n && copy.length > 0) out.push(copy.splice(Math.floor(rand() * copy.length), 1)[0] as T);
  return out;
}

for (const store of stores()) {
  describe(`subscribers [${store}]`, () => {
    let herald: TestHerald;
    let admin: Client;
    let ownerSeq = 0;

    const official = (command: string, body: unknown) => admin.official(command, body);

    async function createOA(extra: Record<string, unknown> = {}): Promise<string> {
      const res = await official('create_official_account', {
        Owner_Account: 'owner',
        Name: `oa ${++ownerSeq}`,
        ...extra,
      });
      assertOk(res);
      return res.OfficialAccountUserID as string;
    }

    /** add_subscriber with Subscriber_Account items; checks the echo and returns the Results. */
    async function add(id: string, userIds: string[]): Promise<number[]> {
      const res = await official('add_subscriber', {
        Official_Account: id,
        SubscriberList: userIds.map((Subscriber_Account) => ({ Subscriber_Account })),
      });
      assertOk(res);
      const list = res.SubscriberList as ResultItem[];
      assert.deepEqual(
        list.map((r) => r.Subscriber_Account),
        userIds,
        'one result per requested user, in request order',
      );
      for (const r of list) assert.deepEqual(Object.keys(r).sort(), ['Result', 'Subscriber_Account']);
      return list.map((r) => r.Result);
    }

    /** delete_subscriber with SubscriberToDel_Account; returns the Results. */
    async function del(id: string, userIds: string[]): Promise<number[]> {
      const res = await official('delete_subscriber', { Official_Account: id, SubscriberToDel_Account: userIds });
      assertOk(res);
      const list = res.SubscriberList as ResultItem[];
      assert.deepEqual(
        list.map((r) => r.Subscriber_Account),
        userIds,
      );
      return list.map((r) => r.Result);
    }

    async function baseInfo(id: string, filter?: string[]): Promise<Item> {
      const body: Item = { OfficialAccountIdList: [{ Official_Account: id }] };
      if (filter) body.ResponseFilter = { OfficialAccountBaseInfoFilter: filter };
      const res = await official('get_official_account_info', body);
      assertOk(res);
      const [item] = res.OfficialAccountInfoList as Item[];
      assert.ok(item, 'item');
      assert.equal(item.ErrorCode, 0, JSON.stringify(item));
      return item;
    }

    const subscriberNum = async (id: string) => (await baseInfo(id, ['SubscriberNum'])).SubscriberNum as number;

    async function page(id: string, limit?: number, next?: string): Promise<Envelope> {
      const body: Item = { Official_Account: id };
      if (limit !== undefined) body.Limit = limit;
      if (next !== undefined) body.Next = next;
      return official('get_subscriber_info', body);
    }

    /**
     * Pages get_subscriber_info to the end with `limit` (undefined = default), checking every page:
     * full pages until the last, a non-empty Next exactly when more follow, the total on each page,
     * and no subscriber twice.
     */
    async function allSubscribers(id: string, limit?: number): Promise<{ list: SubscriberItem[]; pages: number }> {
      const list: SubscriberItem[] = [];
      const seen = new Set<string>();
      let next = '';
      let pages = 0;
      for (;;) {
        const res = await page(id, limit, next);
        assertOk(res);
        pages++;
        assert.ok(pages < 10_000, 'paging does not end');
        const items = res.SubscriberList as SubscriberItem[];
        assert.equal(typeof res.Next, 'string');
        assert.equal(typeof res.SubscriberNum, 'number');
        for (const item of items) {
          assert.ok(!seen.has(item.Subscriber_Account), `${item.Subscriber_Account} listed twice`);
          seen.add(item.Subscriber_Account);
          list.push(item);
        }
        if (res.Next === '') break;
        assert.equal(items.length, limit ?? 200, 'every page but the last is full');
        next = res.Next as string;
      }
      return { list, pages };
    }

    const subscriberIds = async (id: string, limit?: number) =>
      (await allSubscribers(id, limit)).list.map((s) => s.Subscriber_Account);

    async function subscribedList(body: Item): Promise<Envelope> {
      return official('get_subscribed_official_account_list', body);
    }

    /** SubscriberNum equals the number of subscribers a full paging finds. */
    async function assertCountTrue(id: string, expected?: Iterable<string>): Promise<number> {
      const ids = await subscriberIds(id, 97);
      const num = await subscriberNum(id);
      assert.equal(num, ids.length, `SubscriberNum ${num} but ${ids.length} subscribers listed`);
      if (expected !== undefined) assert.deepEqual([...ids].sort(), [...expected].sort());
      return num;
    }

    before(async () => {
      herald = await startTestHerald();
      admin = herald.admin;
      await importAccounts(admin, ['owner', ...users('u', 200)]);
    });
    after(() => herald.close());

    describe('add_subscriber', () => {
      it('adds imported users (Result 1) with SubscribeTime now, empty CustomString, MsgFlag AcceptAndNotify, LastSendMsgTime 0', async () => {
        const id = await createOA();
        const t0 = nowSeconds();
        assert.deepEqual(await add(id, ['u000', 'u001', 'u002']), [1, 1, 1]);
        const t1 = nowSeconds();
        assert.equal(await subscriberNum(id), 3);
        const res = await page(id, 10, '');
        assertOk(res);
        assert.equal(res.Next, '');
        assert.equal(res.SubscriberNum, 3);
        const list = res.SubscriberList as SubscriberItem[];
        assert.deepEqual(
          list.map((s) => s.Subscriber_Account),
          ['u000', 'u001', 'u002'],
        );
        for (const s of list) {
          assert.deepEqual(Object.keys(s).sort(), [...SUBSCRIBER_FIELDS].sort());
          assert.ok(
            Number.isInteger(s.SubscribeTime) && s.SubscribeTime >= t0 && s.SubscribeTime <= t1,
            `SubscribeTime ${s.SubscribeTime} is Unix seconds of the add`,
          );
          assert.equal(s.CustomString, '');
          assert.equal(s.MsgFlag, 'AcceptAndNotify');
          assert.equal(s.LastSendMsgTime, 0);
        }
      });

      it('already subscribed → 2, not imported → 0, new → 1 in one request; SubscriberNum grows by the 1s only', async () => {
        const id = await createOA();
        assert.deepEqual(await add(id, ['u000', 'u001']), [1, 1]);
        assert.deepEqual(await add(id, ['u001', 'ghost-1', 'u002', 'u000', 'ghost-2', 'u003']), [2, 0, 1, 2, 0, 1]);
        assert.equal(await subscriberNum(id), 4);
        await assertCountTrue(id, ['u000', 'u001', 'u002', 'u003']);
        // Adding the same users again changes nothing.
        assert.deepEqual(await add(id, ['u000', 'u001', 'u002', 'u003']), [2, 2, 2, 2]);
        assert.equal(await subscriberNum(id), 4);
      });

      it('a user named twice in one request: 1 then 2, counted once', async () => {
        const id = await createOA();
        assert.deepEqual(await add(id, ['u010', 'u011', 'u010', 'u010']), [1, 1, 2, 2]);
        assert.equal(await subscriberNum(id), 2);
        await assertCountTrue(id, ['u010', 'u011']);
      });

      it('a user that failed (not imported, or past the cap) and is named again gets 0 again, not 2 ("already subscribed")', async () => {
        const id = await createOA();
        assert.deepEqual(await add(id, ['ghost-x', 'ghost-x']), [0, 0]);
        const capped = await createOA({ MaxSubscriberNum: 1 });
        assert.deepEqual(await add(capped, ['u100', 'u101', 'u101']), [1, 0, 0]);
        assert.equal(await subscriberNum(id), 0);
        assert.equal(await subscriberNum(capped), 1);
      });

      it('not-imported users get 0 and are not listed', async () => {
        const id = await createOA();
        assert.deepEqual(await add(id, ['nobody-1', 'nobody-2']), [0, 0]);
        assert.equal(await subscriberNum(id), 0);
        const res = await page(id);
        assertOk(res);
        assert.deepEqual(res.SubscriberList, []);
      });

      it('accepts items naming the user as Official_Account (doocs Java client); Subscriber_Account wins when both are present', async () => {
        const id = await createOA();
        const res = await official('add_subscriber', {
          Official_Account: id,
          SubscriberList: [
            { Official_Account: 'u020' },
            { Subscriber_Account: 'u021' },
            { Subscriber_Account: 'u022', Official_Account: 'u023' },
          ],
        });
        assertOk(res);
        // Answers always use the documented name.
        assert.deepEqual(res.SubscriberList, [
          { Subscriber_Account: 'u020', Result: 1 },
          { Subscriber_Account: 'u021', Result: 1 },
          { Subscriber_Account: 'u022', Result: 1 },
        ]);
        await assertCountTrue(id, ['u020', 'u021', 'u022']);
      });

      it('an item with neither Subscriber_Account nor Official_Account → 6017 and nobody is added', async () => {
        const id = await createOA();
        assertFail(
          await official('add_subscriber', {
            Official_Account: id,
            SubscriberList: [{ Subscriber_Account: 'u030' }, {}, { Subscriber_Account: 'u031' }],
          }),
          6017,
        );
        assertFail(
          await official('add_subscriber', {
            Official_Account: id,
            SubscriberList: [{ Subscriber_Account: 'u030' }, { Nick: 'u031' }],
          }),
          6017,
        );
        await assertCountTrue(id, []);
      });

      it('100 users in one call are fine; 101 → 6017 and nothing is added; an empty list → 6017', async () => {
        const id = await createOA();
        const results = await add(id, users('u', 100));
        assert.deepEqual(results, new Array(100).fill(1));
        assert.equal(await subscriberNum(id), 100);

        const other = await createOA();
        const res = await official('add_subscriber', {
          Official_Account: other,
          SubscriberList: users('u', 101).map((Subscriber_Account) => ({ Subscriber_Account })),
        });
        assertFail(res, 6017);
        assert.equal(res.SubscriberList, undefined);
        await assertCountTrue(other, []);
        assertFail(await official('add_subscriber', { Official_Account: other, SubscriberList: [] }), 6017);
        await assertCountTrue(other, []);
        // And the full account is untouched by the refused calls on the other one.
        assert.equal(await subscriberNum(id), 100);
      });

      it('wrong shapes → 6017 and nothing is added', async () => {
        const id = await createOA();
        const bodies: Item[] = [
          { SubscriberList: [{ Subscriber_Account: 'u040' }] },
          { Official_Account: id },
          { Official_Account: id, SubscriberList: 'u040' },
          { Official_Account: id, SubscriberList: ['u040'] },
          { Official_Account: id, SubscriberList: [{ Subscriber_Account: 40 }] },
          { Official_Account: 5, SubscriberList: [{ Subscriber_Account: 'u040' }] },
        ];
        for (const body of bodies) assertFail(await official('add_subscriber', body), 6017);
        await assertCountTrue(id, []);
      });

      it('an unknown official account → 130004', async () => {
        assertFail(
          await official('add_subscriber', {
            Official_Account: '@TOA#_no_such_account',
            SubscriberList: [{ Subscriber_Account: 'u000' }],
          }),
          130004,
        );
      });

      it('MaxSubscriberNum caps subscriptions: users past the cap get 0; already subscribed still get 2', async () => {
        const id = await createOA({ MaxSubscriberNum: 3 });
        assert.deepEqual(await add(id, ['u050', 'u051', 'u052', 'u053', 'u054']), [1, 1, 1, 0, 0]);
        assert.equal(await subscriberNum(id), 3);
        assert.deepEqual(await add(id, ['u053', 'u050']), [0, 2]);
        await assertCountTrue(id, ['u050', 'u051', 'u052']);
        // Room again after a delete: exactly one more fits.
        assert.deepEqual(await del(id, ['u051']), [1]);
        assert.deepEqual(await add(id, ['u053', 'u054']), [1, 0]);
        await assertCountTrue(id, ['u050', 'u052', 'u053']);
      });
    });

    describe('delete_subscriber', () => {
      it('SubscriberToDel_Account: 1 removed, 2 not subscribed (never, not imported, or named twice); SubscriberNum drops', async () => {
        const id = await createOA();
        await add(id, ['u060', 'u061', 'u062', 'u063']);
        assert.deepEqual(await del(id, ['u061', 'u070', 'ghost', 'u063', 'u061']), [1, 2, 2, 1, 2]);
        assert.equal(await subscriberNum(id), 2);
        await assertCountTrue(id, ['u060', 'u062']);
        assert.deepEqual(await del(id, ['u061']), [2]);
        assert.equal(await subscriberNum(id), 2);
      });

      it('accepts the SubscriberList: [{Subscriber_Account}] form; answers with the documented names', async () => {
        const id = await createOA();
        await add(id, ['u064', 'u065', 'u066']);
        const res = await official('delete_subscriber', {
          Official_Account: id,
          SubscriberList: [{ Subscriber_Account: 'u065' }, { Subscriber_Account: 'u099' }],
        });
        assertOk(res);
        assert.deepEqual(res.SubscriberList, [
          { Subscriber_Account: 'u065', Result: 1 },
          { Subscriber_Account: 'u099', Result: 2 },
        ]);
        await assertCountTrue(id, ['u064', 'u066']);
      });

      it('SubscriberToDel_Account wins when both forms are present', async () => {
        const id = await createOA();
        await add(id, ['u067', 'u068']);
        const res = await official('delete_subscriber', {
          Official_Account: id,
          SubscriberToDel_Account: ['u067'],
          SubscriberList: [{ Subscriber_Account: 'u068' }],
        });
        assertOk(res);
        assert.deepEqual(res.SubscriberList, [{ Subscriber_Account: 'u067', Result: 1 }]);
        await assertCountTrue(id, ['u068']);
      });

      it('100 users are fine; 101 → 6017 and nobody is removed; empty or missing list → 6017', async () => {
        const id = await createOA();
        await add(id, users('u', 100));
        const res = await official('delete_subscriber', {
          Official_Account: id,
          SubscriberToDel_Account: users('u', 101),
        });
        assertFail(res, 6017);
        assert.equal(await assertCountTrue(id), 100);
        const res2 = await official('delete_subscriber', {
          Official_Account: id,
          SubscriberList: users('u', 101).map((Subscriber_Account) => ({ Subscriber_Account })),
        });
        assertFail(res2, 6017);
        assert.equal(await assertCountTrue(id), 100);
        assertFail(await official('delete_subscriber', { Official_Account: id, SubscriberToDel_Account: [] }), 6017);
        assertFail(await official('delete_subscriber', { Official_Account: id, SubscriberList: [] }), 6017);
        assertFail(await official('delete_subscriber', { Official_Account: id }), 6017);
        assertFail(
          await official('delete_subscriber', { Official_Account: id, SubscriberToDel_Account: 'u000' }),
          6017,
        );
        assertFail(await official('delete_subscriber', { Official_Account: id, SubscriberToDel_Account: [5] }), 6017);
        assertFail(await official('delete_subscriber', { Official_Account: id, SubscriberList: [{}] }), 6017);
        assert.equal(await assertCountTrue(id), 100);
        assert.deepEqual(await del(id, users('u', 100)), new Array(100).fill(1));
        assert.equal(await assertCountTrue(id), 0);
      });

      it('an unknown official account → 130004', async () => {
        assertFail(
          await official('delete_subscriber', {
            Official_Account: '@TOA#_no_such_account',
            SubscriberToDel_Account: ['u000'],
          }),
          130004,
        );
      });

      it('a removed user can subscribe again: a fresh subscription (Result 1, CustomString reset, listed last)', async () => {
        const id = await createOA();
        await add(id, ['u071', 'u072', 'u073']);
        assertOk(
          await official('modify_subscriber_info', {
            Official_Account: id,
            Subscriber_Account: 'u071',
            CustomString: 'old data',
          }),
        );
        assert.deepEqual(await del(id, ['u071']), [1]);
        assert.deepEqual(await add(id, ['u071']), [1]);
        const { list } = await allSubscribers(id);
        assert.deepEqual(
          list.map((s) => s.Subscriber_Account),
          ['u072', 'u073', 'u071'],
        );
        assert.equal(list[2]?.CustomString, '');
        assert.equal(await subscriberNum(id), 3);
      });
    });

    describe('modify_subscriber_info', () => {
      async function subscriber(id: string, userId: string): Promise<SubscriberItem | undefined> {
        return (await allSubscribers(id)).list.find((s) => s.Subscriber_Account === userId);
      }

      async function selfInfo(userId: string, id: string): Promise<Item | undefined> {
        const res = await subscribedList({ Subscriber_Account: userId });
        assertOk(res);
        const item = (res.OfficialAccountInfoList as Item[]).find((i) => i.Official_Account === id);
        return item?.SelfInfo as Item | undefined;
      }

      it('sets the CustomString of one subscription, visible in get_subscriber_info and in SelfInfo; nothing else changes', async () => {
        const a = await createOA();
        const b = await createOA();
        await add(a, ['u080', 'u081']);
        await add(b, ['u080']);
        const before = await subscriber(a, 'u080');
        const res = await official('modify_subscriber_info', {
          Official_Account: a,
          Subscriber_Account: 'u080',
          CustomString: 'vip level 3',
        });
        assertOk(res);
        assert.deepEqual(Object.keys(res).sort(), ['ActionStatus', 'ErrorCode', 'ErrorInfo'], 'envelope only');
        const after = await subscriber(a, 'u080');
        assert.deepEqual(after, { ...before, CustomString: 'vip level 3' });
        assert.equal((await subscriber(a, 'u081'))?.CustomString, '');
        assert.equal((await subscriber(b, 'u080'))?.CustomString, '', 'the same user on another account is untouched');
        assert.deepEqual(await selfInfo('u080', a), {
          SubscribeTime: before?.SubscribeTime,
          CustomString: 'vip level 3',
        });
        assert.deepEqual(await selfInfo('u080', b), {
          SubscribeTime: (await subscriber(b, 'u080'))?.SubscribeTime,
          CustomString: '',
        });

        // Overwrite, then clear with "".
        assertOk(
          await official('modify_subscriber_info', {
            Official_Account: a,
            Subscriber_Account: 'u080',
            CustomString: '第二',
          }),
        );
        assert.equal((await subscriber(a, 'u080'))?.CustomString, '第二');
        assertOk(
          await official('modify_subscriber_info', {
            Official_Account: a,
            Subscriber_Account: 'u080',
            CustomString: '',
          }),
        );
        assert.equal((await subscriber(a, 'u080'))?.CustomString, '');
        assert.equal(await subscriberNum(a), 2);
      });

      const edges: [string, string, string][] = [
        ['ASCII', 'a'.repeat(3000), 'a'.repeat(3001)],
        ['CJK', CJK.repeat(1000), `${CJK.repeat(1000)}a`],
        ['CJK + ASCII', `${CJK.repeat(999)}abc`, `${CJK.repeat(999)}abcd`],
        ['ASCII ending in a CJK character that crosses the limit', 'a'.repeat(2997) + CJK, 'a'.repeat(2998) + CJK],
        ['emoji', EMOJI.repeat(750), `${EMOJI.repeat(750)}a`],
        ['emoji + CJK', `${EMOJI.repeat(749)}abcd`, `${EMOJI.repeat(749) + CJK}ab`],
        ['ASCII ending in an emoji that crosses the limit', 'a'.repeat(2996) + EMOJI, 'a'.repeat(2997) + EMOJI],
      ];
      for (const [label, atLimit, over] of edges) {
        it(`CustomString of 3000 bytes (${label}) is stored; ${Buffer.byteLength(over)} bytes → 6017 and the old value stays`, async () => {
          assert.equal(Buffer.byteLength(atLimit), 3000);
          assert.equal(Buffer.byteLength(over), 3001);
          const id = await createOA();
          await add(id, ['u082']);
          assertOk(
            await official('modify_subscriber_info', {
              Official_Account: id,
              Subscriber_Account: 'u082',
              CustomString: atLimit,
            }),
          );
          assert.equal((await subscriber(id, 'u082'))?.CustomString, atLimit);
          const res = await official('modify_subscriber_info', {
            Official_Account: id,
            Subscriber_Account: 'u082',
            CustomString: over,
          });
          assertFail(res, 6017);
          assert.equal((await subscriber(id, 'u082'))?.CustomString, atLimit);
          assert.deepEqual(await selfInfo('u082', id).then((s) => s?.CustomString), atLimit);
        });
      }

      it('CustomString is required and must be a string → 6017', async () => {
        const id = await createOA();
        await add(id, ['u083']);
        assertOk(
          await official('modify_subscriber_info', {
            Official_Account: id,
            Subscriber_Account: 'u083',
            CustomString: 'keep',
          }),
        );
        for (const body of [
          { Official_Account: id, Subscriber_Account: 'u083' },
          { Official_Account: id, Subscriber_Account: 'u083', CustomString: 5 },
          { Official_Account: id, Subscriber_Account: 'u083', CustomString: null },
          { Official_Account: id, CustomString: 'x' },
          { Subscriber_Account: 'u083', CustomString: 'x' },
        ]) {
          assertFail(await official('modify_subscriber_info', body), 6017);
        }
        assert.equal((await subscriber(id, 'u083'))?.CustomString, 'keep');
      });

      it('a user who is not a subscriber → 130002 (imported or not; also after unsubscribing)', async () => {
        const id = await createOA();
        await add(id, ['u084']);
        assertFail(
          await official('modify_subscriber_info', {
            Official_Account: id,
            Subscriber_Account: 'u085',
            CustomString: 'x',
          }),
          130002,
        );
        assertFail(
          await official('modify_subscriber_info', {
            Official_Account: id,
            Subscriber_Account: 'ghost',
            CustomString: 'x',
          }),
          130002,
        );
        await del(id, ['u084']);
        assertFail(
          await official('modify_subscriber_info', {
            Official_Account: id,
            Subscriber_Account: 'u084',
            CustomString: 'x',
          }),
          130002,
        );
        await assertCountTrue(id, []);
      });

      it('an unknown official account → 130004', async () => {
        assertFail(
          await official('modify_subscriber_info', {
            Official_Account: '@TOA#_no_such_account',
            Subscriber_Account: 'u000',
            CustomString: 'x',
          }),
          130004,
        );
      });
    });

    describe('get_subscriber_info', () => {
      let big: string;
      let bigUsers: string[];

      before(async () => {
        // 450 subscribers, added in a shuffled order so "subscription order" is not "name order".
        bigUsers = pick(prng(7), users('big', 450), 450);
        await importAccounts(admin, bigUsers);
        big = await createOA();
        for (let i = 0; i < bigUsers.length; i += 100) {
          assert.deepEqual(
            await add(big, bigUsers.slice(i, i + 100)),
            new Array(Math.min(100, bigUsers.length - i)).fill(1),
          );
        }
      });

      it('450 subscribers with Limit 200: pages of 200, 200, 50, in subscription order, SubscriberNum 450 on every page', async () => {
        const pages: Envelope[] = [];
        let next = '';
        do {
          const res = await page(big, 200, next);
          assertOk(res);
          assert.equal(res.SubscriberNum, 450);
          pages.push(res);
          next = res.Next as string;
        } while (next !== '' && pages.length < 10);
        assert.deepEqual(
          pages.map((p) => (p.SubscriberList as unknown[]).length),
          [200, 200, 50],
        );
        assert.notEqual(pages[0]?.Next, '');
        assert.notEqual(pages[1]?.Next, '');
        assert.equal(pages[2]?.Next, '');
        const listed = pages.flatMap((p) => (p.SubscriberList as SubscriberItem[]).map((s) => s.Subscriber_Account));
        assert.deepEqual(listed, bigUsers);
      });

      it('450 subscribers with Limit 7: 65 pages, no duplicates, no gaps, same order', async () => {
        const { list, pages } = await allSubscribers(big, 7);
        assert.equal(pages, 65);
        assert.deepEqual(
          list.map((s) => s.Subscriber_Account),
          bigUsers,
        );
      });

      it('Limit missing → pages of 200; Next missing → first page', async () => {
        const first = await official('get_subscriber_info', { Official_Account: big });
        assertOk(first);
        assert.equal((first.SubscriberList as unknown[]).length, 200);
        const { list, pages } = await allSubscribers(big);
        assert.equal(pages, 3);
        assert.deepEqual(
          list.map((s) => s.Subscriber_Account),
          bigUsers,
        );
      });

      it('a Limit that divides the total exactly ends with Next "" on the last full page (no empty extra page)', async () => {
        const { list, pages } = await allSubscribers(big, 150);
        assert.equal(pages, 3);
        assert.equal(list.length, 450);
        const { pages: p90 } = await allSubscribers(big, 90);
        assert.equal(p90, 5);
      });

      it('the same cursor gives the same page again (pages are repeatable)', async () => {
        const first = await page(big, 50, '');
        const second = await page(big, 50, first.Next as string);
        const again = await page(big, 50, first.Next as string);
        assertOk(second);
        assert.deepEqual(again.SubscriberList, second.SubscriberList);
        assert.equal(again.Next, second.Next);
      });

      it('Limit 1 and 200 are accepted; 0, 201, -1, 1.5 and "10" → 6017', async () => {
        const one = await page(big, 1, '');
        assertOk(one);
        assert.equal((one.SubscriberList as unknown[]).length, 1);
        assertOk(await page(big, 200, ''));
        for (const limit of [0, 201, -1, 1000]) assertFail(await page(big, limit, ''), 6017);
        assertFail(await official('get_subscriber_info', { Official_Account: big, Limit: 1.5, Next: '' }), 6017);
        assertFail(await official('get_subscriber_info', { Official_Account: big, Limit: '10', Next: '' }), 6017);
      });

      it('a cursor it did not issue → 6017', async () => {
        const real = (await page(big, 10, '')).Next as string;
        assert.notEqual(real, '');
        for (const garbage of [
          'garbage',
          'TGSOTk=',
          '!!!',
          '%%',
          ' ',
          `${real}=`,
          Buffer.from('s-1').toString('base64url'),
          Buffer.from('x12').toString('base64url'),
          Buffer.from('s1e3').toString('base64url'),
        ]) {
          assertFail(await page(big, 10, garbage), 6017);
        }
        assertFail(await official('get_subscriber_info', { Official_Account: big, Next: 5 }), 6017);
      });

      it('an account with no subscribers: empty list, Next "", SubscriberNum 0', async () => {
        const id = await createOA();
        const res = await page(id, 10, '');
        assertOk(res);
        assert.deepEqual(res.SubscriberList, []);
        assert.equal(res.Next, '');
        assert.equal(res.SubscriberNum, 0);
      });

      it('an unknown official account → 130004; a missing Official_Account → 6017', async () => {
        assertFail(await page('@TOA#_no_such_account', 10, ''), 130004);
        assertFail(await official('get_subscriber_info', { Limit: 10, Next: '' }), 6017);
      });

      it('every subscriber exactly once while others subscribe and unsubscribe between page fetches', async () => {
        const base = users('ch', 300);
        const newcomers = users('nw', 120);
        await importAccounts(admin, [...base, ...newcomers]);
        const id = await createOA();
        for (let i = 0; i < base.length; i += 100) await add(id, base.slice(i, i + 100));

        const rand = prng(42);
        const listed: string[] = [];
        const seen = new Set<string>();
        const removedUnseen = new Set<string>();
        const removedSeen = new Set<string>();
        const current = new Set(base);
        let newIndex = 0;
        let next = '';
        let pages = 0;
        for (;;) {
          const res = await page(id, 40, next);
          assertOk(res);
          pages++;
          assert.ok(pages < 100, 'pages < 100');
          for (const s of res.SubscriberList as SubscriberItem[]) {
            assert.ok(!seen.has(s.Subscriber_Account), `${s.Subscriber_Account} seen twice`);
            assert.ok(
              !removedUnseen.has(s.Subscriber_Account),
              `${s.Subscriber_Account} was unsubscribed before the cursor reached it`,
            );
            seen.add(s.Subscriber_Account);
            listed.push(s.Subscriber_Account);
          }
          if (res.Next === '') break;
          next = res.Next as string;
          // Churn between page fetches: newcomers subscribe, some unseen and some seen users leave.
          if (newIndex < newcomers.length) {
            const batch = newcomers.slice(newIndex, newIndex + 10);
            newIndex += batch.length;
            assert.deepEqual(
              await add(id, batch),
              batch.map(() => 1),
            );
            for (const u of batch) current.add(u);
          }
          const unseen = base.filter((u) => current.has(u) && !seen.has(u));
          const leaveUnseen = pick(rand, unseen, 3);
          const leaveSeen = pick(
            rand,
            [...current].filter((u) => seen.has(u)),
            2,
          );
          const leaving = [...leaveUnseen, ...leaveSeen];
          if (leaving.length > 0)
            assert.deepEqual(
              await del(id, leaving),
              leaving.map(() => 1),
            );
          for (const u of leaveUnseen) removedUnseen.add(u);
          for (const u of leaveSeen) removedSeen.add(u);
          for (const u of leaving) current.delete(u);
        }

        // Everybody subscribed throughout was listed exactly once.
        for (const u of base) {
          if (!removedUnseen.has(u) && !removedSeen.has(u))
            assert.ok(seen.has(u), `${u} was subscribed throughout but never listed`);
        }
        // Newcomers (subscribed after the paging began) only ever come after every original subscriber.
        const firstNewcomer = listed.findIndex((u) => u.startsWith('nw'));
        if (firstNewcomer >= 0)
          assert.ok(
            listed.slice(firstNewcomer).every((u) => u.startsWith('nw')),
            'newcomers are appended at the end',
          );
        assert.ok(removedUnseen.size > 0 && removedSeen.size > 0, 'the scenario did churn');
        // The count is right after all that.
        await assertCountTrue(id, current);
      });
    });

    describe('get_subscribed_official_account_list', () => {
      it('lists every account a user subscribes to with all base fields and SelfInfo; TotalCount, CompleteFlag 1, Next', async () => {
        await importAccounts(admin, ['fan1']);
        const a = await createOA({
          Name: 'Alpha',
          Introduction: 'intro A',
          FaceUrl: 'http://a/face.png',
          Organization: 'Org A',
          CustomString: 'cs A',
        });
        const b = await createOA({ Name: 'Beta' });
        const c = await createOA({ Name: 'Gamma' });
        await add(a, ['fan1', 'u090']);
        await add(b, ['fan1']);
        await add(c, ['u091']);
        assertOk(
          await official('modify_subscriber_info', {
            Official_Account: a,
            Subscriber_Account: 'fan1',
            CustomString: 'mine',
          }),
        );

        const res = await subscribedList({ Subscriber_Account: 'fan1' });
        assertOk(res);
        assert.equal(res.TotalCount, 2);
        assert.equal(res.CompleteFlag, 1);
        assert.equal(res.Next, 2);
        // Ordered by subscribe time; a and b were subscribed within the same second, so either order.
        const list = (res.OfficialAccountInfoList as Item[]).sort((x, y) =>
          x.Official_Account === a ? -1 : y.Official_Account === a ? 1 : 0,
        );
        assert.deepEqual(
          list.map((i) => i.Official_Account),
          [a, b],
        );
        for (const item of list) {
          assert.deepEqual(Object.keys(item).sort(), ['Official_Account', 'SelfInfo', ...BASE_FIELDS].sort());
          assert.deepEqual(Object.keys(item.SelfInfo as Item).sort(), ['CustomString', 'SubscribeTime']);
        }
        const alpha = list[0] as Item;
        const info = await baseInfo(a);
        for (const field of BASE_FIELDS) assert.deepEqual(alpha[field], info[field], field);
        assert.equal(alpha.Name, 'Alpha');
        assert.equal(alpha.Owner_Account, 'owner');
        assert.equal(alpha.SubscriberNum, 2);
        assert.equal(alpha.Introduction, 'intro A');
        assert.equal(alpha.FaceUrl, 'http://a/face.png');
        assert.equal(alpha.Organization, 'Org A');
        assert.equal(alpha.CustomString, 'cs A');
        assert.equal((alpha.SelfInfo as Item).CustomString, 'mine');
        assert.equal((list[1]?.SelfInfo as Item | undefined)?.CustomString, '');
        const subA = (await allSubscribers(a)).list.find((s) => s.Subscriber_Account === 'fan1');
        assert.equal((alpha.SelfInfo as Item).SubscribeTime, subA?.SubscribeTime);
      });

      it('ResponseFilter: OfficialAccountBaseInfoFilter picks account fields, SelfInfoFilter picks SubscribeTime / CustomString', async () => {
        await importAccounts(admin, ['fan2']);
        const a = await createOA({ Name: 'Filtered', Organization: 'O' });
        await add(a, ['fan2']);
        assertOk(
          await official('modify_subscriber_info', {
            Official_Account: a,
            Subscriber_Account: 'fan2',
            CustomString: 'self',
          }),
        );

        const only = async (filter: Item) => {
          const res = await subscribedList({ Subscriber_Account: 'fan2', ResponseFilter: filter });
          assertOk(res);
          const [item] = res.OfficialAccountInfoList as Item[];
          assert.ok(item, 'item');
          return item;
        };
        const named = await only({ OfficialAccountBaseInfoFilter: ['Name', 'Organization'] });
        assert.deepEqual(Object.keys(named).sort(), ['Name', 'Official_Account', 'Organization', 'SelfInfo']);
        assert.equal(named.Name, 'Filtered');
        assert.deepEqual(
          Object.keys(named.SelfInfo as Item).sort(),
          ['CustomString', 'SubscribeTime'],
          'no SelfInfoFilter → all self fields',
        );

        const selfCs = await only({ SelfInfoFilter: ['CustomString'] });
        assert.deepEqual(selfCs.SelfInfo, { CustomString: 'self' });
        assert.deepEqual(
          Object.keys(selfCs).sort(),
          ['Official_Account', 'SelfInfo', ...BASE_FIELDS].sort(),
          'no base filter → all base fields',
        );

        const selfTime = await only({
          OfficialAccountBaseInfoFilter: ['SubscriberNum'],
          SelfInfoFilter: ['SubscribeTime'],
        });
        assert.deepEqual(Object.keys(selfTime).sort(), ['Official_Account', 'SelfInfo', 'SubscriberNum']);
        assert.deepEqual(Object.keys(selfTime.SelfInfo as Item), ['SubscribeTime']);
        assert.equal(typeof (selfTime.SelfInfo as Item).SubscribeTime, 'number');

        const all = await only({
          OfficialAccountBaseInfoFilter: BASE_FIELDS,
          SelfInfoFilter: ['SubscribeTime', 'CustomString'],
        });
        assert.deepEqual(Object.keys(all).sort(), ['Official_Account', 'SelfInfo', ...BASE_FIELDS].sort());
        assert.deepEqual(all.SelfInfo, {
          SubscribeTime: (selfTime.SelfInfo as Item).SubscribeTime,
          CustomString: 'self',
        });
      });

      it('a user with no subscriptions: empty list, TotalCount 0, CompleteFlag 1, Next 0', async () => {
        await importAccounts(admin, ['loner']);
        const res = await subscribedList({ Subscriber_Account: 'loner' });
        assertOk(res);
        assert.deepEqual(res.OfficialAccountInfoList, []);
        assert.equal(res.TotalCount, 0);
        assert.equal(res.CompleteFlag, 1);
        assert.equal(res.Next, 0);
      });

      it('Limit 1..200 (0, 201 → 6017), Offset ≥ 0 (-1 → 6017), Subscriber_Account required', async () => {
        await importAccounts(admin, ['fan3']);
        const a = await createOA();
        await add(a, ['fan3']);
        assertOk(await subscribedList({ Subscriber_Account: 'fan3', Limit: 1 }));
        assertOk(await subscribedList({ Subscriber_Account: 'fan3', Limit: 200 }));
        assertFail(await subscribedList({ Subscriber_Account: 'fan3', Limit: 0 }), 6017);
        assertFail(await subscribedList({ Subscriber_Account: 'fan3', Limit: 201 }), 6017);
        assertFail(await subscribedList({ Subscriber_Account: 'fan3', Limit: '5' }), 6017);
        assertFail(await subscribedList({ Subscriber_Account: 'fan3', Offset: -1 }), 6017);
        assertFail(await subscribedList({ Subscriber_Account: 'fan3', Offset: 1.5 }), 6017);
        assertFail(await subscribedList({ Limit: 10 }), 6017);
        assertFail(await subscribedList({ Subscriber_Account: 5 }), 6017);
      });

      describe('one user subscribed to 230 accounts', () => {
        let ids: string[];
        before(async () => {
          await importAccounts(admin, ['fan230']);
          ids = [];
          for (let i = 0; i < 230; i += 23) {
            const batch = await Promise.all(Array.from({ length: 23 }, () => createOA()));
            ids.push(...batch);
          }
          for (const id of ids) assert.deepEqual(await add(id, ['fan230']), [1]);
        });

        async function offsetPages(limit: number | undefined): Promise<{ items: Item[]; pages: number }> {
          const items: Item[] = [];
          let offset = 0;
          let pages = 0;
          for (;;) {
            const body: Item = { Subscriber_Account: 'fan230' };
            if (pages > 0 || limit !== undefined) body.Offset = offset;
            if (limit !== undefined) body.Limit = limit;
            const res = await subscribedList(body);
            assertOk(res);
            pages++;
            assert.ok(pages < 1000, 'pages < 1000');
            const list = res.OfficialAccountInfoList as Item[];
            assert.equal(res.TotalCount, 230);
            assert.equal(res.Next, offset + list.length, 'Next = Offset + returned count');
            items.push(...list);
            if (res.CompleteFlag === 1) {
              assert.equal(res.Next, 230);
              break;
            }
            assert.equal(res.CompleteFlag, 0);
            assert.equal(list.length, limit ?? 200, 'a page with more to come is full');
            offset = res.Next as number;
          }
          return { items, pages };
        }

        function assertExactlyAll(items: Item[]): void {
          const listed = items.map((i) => i.Official_Account as string);
          assert.equal(new Set(listed).size, listed.length, 'no account twice');
          assert.deepEqual([...listed].sort(), [...ids].sort(), 'every account, no gaps');
          const times = items.map((i) => (i.SelfInfo as Item).SubscribeTime as number);
          for (let k = 1; k < times.length; k++)
            assert.ok((times[k] as number) >= (times[k - 1] as number), 'ordered by subscribe time');
        }

        it('default Offset/Limit: the first page has 200, CompleteFlag 0, Next 200; the second 30, CompleteFlag 1', async () => {
          const first = await subscribedList({ Subscriber_Account: 'fan230' });
          assertOk(first);
          assert.equal((first.OfficialAccountInfoList as unknown[]).length, 200);
          assert.equal(first.CompleteFlag, 0);
          assert.equal(first.Next, 200);
          assert.equal(first.TotalCount, 230);
          const { items, pages } = await offsetPages(undefined);
          assert.equal(pages, 2);
          assertExactlyAll(items);
        });

        it('Limit 200 and Limit 7 page through all 230 with no duplicates or gaps, in the same order', async () => {
          const a = await offsetPages(200);
          assert.equal(a.pages, 2);
          assertExactlyAll(a.items);
          const b = await offsetPages(7);
          assert.equal(b.pages, 33);
          assertExactlyAll(b.items);
          assert.deepEqual(
            b.items.map((i) => i.Official_Account),
            a.items.map((i) => i.Official_Account),
          );
        });

        it('an Offset at or past the end → empty page, CompleteFlag 1', async () => {
          for (const offset of [230, 500]) {
            const res = await subscribedList({ Subscriber_Account: 'fan230', Offset: offset, Limit: 10 });
            assertOk(res);
            assert.deepEqual(res.OfficialAccountInfoList, []);
            assert.equal(res.TotalCount, 230);
            assert.equal(res.CompleteFlag, 1);
          }
          const last = await subscribedList({ Subscriber_Account: 'fan230', Offset: 229, Limit: 10 });
          assert.equal((last.OfficialAccountInfoList as unknown[]).length, 1);
          assert.equal(last.CompleteFlag, 1);
          assert.equal(last.Next, 230);
        });
      });
    });

    describe('SubscriberNum is always the real number of subscriptions', () => {
      it('after a long mix of adds, deletes, account deletes and re-imports (model-checked)', async () => {
        const pool = users('mx', 80);
        await importAccounts(admin, pool);
        const accounts = [await createOA(), await createOA({ MaxSubscriberNum: 25 }), await createOA()];
        const caps = [Infinity, 25, Infinity];
        const model = accounts.map(() => new Set<string>());
        const imported = new Set(pool);
        const rand = prng(2024);

        for (let step = 0; step < 60; step++) {
          const k = Math.floor(rand() * accounts.length);
          const id = accounts[k] as string;
          const subs = model[k] as Set<string>;
          const op = rand();
          if (op < 0.5) {
            const batch = pick(rand, pool, 1 + Math.floor(rand() * 30));
            const results = await add(id, batch);
            batch.forEach((u, i) => {
              const expected = subs.has(u) ? 2 : !imported.has(u) || subs.size >= (caps[k] as number) ? 0 : 1;
              assert.equal(results[i], expected, `step ${step}: add ${u} → ${results[i]}, expected ${expected}`);
              if (expected === 1) subs.add(u);
            });
          } else if (op < 0.85) {
            const batch = pick(rand, pool, 1 + Math.floor(rand() * 30));
            const results = await del(id, batch);
            batch.forEach((u, i) => {
              assert.equal(results[i], subs.has(u) ? 1 : 2, `step ${step}: delete ${u}`);
              subs.delete(u);
            });
          } else {
            const gone = pick(rand, [...imported], 1 + Math.floor(rand() * 5));
            const res = await admin.account('account_delete', { DeleteItem: gone.map((UserID) => ({ UserID })) });
            assertOk(res);
            for (const u of gone) {
              imported.delete(u);
              for (const s of model) s.delete(u);
            }
            // Some come back as fresh accounts (not subscribed to anything).
            const back = gone.filter(() => rand() < 0.5);
            if (back.length > 0) {
              await importAccounts(admin, back);
              for (const u of back) imported.add(u);
            }
          }
          if (step % 6 === 5) {
            for (let j = 0; j < accounts.length; j++)
              await assertCountTrue(accounts[j] as string, model[j] as Set<string>);
          }
        }
        for (let j = 0; j < accounts.length; j++) await assertCountTrue(accounts[j] as string, model[j] as Set<string>);
        // And per user, get_subscribed_official_account_list agrees with the model.
        for (const u of pool.slice(0, 20)) {
          const res = await subscribedList({ Subscriber_Account: u });
          assertOk(res);
          const expected = accounts.filter((_, j) => (model[j] as Set<string>).has(u));
          assert.equal(res.TotalCount, expected.length, u);
          assert.deepEqual(
            (res.OfficialAccountInfoList as Item[]).map((i) => i.Official_Account).sort(),
            [...expected].sort(),
            u,
          );
        }
      });

      it('concurrent add_subscriber batches with overlapping users: each user added once, count exact', async () => {
        const pool = users('cc', 200);
        await importAccounts(admin, pool);
        const id = await createOA();
        // 24 batches of 60 users, each starting 17 users after the previous one (wrapping).
        const batches = Array.from({ length: 24 }, (_, b) =>
          Array.from({ length: 60 }, (_, i) => pool[(b * 17 + i) % pool.length] as string),
        );
        const all = await Promise.all(batches.map((batch) => add(id, batch)));
        const addedBy = new Map<string, number>();
        for (const [b, results] of all.entries()) {
          for (const [i, r] of results.entries()) {
            const u = batches[b]?.[i] as string;
            assert.ok(r === 1 || r === 2, `${u}: ${r}`);
            if (r === 1) addedBy.set(u, (addedBy.get(u) ?? 0) + 1);
          }
        }
        const distinct = new Set(batches.flat());
        assert.equal(addedBy.size, distinct.size, 'every user was added by some call');
        assert.ok(
          [...addedBy.values()].every((n) => n === 1),
          'no user was added twice',
        );
        assert.equal(await assertCountTrue(id, distinct), distinct.size);
      });

      it('concurrent add_subscriber batches never exceed MaxSubscriberNum', async () => {
        const pool = users('cap', 200);
        await importAccounts(admin, pool);
        const id = await createOA({ MaxSubscriberNum: 120 });
        const batches = Array.from({ length: 20 }, (_, b) =>
          Array.from({ length: 50 }, (_, i) => pool[(b * 23 + i) % pool.length] as string),
        );
        const all = await Promise.all(batches.map((batch) => add(id, batch)));
        const added = all.flat().filter((r) => r === 1).length;
        const addedUsers = new Set<string>();
        for (const [b, results] of all.entries()) {
          for (const [i, r] of results.entries()) {
            if (r !== 1) continue;
            const u = batches[b]?.[i] as string;
            assert.ok(!addedUsers.has(u), `${u} added twice`);
            addedUsers.add(u);
          }
        }
        assert.equal(added, 120, 'exactly the cap is filled (more distinct users than room)');
        assert.equal(await assertCountTrue(id, addedUsers), 120);
        // Full: one more concurrent wave adds nobody.
        const more = await Promise.all(batches.slice(0, 5).map((batch) => add(id, batch)));
        assert.ok(
          more.flat().every((r) => r === 0 || r === 2),
          'more.flat().every((r) => r === 0 || r === 2)',
        );
        assert.equal(await subscriberNum(id), 120);
      });

      it('concurrent adds and deletes: SubscriberNum = real count = sum of 1s added − sum of 1s removed', async () => {
        const pool = users('ad', 150);
        await importAccounts(admin, pool);
        const id = await createOA();
        await add(id, pool.slice(0, 75));
        const rand = prng(99);
        const calls: Promise<{ kind: 'add' | 'del'; results: number[] }>[] = [];
        for (let i = 0; i < 30; i++) {
          const batch = pick(rand, pool, 40);
          if (i % 2 === 0) calls.push(add(id, batch).then((results) => ({ kind: 'add', results })));
          else calls.push(del(id, batch).then((results) => ({ kind: 'del', results })));
        }
        const outcomes = await Promise.all(calls);
        let expected = 75;
        for (const o of outcomes) expected += (o.kind === 'add' ? 1 : -1) * o.results.filter((r) => r === 1).length;
        assert.equal(await assertCountTrue(id), expected);
      });
    });
  });
}
