/**
 * official_account_msg_get_simple and official_account_msg_recall over real HTTP
 * (official-accounts.md §4.11, §4.12, §5.2–5.4): paging newest-first by LastMsgKey, IsFinished,
 * item fields, recalled placeholders, recall per-key results and limits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, startTestHerald, stores, type Client, type Envelope, type TestHerald } from './helpers/harness.ts';
import { assertFail as failWith, assertOk } from './helpers/assertions.ts';

type Json = Record<string, unknown>;

const MSG_KEY = /^(\d+)_1_(\d+)$/;

/** A refused history or recall call carries no list. */
const assertFail = (res: Envelope, code: number, info?: RegExp | string) =>
  failWith(res, code, { info, absent: ['RspMsgList', 'RecallRetList'] });

function text(t: string): Json[] {
  return [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
}

interface Sent {
  key: string;
  seq: number;
  time: number;
  random: number;
  body: Json[];
  cloudCustomData?: string;
}

interface Page {
  items: Json[];
  isFinished: number;
  lastMsgKey: string;
  res: Envelope;
}

let randomCounter = 5000;

class Fixture {
  constructor(readonly herald: TestHerald) {}

  get admin(): Client {
    return this.herald.admin;
  }

  async createAccount(name = 'History'): Promise<string> {
    const res = await this.admin.official('create_official_account', { Owner_Account: ADMIN, Name: name });
    assertOk(res);
    return res.OfficialAccountUserID as string;
  }

  /** Sends `count` text messages one after another (Seq order = send order). */
  async sendMany(account: string, count: number, prefix = 'm', withCcdEvery = 0): Promise<Sent[]> {
    const sent: Sent[] = [];
    for (let i = 0; i < count; i++) {
      const random = ++randomCounter;
      const body = text(`${prefix} ${i}`);
      const cloudCustomData = withCcdEvery > 0 && i % withCcdEvery === 0 ? `ccd ${i}` : undefined;
      const res = await this.admin.official('send_official_account_msg', {
        Official_Account: account,
        Random: random,
        MsgBody: body,
        ...(cloudCustomData !== undefined && { CloudCustomData: cloudCustomData }),
      });
      assertOk(res);
      const m = MSG_KEY.exec(res.MsgKey as string);
      assert.ok(m, String(res.MsgKey));
      sent.push({
        key: res.MsgKey as string,
        seq: Number(m[1]),
        time: res.MsgTime as number,
        random,
        body,
        ...(cloudCustomData !== undefined && { cloudCustomData }),
      });
    }
    return sent;
  }

  get(body: Json): Promise<Envelope> {
    return this.admin.official('official_account_msg_get_simple', body);
  }

  async page(account: string, reqMsgNumber: number, lastMsgKey?: string, withRecalled?: boolean): Promise<Page> {
    const res = await this.get({
      Official_Account: account,
      ReqMsgNumber: reqMsgNumber,
      ...(lastMsgKey !== undefined && { LastMsgKey: lastMsgKey }),
      ...(withRecalled && { WithRecalledMsg: 1 }),
    });
    assertOk(res);
    assert.equal(res.Official_Account, account, 'Official_Account is echoed');
    assert.ok(Array.isArray(res.RspMsgList), 'Array.isArray(res.RspMsgList)');
    assert.equal(typeof res.LastMsgKey, 'string');
    const items = res.RspMsgList as Json[];
    assert.equal(
      res.LastMsgKey,
      items.at(-1)?.MsgKey ?? '',
      'LastMsgKey is the oldest item on the page ("" when empty)',
    );
    return { items, isFinished: res.IsFinished as number, lastMsgKey: res.LastMsgKey as string, res };
  }

  /** Walks every page of `size`; returns the pages. Fails if it does not finish. */
  async walk(account: string, size: number, withRecalled = false): Promise<Page[]> {
    const pages: Page[] = [];
    let last: string | undefined;
    for (let guard = 0; guard < 500; guard++) {
      const page = await this.page(account, size, last, withRecalled);
      pages.push(page);
      if (page.isFinished === 2) return pages;
      last = page.lastMsgKey;
    }
    throw new Error('paging did not finish');
  }

  recall(account: string, keys: unknown, reason?: unknown): Promise<Envelope> {
    return this.admin.official('official_account_msg_recall', {
      Official_Account: account,
      MsgKeyList: keys,
      ...(reason !== undefined && { Reason: reason }),
    });
  }

  async recallOk(account: string, keys: string[], reason?: string): Promise<Json[]> {
    const res = await this.recall(account, keys, reason);
    assertOk(res);
    const list = res.RecallRetList as Json[];
    assert.equal(list.length, keys.length, 'one RecallRetList item per key');
    assert.deepEqual(
      list.map((r) => r.MsgKey),
      keys,
      'items follow MsgKeyList order',
    );
    return list;
  }

  async lastMsgTime(account: string): Promise<number> {
    const res = await this.admin.official('get_official_account_info', {
      OfficialAccountIdList: [{ Official_Account: account }],
    });
    assertOk(res);
    return (res.OfficialAccountInfoList as Json[])[0]?.LastMsgTime as number;
  }
}

/** The item history must show for a message that was not recalled. */
function expectedItem(account: string, s: Sent): Json {
  return {
    From_Account: account,
    IsPlaceMsg: 0,
    IsSystemMsg: 0,
    MsgBody: s.body,
    MsgKey: s.key,
    MsgSeq: s.seq,
    MsgRandom: s.random,
    MsgTimeStamp: s.time,
    ...(s.cloudCustomData !== undefined && { CloudCustomData: s.cloudCustomData }),
  };
}

/** Checks pages of `size` over `sent` (oldest first): order, no gaps, no duplicates, IsFinished. */
function checkPages(pages: Page[], account: string, sent: Sent[], size: number): void {
  const effective = Math.min(size, 20);
  const newestFirst = [...sent].reverse();
  const all = pages.flatMap((p) => p.items);
  assert.deepEqual(
    all.map((m) => m.MsgKey),
    newestFirst.map((s) => s.key),
    'every message exactly once, newest first',
  );
  assert.deepEqual(
    all,
    newestFirst.map((s) => expectedItem(account, s)),
  );
  pages.forEach((page, i) => {
    const isLast = i === pages.length - 1;
    const remaining = sent.length - i * effective;
    assert.equal(page.items.length, Math.min(effective, remaining), `page ${i} size`);
    const expected = isLast ? 2 : size > 20 ? 0 : 1;
    assert.equal(page.isFinished, expected, `page ${i} of ${pages.length} (ReqMsgNumber ${size}): IsFinished`);
  });
}

for (const store of stores()) {
  describe(`official_account_msg_get_simple [${store}]`, () => {
    let f: Fixture;
    let account: string;
    let sent: Sent[];
    before(async () => {
      f = new Fixture(await startTestHerald());
      account = await f.createAccount();
      sent = await f.sendMany(account, 57, 'msg', 5);
    });
    after(() => f.herald.close());

    it('an account without messages: empty list, LastMsgKey "", IsFinished 2', async () => {
      const empty = await f.createAccount('empty');
      const page = await f.page(empty, 5);
      assert.deepEqual(page.items, []);
      assert.equal(page.lastMsgKey, '');
      assert.equal(page.isFinished, 2);
    });

    it('the first page is the newest messages with every item field', async () => {
      const page = await f.page(account, 3);
      assert.deepEqual(
        page.items,
        sent
          .slice(-3)
          .reverse()
          .map((s) => expectedItem(account, s)),
      );
      assert.equal(page.isFinished, 1);
      const withCcd = page.items.filter((m) => 'CloudCustomData' in m);
      assert.ok(withCcd.length > 0 && withCcd.length < 3, 'CloudCustomData only on messages that have it');
    });

    for (const size of [20, 7, 19, 1, 57, 25]) {
      it(`pages through 57 messages ${size} at a time with no duplicates or gaps`, async () => {
        const pages = await f.walk(account, size);
        checkPages(pages, account, sent, size);
        const expectedPages = Math.ceil(57 / Math.min(size, 20));
        assert.equal(pages.length, expectedPages);
      });
    }

    it('ReqMsgNumber over 20 answers 20 messages with IsFinished 0', async () => {
      const page = await f.page(account, 21);
      assert.equal(page.items.length, 20);
      assert.equal(page.isFinished, 0);
      assert.deepEqual(
        page.items.map((m) => m.MsgSeq),
        sent
          .slice(-20)
          .reverse()
          .map((s) => s.seq),
      );
      const huge = await f.page(account, 1_000_000);
      assert.equal(huge.items.length, 20);
      assert.equal(huge.isFinished, 0);
    });

    it('a page that reaches the oldest message exactly says IsFinished 2', async () => {
      const page = await f.page(account, 20, sent[20]?.key);
      assert.equal(page.items.length, 20);
      assert.equal(page.isFinished, 2);
      assert.equal(page.lastMsgKey, sent[0]?.key);
    });

    it('LastMsgKey returns strictly older messages; the oldest key gives an empty finished page', async () => {
      const middle = sent[30] as Sent;
      const page = await f.page(account, 4, middle.key);
      assert.deepEqual(
        page.items.map((m) => m.MsgKey),
        [sent[29], sent[28], sent[27], sent[26]].map((s) => s?.key),
      );
      const oldest = await f.page(account, 5, sent[0]?.key);
      assert.deepEqual(oldest.items, []);
      assert.equal(oldest.lastMsgKey, '');
      assert.equal(oldest.isFinished, 2);
      const second = await f.page(account, 5, sent[1]?.key);
      assert.deepEqual(
        second.items.map((m) => m.MsgKey),
        [sent[0]?.key],
      );
      assert.equal(second.isFinished, 2);
    });

    it('an empty LastMsgKey starts from the newest message', async () => {
      const page = await f.page(account, 2, '');
      assert.deepEqual(
        page.items.map((m) => m.MsgKey),
        [sent[56]?.key, sent[55]?.key],
      );
    });

    it('refuses a missing or invalid ReqMsgNumber with 6017', async () => {
      assertFail(await f.get({ Official_Account: account }), 6017, 'ReqMsgNumber');
      for (const ReqMsgNumber of [0, -1, 1.5, '5', null]) {
        assertFail(await f.get({ Official_Account: account, ReqMsgNumber }), 6017, 'ReqMsgNumber');
      }
    });

    it('refuses a malformed LastMsgKey with 6017', async () => {
      for (const LastMsgKey of [
        'abc',
        '1_2_3',
        '1_1_',
        '_1_1698741698',
        '1-1-1698741698',
        ' 1_1_1698741698',
        'x_1_1',
        '1_1_1698741698_1',
      ]) {
        assertFail(await f.get({ Official_Account: account, ReqMsgNumber: 5, LastMsgKey }), 6017, 'LastMsgKey');
      }
      assertFail(await f.get({ Official_Account: account, ReqMsgNumber: 5, LastMsgKey: 5 }), 6017, 'LastMsgKey');
    });

    it('refuses a missing Official_Account with 6017 and answers 130004 for an unknown one', async () => {
      assertFail(await f.get({ ReqMsgNumber: 5 }), 6017, 'Official_Account');
      assertFail(await f.get({ Official_Account: '@TOA#_nosuchaccount', ReqMsgNumber: 5 }), 130004);
    });

    it('history is per account', async () => {
      const other = await f.createAccount('other');
      const mine = await f.sendMany(other, 2, 'other');
      const pages = await f.walk(other, 20);
      checkPages(pages, other, mine, 20);
      // A key of the busy account used on this one: only older messages of this account.
      const page = await f.page(other, 5, sent[56]?.key);
      assert.deepEqual(
        page.items.map((m) => m.MsgKey),
        [mine[1]?.key, mine[0]?.key],
      );
    });
  });

  describe(`official_account_msg_recall [${store}]`, () => {
    let f: Fixture;
    before(async () => {
      f = new Fixture(await startTestHerald());
    });
    after(() => f.herald.close());

    it('recalls messages: RetCode 0 with MsgSeq; gone from history; a placeholder with WithRecalledMsg 1', async () => {
      const id = await f.createAccount('recall');
      const sent = await f.sendMany(id, 6, 'r', 2);
      const target = [sent[1] as Sent, sent[4] as Sent];
      const lastMsgTime = await f.lastMsgTime(id);
      const list = await f.recallOk(
        id,
        target.map((s) => s.key),
        'wrong content',
      );
      assert.deepEqual(
        list,
        target.map((s) => ({ MsgKey: s.key, RetCode: 0, MsgSeq: s.seq })),
      );

      const kept = sent.filter((s) => !target.includes(s));
      const plain = await f.walk(id, 20);
      assert.deepEqual(
        plain.flatMap((p) => p.items),
        [...kept].reverse().map((s) => expectedItem(id, s)),
        'recalled messages are left out by default',
      );
      const explicitZero = await f.page(id, 20, undefined, false);
      assert.equal(explicitZero.items.length, 4);

      const withRecalled = (await f.walk(id, 20, true)).flatMap((p) => p.items);
      assert.deepEqual(
        withRecalled.map((m) => m.MsgKey),
        [...sent].reverse().map((s) => s.key),
      );
      for (const item of withRecalled) {
        const s = sent.find((x) => x.key === item.MsgKey) as Sent;
        if (target.includes(s)) {
          assert.equal(item.IsPlaceMsg, 2, 'recalled → IsPlaceMsg 2');
          assert.deepEqual(item.MsgBody, [], 'recalled → empty MsgBody');
          assert.equal(item.MsgSeq, s.seq);
          assert.equal(item.MsgTimeStamp, s.time);
        } else {
          assert.deepEqual(item, expectedItem(id, s));
        }
      }
      assert.equal(await f.lastMsgTime(id), lastMsgTime, 'recall does not move LastMsgTime');
    });

    it('recalling again answers RetCode 2 and the message stays recalled', async () => {
      const id = await f.createAccount('recall-again');
      const [a, b] = (await f.sendMany(id, 2, 'again')) as [Sent, Sent];
      await f.recallOk(id, [a.key]);
      assert.deepEqual(await f.recallOk(id, [a.key, b.key]), [
        { MsgKey: a.key, RetCode: 2, MsgSeq: a.seq },
        { MsgKey: b.key, RetCode: 0, MsgSeq: b.seq },
      ]);
      assert.deepEqual(await f.recallOk(id, [b.key, a.key], 'again'), [
        { MsgKey: b.key, RetCode: 2, MsgSeq: b.seq },
        { MsgKey: a.key, RetCode: 2, MsgSeq: a.seq },
      ]);
      const page = await f.page(id, 20);
      assert.deepEqual(page.items, []);
      assert.equal(page.isFinished, 2);
      const placeholders = await f.page(id, 20, undefined, true);
      assert.deepEqual(
        placeholders.items.map((m) => [m.MsgKey, m.IsPlaceMsg]),
        [
          [b.key, 2],
          [a.key, 2],
        ],
      );
    });

    it('the same key twice in one call: 0 then 2', async () => {
      const id = await f.createAccount('recall-twice');
      const [a] = (await f.sendMany(id, 1, 'twice')) as [Sent];
      assert.deepEqual(await f.recallOk(id, [a.key, a.key]), [
        { MsgKey: a.key, RetCode: 0, MsgSeq: a.seq },
        { MsgKey: a.key, RetCode: 2, MsgSeq: a.seq },
      ]);
    });

    it("unknown keys answer RetCode 1 (no such Seq, wrong time part, malformed, another account's)", async () => {
      const id = await f.createAccount('recall-unknown');
      const other = await f.createAccount('recall-other');
      const [a] = (await f.sendMany(id, 1, 'known')) as [Sent];
      const [o] = (await f.sendMany(other, 2, 'theirs').then((s) => s.slice(1))) as [Sent];
      const unknown = [
        `99_1_${a.time}`,
        `${a.seq}_1_${a.time + 1}`,
        `${a.seq}_1_0`,
        `0${a.seq}_1_${a.time}`,
        `${a.seq}_2_${a.time}`,
        'not-a-key',
        '',
        o.key,
      ];
      const list = await f.recallOk(id, [...unknown, a.key]);
      assert.deepEqual(
        list.slice(0, -1),
        unknown.map((k) => ({ MsgKey: k, RetCode: 1 })),
      );
      assert.deepEqual(list.at(-1), { MsgKey: a.key, RetCode: 0, MsgSeq: a.seq });
      // The other account's message is untouched.
      const theirs = await f.page(other, 20);
      assert.equal(theirs.items.length, 2);
      assert.ok(
        theirs.items.every((m) => m.IsPlaceMsg === 0),
        'theirs.items.every((m) => m.IsPlaceMsg === 0)',
      );
    });

    it('MsgKeyList holds 1..10 keys: empty or 11 → 6017 and nothing is recalled', async () => {
      const id = await f.createAccount('recall-count');
      const sent = await f.sendMany(id, 11, 'count');
      const keys = sent.map((s) => s.key);
      assertFail(await f.recall(id, []), 6017, 'MsgKeyList');
      assertFail(await f.recall(id, keys), 6017, 'MsgKeyList');
      assert.equal((await f.page(id, 20)).items.length, 11, 'a refused recall recalls nothing');
      assertFail(await f.recall(id, 'abc'), 6017, 'MsgKeyList');
      assertFail(await f.recall(id, [1]), 6017, 'MsgKeyList');
      assertFail(await f.admin.official('official_account_msg_recall', { Official_Account: id }), 6017, 'MsgKeyList');
      const list = await f.recallOk(id, keys.slice(0, 10));
      assert.ok(
        list.every((r) => r.RetCode === 0),
        'list.every((r) => r.RetCode === 0)',
      );
      const left = await f.page(id, 20);
      assert.deepEqual(
        left.items.map((m) => m.MsgKey),
        [keys[10]],
      );
    });

    it('Reason holds at most 100 bytes: 101 → 6017 and nothing is recalled', async () => {
      const id = await f.createAccount('recall-reason');
      const [a, b, c] = (await f.sendMany(id, 3, 'reason')) as [Sent, Sent, Sent];
      assertFail(await f.recall(id, [a.key], 'r'.repeat(101)), 6017, 'Reason');
      assertFail(await f.recall(id, [a.key], `${'中'.repeat(33)}ab`), 6017, 'Reason'); // 101 bytes, 35 characters
      assertFail(await f.recall(id, [a.key], '😀'.repeat(26)), 6017, 'Reason'); // 104 bytes
      assertFail(await f.recall(id, [a.key], 5), 6017, 'Reason');
      assert.equal((await f.page(id, 20)).items.length, 3, 'a refused recall recalls nothing');
      assert.equal((await f.recallOk(id, [a.key], 'r'.repeat(100)))[0]?.RetCode, 0);
      assert.equal((await f.recallOk(id, [b.key], `${'中'.repeat(33)}a`))[0]?.RetCode, 0);
      assert.equal((await f.recallOk(id, [c.key], ''))[0]?.RetCode, 0);
      assert.deepEqual((await f.page(id, 20)).items, []);
    });

    it('answers 130004 for an unknown account and 6017 without Official_Account', async () => {
      assertFail(await f.recall('@TOA#_nosuchaccount', ['1_1_1698741698']), 130004);
      assertFail(
        await f.admin.official('official_account_msg_recall', { MsgKeyList: ['1_1_1698741698'] }),
        6017,
        'Official_Account',
      );
    });

    it('paging with recalled messages: default skips them with full pages; WithRecalledMsg 1 keeps every Seq', async () => {
      const id = await f.createAccount('recall-paging');
      const sent = await f.sendMany(id, 45, 'p', 4);
      // Recall every third message, 10 keys per call.
      const recalled = sent.filter((_, i) => i % 3 === 1);
      for (let i = 0; i < recalled.length; i += 10) {
        const list = await f.recallOk(
          id,
          recalled.slice(i, i + 10).map((s) => s.key),
        );
        assert.ok(
          list.every((r) => r.RetCode === 0),
          'list.every((r) => r.RetCode === 0)',
        );
      }
      const kept = sent.filter((s) => !recalled.includes(s));
      for (const size of [7, 20]) {
        const pages = await f.walk(id, size);
        checkPages(pages, id, kept, size);
      }
      for (const size of [6, 20]) {
        const pages = await f.walk(id, size, true);
        const items = pages.flatMap((p) => p.items);
        assert.deepEqual(
          items.map((m) => m.MsgSeq),
          [...sent].reverse().map((s) => s.seq),
          `WithRecalledMsg 1, pages of ${size}: every Seq once`,
        );
        assert.deepEqual(
          items.filter((m) => m.IsPlaceMsg === 2).map((m) => m.MsgKey),
          [...recalled].reverse().map((s) => s.key),
        );
        for (const [i, p] of pages.entries()) assert.equal(p.isFinished, i === pages.length - 1 ? 2 : 1);
      }
      // A recalled message's key still works as a cursor.
      const cursor = recalled[5] as Sent;
      const page = await f.page(id, 3, cursor.key);
      const older = kept
        .filter((s) => s.seq < cursor.seq)
        .slice(-3)
        .reverse();
      assert.deepEqual(
        page.items.map((m) => m.MsgKey),
        older.map((s) => s.key),
      );
    });

    it('a recalled message does not come back when sending continues', async () => {
      const id = await f.createAccount('recall-final');
      const [a] = (await f.sendMany(id, 1, 'final')) as [Sent];
      await f.recallOk(id, [a.key]);
      const [b] = (await f.sendMany(id, 1, 'after')) as [Sent];
      assert.equal(b.seq, a.seq + 1, 'the recalled Seq is not reused');
      const page = await f.page(id, 20);
      assert.deepEqual(
        page.items.map((m) => m.MsgKey),
        [b.key],
      );
      assert.equal((await f.recallOk(id, [a.key]))[0]?.RetCode, 2);
    });
  });
}
