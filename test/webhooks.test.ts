/**
 * Official-account webhooks against a REAL local receiver (official-account-webhooks.md, all of
 * it; platform.md §6): the query and exact body of each of the 11 callbacks, the signature,
 * "before" decisions for create / add_subscriber / send (refuse, discard, rewrite, partial
 * refusal, passthrough codes), failure handling (timeout, connection refused, HTTP 500, non-JSON)
 * under both policies, ForbidCallbackControl, per-command switches and "no URL".
 * Delivery of "after" events (outbox, retries, order, restarts, inspection) is in
 * webhooks-delivery.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { webhookSign } from '../src/webhooks/sign.ts';
import {
  ADMIN,
  importAccounts,
  startTestHerald,
  stores,
  type Client,
  type Envelope,
  type TestHerald,
} from './helpers/harness.ts';
import {
  ALL_COMMANDS,
  CB,
  CUSTOM,
  TEXT,
  checkBody,
  checkQuery,
  deliveries,
  outboxCommands,
  sha256Hex,
  subscribeList,
  webhookApp,
} from './helpers/webhook-checks.ts';
import { assertFail as failWith, assertOk } from './helpers/assertions.ts';
import { WebhookReceiver, type Json, type ReceivedCall } from './helpers/webhook-receiver.ts';

/** Fails with `code`; with `info`, ErrorInfo is exactly that text. */
const assertFail = (res: Envelope, code: number, info?: string) =>
  failWith(res, code, info === undefined ? {} : { exactInfo: info });

const TOKEN = 'my-webhook-token';
const USERS = ['owner', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'leaver'];

let randomCounter = 5000;
const nextRandom = () => ++randomCounter;
let nameCounter = 0;
const uniqueName = (prefix: string) => `${prefix} ${++nameCounter}`;

/** REST helpers bound to one admin client. */
function rest(admin: Client) {
  const official = (command: string, body: unknown) => admin.official(command, body);
  return {
    official,
    async create(fields: Json = {}): Promise<string> {
      const res = await official('create_official_account', {
        Owner_Account: 'owner',
        Name: uniqueName('oa'),
        ...fields,
      });
      assertOk(res);
      return res.OfficialAccountUserID as string;
    },
    add(id: string, users: string[]): Promise<Envelope> {
      return official('add_subscriber', { Official_Account: id, SubscriberList: subscribeList(...users) });
    },
    async addOk(id: string, users: string[]): Promise<number[]> {
      const res = await official('add_subscriber', { Official_Account: id, SubscriberList: subscribeList(...users) });
      assertOk(res);
      return (res.SubscriberList as { Result: number }[]).map((r) => r.Result);
    },
    async delOk(id: string, users: string[]): Promise<number[]> {
      const res = await official('delete_subscriber', { Official_Account: id, SubscriberToDel_Account: users });
      assertOk(res);
      return (res.SubscriberList as { Result: number }[]).map((r) => r.Result);
    },
    send(id: string, fields: Json = {}): Promise<Envelope> {
      return official('send_official_account_msg', {
        Official_Account: id,
        Random: nextRandom(),
        MsgBody: [TEXT],
        ...fields,
      });
    },
    async sendOk(id: string, fields: Json = {}): Promise<{ key: string; time: number; seq: number }> {
      const res = await official('send_official_account_msg', {
        Official_Account: id,
        Random: nextRandom(),
        MsgBody: [TEXT],
        ...fields,
      });
      assertOk(res);
      const key = res.MsgKey as string;
      const match = /^(\d+)_1_(\d+)$/.exec(key);
      assert.ok(match, `MsgKey ${key} has the Seq_1_Time shape`);
      assert.equal(Number(match[2]), res.MsgTime);
      return { key, time: res.MsgTime as number, seq: Number(match[1]) };
    },
    async history(id: string): Promise<Json[]> {
      const res = await official('official_account_msg_get_simple', { Official_Account: id, ReqMsgNumber: 20 });
      assertOk(res);
      return res.RspMsgList as Json[];
    },
    async exists(id: string): Promise<boolean> {
      const res = await official('get_official_account_info', { OfficialAccountIdList: [{ Official_Account: id }] });
      assertOk(res);
      const [item] = res.OfficialAccountInfoList as Json[];
      return item?.ErrorCode === 0;
    },
    async subscribers(id: string): Promise<string[]> {
      const res = await official('get_subscriber_info', { Official_Account: id });
      assertOk(res);
      return (res.SubscriberList as { Subscriber_Account: string }[]).map((s) => s.Subscriber_Account).sort();
    },
  };
}

const reply = (ErrorCode: number, extra: Json = {}) => ({
  json: { ActionStatus: ErrorCode === 0 ? 'OK' : 'FAIL', ErrorCode, ErrorInfo: '', ...extra },
});

describe('webhook signing (platform.md §6.2 test vectors)', () => {
  it('webhookSign reproduces the documented example and the spec vector', () => {
    assert.equal(
      webhookSign('xxxxyyyy', 1669872112),
      '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061',
    );
    assert.equal(
      webhookSign('xxxxyyyy', '1669872112'),
      '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061',
    );
    assert.equal(
      webhookSign('my-webhook-token', 1700000000),
      '876a64b12ebaf659dce5e6302ebe7ef979549d9830d5c81c2e74d3def97549a1',
    );
    assert.equal(sha256Hex('xxxxyyyy1669872112'), '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061');
  });
});

for (const store of stores()) {
  describe(`webhook requests: query and body of the 11 callbacks [${store}]`, () => {
    let receiver: WebhookReceiver;
    let herald: TestHerald;
    let r: ReturnType<typeof rest>;
    const extra = { tenant: 't1' };

    before(async () => {
      receiver = await WebhookReceiver.start();
      herald = await startTestHerald({
        apps: [webhookApp({ url: receiver.url('/hooks/herald?tenant=t1'), token: TOKEN })],
      });
      r = rest(herald.admin);
      await importAccounts(herald.admin, USERS);
    });
    after(async () => {
      await receiver?.close();
      await herald?.close();
    });

    const afterOf = async (command: string, id: string, count = 1) =>
      receiver.waitFor(command, (b) => b.Official_Account === id, count);

    it('create_official_account: BeforeCreate (no account ID) before the answer, then AfterCreate', async () => {
      const since = Date.now();
      const name = uniqueName('Herald News');
      const id = await r.create({
        Name: name,
        Introduction: 'intro',
        FaceUrl: 'http://face',
        Organization: 'org',
        CustomString: 'cs',
        MaxSubscriberNum: 10,
      });
      // The before call is synchronous: it has arrived by the time the REST call answered.
      const [beforeCall, ...more] = receiver.of(CB.beforeCreate, (b) => b.Name === name);
      assert.ok(beforeCall, 'BeforeCreate arrived before create_official_account answered');
      assert.equal(more.length, 0);
      checkQuery(beforeCall, CB.beforeCreate, TOKEN, extra);
      assert.equal(beforeCall.path, '/hooks/herald');
      checkBody(beforeCall, CB.beforeCreate, { Operator_Account: ADMIN, Owner_Account: 'owner', Name: name }, since);

      const [afterCall] = await afterOf(CB.afterCreate, id);
      assert.ok(afterCall, 'afterCall');
      checkQuery(afterCall, CB.afterCreate, TOKEN, extra);
      assert.equal(afterCall.path, '/hooks/herald');
      checkBody(
        afterCall,
        CB.afterCreate,
        { Official_Account: id, Operator_Account: ADMIN, Owner_Account: 'owner', Name: name },
        since,
      );
      assert.ok(afterCall.at >= beforeCall.at, 'afterCall.at >= beforeCall.at');
    });

    it('a custom OfficialAccountUserID is the Official_Account of AfterCreate', async () => {
      const since = Date.now();
      const id = '@TOA#_wh_custom_id';
      assert.equal(await r.create({ OfficialAccountUserID: id, Name: 'custom', Owner_Account: 'u1' }), id);
      const [call] = await afterOf(CB.afterCreate, id);
      assert.ok(call, 'call');
      checkBody(
        call,
        CB.afterCreate,
        { Official_Account: id, Operator_Account: ADMIN, Owner_Account: 'u1', Name: 'custom' },
        since,
      );
    });

    it('modify_official_account_base_info: AfterOfficialAccountInfoChanged carries only the changed profile fields', async () => {
      const id = await r.create({
        Name: 'n1',
        Introduction: 'i1',
        FaceUrl: 'http://f1',
        Organization: 'o1',
        CustomString: 'c1',
      });
      const since = Date.now();
      const modify = async (fields: Json) =>
        assertOk(await r.official('modify_official_account_base_info', { Official_Account: id, ...fields }));
      await modify({ Name: 'n2', Introduction: 'i1', FaceUrl: 'http://f2' }); // Introduction unchanged
      await modify({ CustomString: 'c2' }); // only CustomString
      await modify({ MaxSubscriberNum: 50 }); // only MaxSubscriberNum
      await modify({ Organization: 'o2', CustomString: 'c3', Introduction: 'i2', Name: 'n2' }); // Name unchanged
      const calls = await afterOf(CB.afterInfoChanged, id, 4);
      assert.equal(calls.length, 4);
      const base = { Official_Account: id, Operator_Account: ADMIN };
      const expected: Json[] = [
        { ...base, Name: 'n2', FaceUrl: 'http://f2' },
        base,
        base,
        { ...base, Introduction: 'i2', Organization: 'o2' },
      ];
      calls.forEach((call, i) => {
        checkQuery(call, CB.afterInfoChanged, TOKEN, extra);
        checkBody(call, CB.afterInfoChanged, expected[i] as Json, since);
      });
    });

    it('add_subscriber: BeforeAddSubscriber and AfterAddSubscriber list only users that can be / were added', async () => {
      const id = await r.create();
      assert.deepEqual(await r.addOk(id, ['u1']), [1]);
      const since = Date.now();
      // u1 already subscribed, ghost not imported, u2 named twice.
      assert.deepEqual(await r.addOk(id, ['u1', 'u2', 'ghost', 'u3', 'u2']), [2, 1, 0, 1, 2]);
      const befores = receiver.of(CB.beforeAdd, (b) => b.Official_Account === id);
      assert.equal(befores.length, 2, 'one BeforeAddSubscriber per add_subscriber call');
      const beforeCall = befores[1] as ReceivedCall;
      checkQuery(beforeCall, CB.beforeAdd, TOKEN, extra);
      checkBody(
        beforeCall,
        CB.beforeAdd,
        { Official_Account: id, Operator_Account: ADMIN, SubscribeAccountList: subscribeList('u2', 'u3') },
        since,
      );

      const afters = await afterOf(CB.afterAdd, id, 2);
      checkBody(
        afters[0] as ReceivedCall,
        CB.afterAdd,
        { Official_Account: id, Operator_Account: ADMIN, SubscribeAccountList: subscribeList('u1') },
        since - 10_000,
      );
      checkQuery(afters[1] as ReceivedCall, CB.afterAdd, TOKEN, extra);
      checkBody(
        afters[1] as ReceivedCall,
        CB.afterAdd,
        { Official_Account: id, Operator_Account: ADMIN, SubscribeAccountList: subscribeList('u2', 'u3') },
        since,
      );

      // Nobody can be added: no before call, no after event.
      assert.deepEqual(await r.addOk(id, ['u1', 'ghost', 'u2']), [2, 0, 2]);
      assert.equal(
        receiver.of(CB.beforeAdd, (b) => b.Official_Account === id).length,
        2,
        'no BeforeAddSubscriber when nobody could be added',
      );
      assert.deepEqual(await outboxCommands(herald.admin, id), [CB.afterCreate, CB.afterAdd, CB.afterAdd]);
    });

    it('AfterOfficialAccountFull: when an add reaches MaxSubscriberNum, after AfterAddSubscriber; again after refilling', async () => {
      const id = await r.create({ MaxSubscriberNum: 2 });
      const since = Date.now();
      assert.deepEqual(await r.addOk(id, ['u1']), [1]);
      assert.deepEqual(await r.addOk(id, ['u2', 'u3']), [1, 0]); // fills the account; u3 finds no room
      assert.deepEqual(await r.addOk(id, ['u3']), [0]); // full: nothing added, no event
      assert.deepEqual(await r.delOk(id, ['u1']), [1]);
      assert.deepEqual(await r.addOk(id, ['u3']), [1]); // full again
      const afterCommands = [
        CB.afterCreate,
        CB.afterAdd,
        CB.afterAdd,
        CB.afterFull,
        CB.afterDelete,
        CB.afterAdd,
        CB.afterFull,
      ];
      await receiver.until(
        () => receiver.about(id).filter((c) => c.command.includes('.CallbackAfter')).length >= afterCommands.length,
        'all after events',
      );
      const arrived = receiver.about(id).filter((c) => c.command.includes('.CallbackAfter'));
      assert.deepEqual(
        arrived.map((c) => c.command),
        afterCommands,
        'arrival order: AfterAddSubscriber before AfterOfficialAccountFull',
      );
      for (const i of [3, 6]) {
        const call = arrived[i] as ReceivedCall;
        checkQuery(call, CB.afterFull, TOKEN, extra);
        checkBody(call, CB.afterFull, { Official_Account: id }, since);
      }
      checkBody(
        arrived[2] as ReceivedCall,
        CB.afterAdd,
        { Official_Account: id, Operator_Account: ADMIN, SubscribeAccountList: subscribeList('u2') },
        since,
      );
      assert.deepEqual(await outboxCommands(herald.admin, id), afterCommands);
    });

    it('delete_subscriber: AfterDeleteSubscriber lists only removed users; nothing when nobody was removed', async () => {
      const id = await r.create();
      assert.deepEqual(await r.addOk(id, ['u1', 'u2', 'u3']), [1, 1, 1]);
      const since = Date.now();
      assert.deepEqual(await r.delOk(id, ['u1', 'u4', 'u3', 'u1']), [1, 2, 1, 2]);
      const [call] = await afterOf(CB.afterDelete, id);
      assert.ok(call, 'call');
      checkQuery(call, CB.afterDelete, TOKEN, extra);
      checkBody(
        call,
        CB.afterDelete,
        { Official_Account: id, Operator_Account: ADMIN, SubscribeAccountList: subscribeList('u1', 'u3') },
        since,
      );
      assert.deepEqual(await r.delOk(id, ['u4', 'u1']), [2, 2]);
      assert.deepEqual(await outboxCommands(herald.admin, id), [CB.afterCreate, CB.afterAdd, CB.afterDelete]);
    });

    it('account_delete: AfterDeleteSubscriber for every official account the deleted user left', async () => {
      const a = await r.create();
      const b = await r.create();
      const c = await r.create();
      await r.addOk(a, ['leaver', 'u1']);
      await r.addOk(b, ['leaver']);
      await r.addOk(c, ['u1']);
      const since = Date.now();
      const res = await herald.admin.account('account_delete', { DeleteItem: [{ UserID: 'leaver' }] });
      assertOk(res);
      for (const id of [a, b]) {
        const [call] = await afterOf(CB.afterDelete, id);
        assert.ok(call, 'call');
        checkQuery(call, CB.afterDelete, TOKEN, extra);
        checkBody(
          call,
          CB.afterDelete,
          { Official_Account: id, Operator_Account: ADMIN, SubscribeAccountList: subscribeList('leaver') },
          since,
        );
      }
      assert.deepEqual(
        await outboxCommands(herald.admin, c),
        [CB.afterCreate, CB.afterAdd],
        'an account the user was not subscribed to gets nothing',
      );
    });

    it('send_official_account_msg: BeforeSendMsg (no key) and AfterSendMsg with the MsgKey/MsgTime of the answer', async () => {
      const id = await r.create();
      const since = Date.now();
      const plain = await r.sendOk(id, { OfflinePushInfo: { PushFlag: 0, Title: 't', Desc: 'd' } });
      const rich = await r.sendOk(id, {
        MsgBody: [TEXT, CUSTOM],
        CloudCustomData: 'your cloud custom data',
        OnlineOnlyFlag: 1,
      });
      const befores = receiver.of(CB.beforeSend, (b) => b.Official_Account === id);
      assert.equal(befores.length, 2, 'each BeforeSendMsg arrived before its send answered');
      checkQuery(befores[0] as ReceivedCall, CB.beforeSend, TOKEN, extra);
      checkBody(
        befores[0] as ReceivedCall,
        CB.beforeSend,
        { Official_Account: id, OnlineOnlyFlag: 0, MsgBody: [TEXT] },
        since,
      );
      checkBody(
        befores[1] as ReceivedCall,
        CB.beforeSend,
        { Official_Account: id, OnlineOnlyFlag: 1, MsgBody: [TEXT, CUSTOM], CloudCustomData: 'your cloud custom data' },
        since,
      );

      const afters = await afterOf(CB.afterSend, id, 2);
      checkQuery(afters[0] as ReceivedCall, CB.afterSend, TOKEN, extra);
      checkBody(
        afters[0] as ReceivedCall,
        CB.afterSend,
        { Official_Account: id, MsgKey: plain.key, MsgTime: plain.time, OnlineOnlyFlag: 0, MsgBody: [TEXT] },
        since,
      );
      checkBody(
        afters[1] as ReceivedCall,
        CB.afterSend,
        {
          Official_Account: id,
          MsgKey: rich.key,
          MsgTime: rich.time,
          OnlineOnlyFlag: 1,
          MsgBody: [TEXT, CUSTOM],
          CloudCustomData: 'your cloud custom data',
        },
        since,
      );
    });

    it('a duplicate send (same Random and content within 5 minutes) asks nothing and emits nothing again', async () => {
      const id = await r.create();
      const random = nextRandom();
      const first = await r.sendOk(id, { Random: random });
      const again = await r.sendOk(id, { Random: random });
      assert.equal(again.key, first.key);
      assert.equal(receiver.of(CB.beforeSend, (b) => b.Official_Account === id).length, 1);
      assert.deepEqual(await outboxCommands(herald.admin, id), [CB.afterCreate, CB.afterSend]);
    });

    it('official_account_msg_recall: one AfterMsgWithDraw per request, listing only keys with RetCode 0', async () => {
      const id = await r.create();
      const m1 = await r.sendOk(id);
      const m2 = await r.sendOk(id);
      await r.sendOk(id);
      const since = Date.now();
      const res = await r.official('official_account_msg_recall', {
        Official_Account: id,
        MsgKeyList: [m1.key, '999_1_1700000000', m2.key, m1.key],
        Reason: 'oops',
      });
      assertOk(res);
      assert.deepEqual(
        (res.RecallRetList as { RetCode: number }[]).map((x) => x.RetCode),
        [0, 1, 0, 2],
      );
      const [call] = await afterOf(CB.afterWithdraw, id);
      assert.ok(call, 'call');
      checkQuery(call, CB.afterWithdraw, TOKEN, extra);
      checkBody(
        call,
        CB.afterWithdraw,
        { Official_Account: id, WithdrawMsgList: [{ MsgKey: m1.key }, { MsgKey: m2.key }] },
        since,
      );
      // Nothing recalled: no event.
      const again = await r.official('official_account_msg_recall', {
        Official_Account: id,
        MsgKeyList: [m1.key, '998_1_1700000000'],
      });
      assertOk(again);
      assert.deepEqual(
        (again.RecallRetList as { RetCode: number }[]).map((x) => x.RetCode),
        [2, 1],
      );
      assert.deepEqual(await outboxCommands(herald.admin, id), [
        CB.afterCreate,
        CB.afterSend,
        CB.afterSend,
        CB.afterSend,
        CB.afterWithdraw,
      ]);
    });

    it('destroy_official_account: AfterOfficialAccountDestroyed {Official_Account, Owner_Account, Name} (current name), no per-subscriber events', async () => {
      const id = await r.create({ Name: 'before rename', Owner_Account: 'u2' });
      await r.addOk(id, ['u1', 'u3']);
      assertOk(await r.official('modify_official_account_base_info', { Official_Account: id, Name: 'renamed' }));
      const since = Date.now();
      assertOk(await r.official('destroy_official_account', { Official_Account: id }));
      const [call] = await afterOf(CB.afterDestroyed, id);
      assert.ok(call, 'call');
      checkQuery(call, CB.afterDestroyed, TOKEN, extra);
      checkBody(call, CB.afterDestroyed, { Official_Account: id, Owner_Account: 'u2', Name: 'renamed' }, since);
      assert.deepEqual(await outboxCommands(herald.admin, id), [
        CB.afterCreate,
        CB.afterAdd,
        CB.afterInfoChanged,
        CB.afterDestroyed,
      ]);
    });

    it('every request of this suite carried the common query and a valid Sign; all 11 commands were seen', async () => {
      await receiver.until(() => receiver.calls.length > 0, 'calls');
      const seen = new Set<string>();
      for (const call of receiver.calls) {
        assert.ok(ALL_COMMANDS.includes(call.command), `known command ${call.command}`);
        checkQuery(call, call.command, TOKEN, extra);
        assert.equal(call.query.Sign, webhookSign(TOKEN, call.query.RequestTime as string));
        seen.add(call.command);
      }
      assert.deepEqual([...seen].sort(), [...ALL_COMMANDS].sort());
    });
  });

  describe(`webhook requests without a token carry no Sign/RequestTime [${store}]`, () => {
    let receiver: WebhookReceiver;
    let herald: TestHerald;

    before(async () => {
      receiver = await WebhookReceiver.start();
      herald = await startTestHerald({ apps: [webhookApp({ url: receiver.url('/') })] });
      await importAccounts(herald.admin, USERS);
    });
    after(async () => {
      await receiver?.close();
      await herald?.close();
    });

    it('before and after calls have exactly SdkAppid, CallbackCommand, contenttype, ClientIP, OptPlatform', async () => {
      const r = rest(herald.admin);
      const id = await r.create();
      await r.addOk(id, ['u1']);
      await r.sendOk(id);
      await receiver.until(
        () => receiver.about(id).filter((c) => c.command.includes('.CallbackAfter')).length >= 3,
        'after events',
      );
      const calls = receiver.calls;
      assert.deepEqual(
        new Set(calls.map((c) => c.command)),
        new Set([CB.beforeCreate, CB.afterCreate, CB.beforeAdd, CB.afterAdd, CB.beforeSend, CB.afterSend]),
      );
      for (const call of calls) {
        checkQuery(call, call.command, null);
        assert.equal(call.path, '/');
        assert.equal(call.query.Sign, undefined);
        assert.equal(call.query.RequestTime, undefined);
      }
    });
  });

  describe(`before-webhook decisions [${store}]`, () => {
    let receiver: WebhookReceiver;
    let herald: TestHerald;
    let r: ReturnType<typeof rest>;

    before(async () => {
      receiver = await WebhookReceiver.start();
      herald = await startTestHerald({ apps: [webhookApp({ url: receiver.url() })] });
      r = rest(herald.admin);
      await importAccounts(herald.admin, USERS);
    });
    afterEach(() => receiver.resetReplies());
    after(async () => {
      await receiver?.close();
      await herald?.close();
    });

    it('BeforeCreate ErrorCode 1 refuses with 20006; nothing is created and no event is written', async () => {
      receiver.reply(CB.beforeCreate, reply(1));
      const id = '@TOA#_wh_refused';
      assertFail(
        await r.official('create_official_account', {
          Owner_Account: 'owner',
          Name: 'refused',
          OfficialAccountUserID: id,
        }),
        20006,
      );
      assert.equal(receiver.of(CB.beforeCreate, (b) => b.Name === 'refused').length, 1);
      assert.equal(await r.exists(id), false);
      assert.deepEqual(await outboxCommands(herald.admin, id), []);
      // Any other non-zero code outside the passthrough range refuses the same way.
      for (const code of [3, 119999, 130001]) {
        receiver.reply(CB.beforeCreate, reply(code, { ErrorInfo: 'not passed' }));
        const res = await r.official('create_official_account', {
          Owner_Account: 'owner',
          Name: 'refused',
          OfficialAccountUserID: id,
        });
        assert.equal(res.ErrorCode, 20006, `ErrorCode ${code} → 20006: ${JSON.stringify(res)}`);
        assert.equal(res.ActionStatus, 'FAIL');
      }
      assert.equal(await r.exists(id), false);
      receiver.resetReplies();
      assert.equal(await r.create({ OfficialAccountUserID: id }), id, 'allowed once the app says 0');
    });

    it('requests that fail validation never reach the before webhook and write no event', async () => {
      const id = await r.create();
      const befores = () => receiver.calls.filter((c) => c.command.includes('.CallbackBefore')).length;
      const count = befores();
      assertFail(await r.official('create_official_account', { Owner_Account: 'owner', Name: '' }), 6017);
      assertFail(await r.official('create_official_account', { Owner_Account: 'not_imported', Name: 'x' }), 6017);
      assertFail(
        await r.official('create_official_account', {
          Owner_Account: 'owner',
          Name: 'x',
          OfficialAccountUserID: 'no-prefix',
        }),
        130007,
      );
      assertFail(await r.add('@TOA#_wh_missing', ['u1']), 130004);
      assertFail(await r.send('@TOA#_wh_missing'), 130004);
      for (const MsgBody of [
        [{ MsgType: 'TIMNoSuchElem', MsgContent: {} }],
        [],
        [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'x'.repeat(13 * 1024) } }],
      ]) {
        const bad = await r.send(id, { MsgBody });
        assert.notEqual(bad.ErrorCode, 0, `invalid MsgBody refused: ${JSON.stringify(bad).slice(0, 200)}`);
        assert.equal(bad.ActionStatus, 'FAIL');
      }
      assertFail(await r.send(id, { OnlineOnlyFlag: 2 }), 6017);
      assert.equal(befores(), count, 'no before webhook for an invalid request');
      assert.deepEqual(await outboxCommands(herald.admin, id), [CB.afterCreate]);
      assert.deepEqual(await outboxCommands(herald.admin, '@TOA#_wh_missing'), []);
    });

    // Regression: the taken ID used to be found only inside the transaction, after the webhook was asked.
    it('create with an OfficialAccountUserID already in use fails (130008) without asking BeforeCreate', async () => {
      const id = await r.create({ OfficialAccountUserID: '@TOA#_wh_taken' });
      const asked = () => receiver.of(CB.beforeCreate, (b) => b.Name === 'second').length;
      assertFail(
        await r.official('create_official_account', {
          Owner_Account: 'owner',
          Name: 'second',
          OfficialAccountUserID: id,
        }),
        130008,
      );
      assert.deepEqual(await outboxCommands(herald.admin, id), [CB.afterCreate], 'the failed create wrote no event');
      assert.equal(asked(), 0, 'BeforeCreate was asked about a creation that could not happen');
    });

    it('BeforeCreate 120001–130000 are passed to the caller with their ErrorInfo', async () => {
      for (const code of [120001, 125432, 130000]) {
        const id = `@TOA#_wh_pass_${code}`;
        receiver.reply(CB.beforeCreate, reply(code, { ErrorInfo: `app says no (${code})` }));
        assertFail(
          await r.official('create_official_account', { Owner_Account: 'owner', Name: 'x', OfficialAccountUserID: id }),
          code,
          `app says no (${code})`,
        );
        assert.equal(await r.exists(id), false);
        assert.deepEqual(await outboxCommands(herald.admin, id), []);
      }
    });

    it('BeforeAddSubscriber ErrorCode 1 refuses the whole request with 20006; passthrough codes are passed', async () => {
      const id = await r.create();
      receiver.reply(CB.beforeAdd, reply(1));
      assertFail(await r.add(id, ['u1', 'u2']), 20006);
      assert.deepEqual(await r.subscribers(id), []);
      receiver.reply(CB.beforeAdd, reply(121000, { ErrorInfo: 'subscriptions closed' }));
      assertFail(await r.add(id, ['u1']), 121000, 'subscriptions closed');
      assert.deepEqual(await r.subscribers(id), []);
      assert.deepEqual(await outboxCommands(herald.admin, id), [CB.afterCreate], 'a refused add writes no event');
    });

    it('BeforeAddSubscriber RefusedSubscribers_Account (or RefusedMembers_Account): those users get Result 0 and no after event', async () => {
      const id = await r.create();
      receiver.reply(CB.beforeAdd, reply(0, { RefusedSubscribers_Account: ['u2'] }));
      assert.deepEqual(await r.addOk(id, ['u1', 'u2', 'u3']), [1, 0, 1]);
      receiver.reply(CB.beforeAdd, reply(0, { RefusedMembers_Account: ['u4', 'nobody'] }));
      assert.deepEqual(await r.addOk(id, ['u4', 'u5']), [0, 1]);
      receiver.reply(CB.beforeAdd, reply(0, { RefusedSubscribers_Account: ['u6'] }));
      assert.deepEqual(await r.addOk(id, ['u6']), [0]); // everyone refused: no after event
      assert.deepEqual(await r.subscribers(id), ['u1', 'u3', 'u5']);
      const afters = await receiver.waitFor(CB.afterAdd, (b) => b.Official_Account === id, 2);
      assert.deepEqual(
        afters.map((c) => c.body.SubscribeAccountList),
        [subscribeList('u1', 'u3'), subscribeList('u5')],
      );
      assert.deepEqual(await outboxCommands(herald.admin, id), [CB.afterCreate, CB.afterAdd, CB.afterAdd]);
      receiver.resetReplies();
      assert.deepEqual(await r.addOk(id, ['u2']), [1], 'no longer refused');
    });

    it('BeforeSendMsg ErrorCode 1 refuses with 10016: not stored, no AfterSendMsg; other codes refuse too', async () => {
      const id = await r.create();
      receiver.reply(CB.beforeSend, reply(1));
      assertFail(await r.send(id), 10016);
      receiver.reply(CB.beforeSend, reply(7));
      assertFail(await r.send(id), 10016);
      assert.deepEqual(await r.history(id), []);
      assert.deepEqual(await outboxCommands(herald.admin, id), [CB.afterCreate]);
    });

    it('BeforeSendMsg 120001–130000 are passed to the sender', async () => {
      const id = await r.create();
      receiver.reply(CB.beforeSend, reply(120500, { ErrorInfo: 'contains a banned word' }));
      assertFail(await r.send(id), 120500, 'contains a banned word');
      assert.deepEqual(await r.history(id), []);
      assert.deepEqual(await outboxCommands(herald.admin, id), [CB.afterCreate]);
    });

    it('BeforeSendMsg ErrorCode 2 drops silently: OK with a MsgKey, not in history, no AfterSendMsg, the Seq is used', async () => {
      const id = await r.create();
      const first = await r.sendOk(id);
      receiver.reply(CB.beforeSend, reply(2));
      const dropped = await r.sendOk(id, { MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'dropped' } }] });
      receiver.resetReplies();
      const third = await r.sendOk(id);
      assert.equal(dropped.seq, first.seq + 1);
      assert.equal(third.seq, first.seq + 2, 'the dropped message consumed its Seq');
      assert.deepEqual(new Set((await r.history(id)).map((m) => m.MsgKey)), new Set([first.key, third.key]));
      const recall = await r.official('official_account_msg_recall', {
        Official_Account: id,
        MsgKeyList: [dropped.key],
      });
      assertOk(recall);
      assert.equal(
        (recall.RecallRetList as { RetCode: number }[])[0]?.RetCode,
        1,
        'the dropped message does not exist',
      );
      const afters = await receiver.waitFor(CB.afterSend, (b) => b.Official_Account === id, 2);
      assert.deepEqual(
        afters.map((c) => c.body.MsgKey),
        [first.key, third.key],
      );
      assert.deepEqual(await outboxCommands(herald.admin, id), [CB.afterCreate, CB.afterSend, CB.afterSend]);
    });

    it('BeforeSendMsg reply MsgBody/CloudCustomData replace the message: stored, in history, in AfterSendMsg', async () => {
      const id = await r.create();
      const rewritten = [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'red packet' } }, CUSTOM];
      receiver.reply(CB.beforeSend, reply(0, { MsgBody: rewritten, CloudCustomData: 'rewritten data' }));
      const a = await r.sendOk(id, { CloudCustomData: 'original data' });
      receiver.reply(CB.beforeSend, reply(0, { CloudCustomData: 'added data' }));
      const b = await r.sendOk(id); // no CloudCustomData of its own
      const history = await r.history(id);
      const byKey = new Map(history.map((m) => [m.MsgKey, m]));
      assert.deepEqual(byKey.get(a.key)?.MsgBody, rewritten);
      assert.equal(byKey.get(a.key)?.CloudCustomData, 'rewritten data');
      assert.deepEqual(byKey.get(b.key)?.MsgBody, [TEXT]);
      assert.equal(byKey.get(b.key)?.CloudCustomData, 'added data');
      const afters = await receiver.waitFor(CB.afterSend, (x) => x.Official_Account === id, 2);
      checkBody(
        afters[0] as ReceivedCall,
        CB.afterSend,
        {
          Official_Account: id,
          MsgKey: a.key,
          MsgTime: a.time,
          OnlineOnlyFlag: 0,
          MsgBody: rewritten,
          CloudCustomData: 'rewritten data',
        },
        0,
      );
      checkBody(
        afters[1] as ReceivedCall,
        CB.afterSend,
        {
          Official_Account: id,
          MsgKey: b.key,
          MsgTime: b.time,
          OnlineOnlyFlag: 0,
          MsgBody: [TEXT],
          CloudCustomData: 'added data',
        },
        0,
      );
    });

    it('a send refused by BeforeSendMsg does not use up the per-account send allowance', async () => {
      const limited = await startTestHerald({
        sendPerSecond: 0,
        sendPerHour: 2,
        apps: [webhookApp({ url: receiver.url('/limited') })],
      });
      try {
        const lr = rest(limited.admin);
        await importAccounts(limited.admin, USERS);
        const id = await lr.create();
        receiver.reply(CB.beforeSend, reply(1));
        assertFail(await lr.send(id), 10016);
        receiver.reply(CB.beforeSend, reply(120002, { ErrorInfo: 'no' }));
        assertFail(await lr.send(id), 120002);
        receiver.resetReplies();
        assert.deepEqual(await lr.history(id), []);
        await lr.sendOk(id);
        await lr.sendOk(id);
        assertFail(await lr.send(id), 60007); // the limit itself still works
      } finally {
        await limited.close();
      }
    });

    it('ForbidCallbackControl skips BeforeSendMsg and/or AfterSendMsg for that message', async () => {
      const id = await r.create();
      receiver.reply(CB.beforeSend, reply(1)); // would refuse if asked
      const noBefore = await r.sendOk(id, { ForbidCallbackControl: ['ForbidBeforeSendMsgCallback'] });
      assert.equal(receiver.of(CB.beforeSend, (b) => b.Official_Account === id).length, 0);
      receiver.resetReplies();
      const noAfter = await r.sendOk(id, { ForbidCallbackControl: ['ForbidAfterSendMsgCallback'] });
      assert.equal(receiver.of(CB.beforeSend, (b) => b.Official_Account === id).length, 1);
      const neither = await r.sendOk(id, {
        ForbidCallbackControl: ['ForbidBeforeSendMsgCallback', 'ForbidAfterSendMsgCallback'],
      });
      assert.equal(receiver.of(CB.beforeSend, (b) => b.Official_Account === id).length, 1);
      assert.equal((await r.history(id)).length, 3);
      const [call] = await receiver.waitFor(CB.afterSend, (b) => b.Official_Account === id);
      assert.equal(call?.body.MsgKey, noBefore.key);
      const sent = (await deliveries(herald.admin, { Official_Account: id })).filter(
        (d) => d.CallbackCommand === CB.afterSend,
      );
      assert.deepEqual(
        sent.map((d) => d.Body.MsgKey),
        [noBefore.key],
      );
      assert.ok(
        ![noAfter.key, neither.key].includes(call?.body.MsgKey as string),
        '![noAfter.key, neither.key].includes(call?.body.MsgKey as string)',
      );
    });
  });

  describe(`before-webhook failures: timeout, connection refused, HTTP 500, non-JSON [${store}]`, () => {
    let receiver: WebhookReceiver;
    let closedPort: number;
    /** allow/reject Heralds pointed at the receiver, and at a closed port. */
    const h: Record<'allow' | 'reject' | 'allowClosed' | 'rejectClosed', TestHerald> = {} as never;
    const accounts: Record<string, string> = {};
    const rejectDir = mkdtempSync(join(tmpdir(), 'herald-wh-reject-'));
    let caseNo = 0;

    before(async () => {
      receiver = await WebhookReceiver.start();
      closedPort = await WebhookReceiver.closedPort();
      const closedUrl = `http://127.0.0.1:${closedPort}/hook`;
      h.allow = await startTestHerald({ apps: [webhookApp({ url: receiver.url() })] });
      h.reject = await startTestHerald({ apps: [webhookApp({ url: receiver.url(), beforeFailure: 'reject' })] });
      h.allowClosed = await startTestHerald({ apps: [webhookApp({ url: closedUrl })] });
      // A rejecting app whose URL is dead cannot create its account: create it with the
      // allow policy, then restart the same data directory with the reject policy.
      const setup = await startTestHerald({ dataDir: rejectDir, apps: [webhookApp({ url: closedUrl })] });
      await importAccounts(setup.admin, USERS);
      accounts.rejectClosed = await rest(setup.admin).create();
      await setup.close();
      h.rejectClosed = await startTestHerald({
        dataDir: rejectDir,
        apps: [webhookApp({ url: closedUrl, beforeFailure: 'reject' })],
      });
      for (const name of ['allow', 'reject', 'allowClosed'] as const) {
        await importAccounts(h[name].admin, USERS);
        accounts[name] = await rest(h[name].admin).create();
      }
    });
    afterEach(() => receiver.resetReplies());
    after(async () => {
      await receiver?.close();
      for (const herald of Object.values(h)) await herald?.close();
      rmSync(rejectDir, { recursive: true, force: true });
    });

    /** create + add_subscriber + send at once on one Herald; returns the answers and their durations. */
    async function exercise(name: keyof typeof h) {
      const herald = h[name];
      const r = rest(herald.admin);
      const tag = `c${++caseNo}`;
      const user = `user_${tag}`;
      await importAccounts(herald.admin, [user]);
      const newId = `@TOA#_wh_${name}_${tag}`;
      const oa = accounts[name] as string;
      const timed = async (p: () => Promise<Envelope>) => {
        const started = Date.now();
        const res = await p();
        return { res, ms: Date.now() - started };
      };
      const text = `msg ${tag}`;
      const [create, add, send] = await Promise.all([
        timed(() =>
          r.official('create_official_account', {
            Owner_Account: 'owner',
            Name: `n ${tag}`,
            OfficialAccountUserID: newId,
          }),
        ),
        timed(() => r.add(oa, [user])),
        timed(() => r.send(oa, { MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }] })),
      ]);
      const state = {
        created: await r.exists(newId),
        subscribed: (await r.subscribers(oa)).includes(user),
        stored: (await r.history(oa)).some((m) => JSON.stringify(m.MsgBody).includes(text)),
        events: await outboxCommands(herald.admin, newId),
      };
      return { create, add, send, state };
    }

    function expectAllowed(out: Awaited<ReturnType<typeof exercise>>, what: string) {
      assertOk(out.create.res);
      assertOk(out.add.res);
      assert.deepEqual(
        (out.add.res.SubscriberList as { Result: number }[]).map((x) => x.Result),
        [1],
        what,
      );
      assertOk(out.send.res);
      assert.deepEqual(
        out.state,
        { created: true, subscribed: true, stored: true, events: [CB.afterCreate] },
        `${what}: the operations went ahead`,
      );
    }

    function expectRejected(out: Awaited<ReturnType<typeof exercise>>, what: string) {
      assertFail(out.create.res, 80003);
      assertFail(out.add.res, 80003);
      assertFail(out.send.res, 80003);
      assert.deepEqual(
        out.state,
        { created: false, subscribed: false, stored: false, events: [] },
        `${what}: nothing changed, no event`,
      );
    }

    const failWith = (rule: Parameters<WebhookReceiver['reply']>[1]) => {
      for (const command of [CB.beforeCreate, CB.beforeAdd, CB.beforeSend]) receiver.reply(command, rule);
    };

    it('receiver hangs: the calls return within ~2.5 s; allow goes ahead, reject answers 80003', async () => {
      failWith({ hang: true });
      const [allowed, rejected] = await Promise.all([exercise('allow'), exercise('reject')]);
      for (const out of [allowed, rejected]) {
        for (const step of [out.create, out.add, out.send]) {
          assert.ok(step.ms >= 1900, `waited for the 2 s timeout (${step.ms} ms)`);
          assert.ok(step.ms < 3500, `returned within ~2.5 s, give or take a loaded machine (${step.ms} ms)`);
        }
      }
      expectAllowed(allowed, 'timeout, allow');
      expectRejected(rejected, 'timeout, reject');
      assert.equal(
        receiver.of(CB.beforeCreate).filter((c) => String(c.body.Name).startsWith('n c')).length,
        2,
        'both Heralds asked',
      );
    });

    it('connection refused: allow goes ahead, reject answers 80003', async () => {
      expectAllowed(await exercise('allowClosed'), 'connection refused, allow');
      expectRejected(await exercise('rejectClosed'), 'connection refused, reject');
    });

    it('HTTP 500 (even with a refusing JSON body) counts as a failure, not as the body', async () => {
      failWith({ status: 500, json: { ActionStatus: 'FAIL', ErrorCode: 1, ErrorInfo: 'ignored' } });
      expectAllowed(await exercise('allow'), 'HTTP 500, allow');
      expectRejected(await exercise('reject'), 'HTTP 500, reject');
    });

    it('a reply that is not JSON (or not a JSON object) counts as a failure', async () => {
      failWith({ text: 'OK, thanks' });
      expectAllowed(await exercise('allow'), 'text reply, allow');
      expectRejected(await exercise('reject'), 'text reply, reject');
      failWith({ text: '{"ActionStatus":"OK","ErrorCode":0' });
      expectRejected(await exercise('reject'), 'truncated JSON, reject');
      failWith({ json: [1, 2] });
      expectAllowed(await exercise('allow'), 'JSON array, allow');
      expectRejected(await exercise('reject'), 'JSON array, reject');
    });

    it('the reject policy still honours real answers (0 allows, 1 refuses)', async () => {
      const out = await exercise('reject');
      expectAllowed(out, 'reply 0 under reject');
      receiver.reply(CB.beforeCreate, reply(1));
      assertFail(
        await h.reject.admin.official('create_official_account', { Owner_Account: 'owner', Name: 'x' }),
        20006,
      );
    });
  });

  describe(`per-command switches and "no URL" [${store}]`, () => {
    let receiver: WebhookReceiver;

    before(async () => {
      receiver = await WebhookReceiver.start();
    });
    after(async () => {
      await receiver?.close();
    });

    it('commands in `off` never fire (not even a refusing before webhook); the others still do', async () => {
      const off = [CB.beforeCreate, CB.beforeAdd, CB.afterSend, CB.afterDelete, CB.afterFull];
      const herald = await startTestHerald({ apps: [webhookApp({ url: receiver.url('/off'), off })] });
      try {
        await importAccounts(herald.admin, USERS);
        const r = rest(herald.admin);
        receiver.reply(CB.beforeCreate, reply(1));
        receiver.reply(CB.beforeAdd, reply(1));
        const id = await r.create({ MaxSubscriberNum: 2 });
        assert.deepEqual(await r.addOk(id, ['u1', 'u2']), [1, 1]); // fills the account
        const m = await r.sendOk(id);
        assert.deepEqual(await r.delOk(id, ['u1']), [1]);
        assertOk(await r.official('official_account_msg_recall', { Official_Account: id, MsgKeyList: [m.key] }));
        assertOk(await r.official('destroy_official_account', { Official_Account: id }));
        const expected = [CB.afterCreate, CB.afterAdd, CB.afterWithdraw, CB.afterDestroyed];
        assert.deepEqual(await outboxCommands(herald.admin, id), expected);
        await receiver.until(
          () => receiver.about(id).filter((c) => c.command.includes('.CallbackAfter')).length >= expected.length,
          'after events',
        );
        const fromThis = receiver.calls.filter((c) => c.path === '/off');
        for (const call of fromThis)
          assert.ok(!off.includes(call.command as never), `${call.command} is switched off but fired`);
        assert.deepEqual(
          fromThis.filter((c) => c.command.includes('.CallbackAfter')).map((c) => c.command),
          expected,
        );
        assert.equal(fromThis.filter((c) => c.command === CB.beforeSend).length, 1, 'BeforeSendMsg is still on');
      } finally {
        receiver.resetReplies();
        await herald.close();
      }
    });

    it('without a URL nothing fires and nothing is written to the outbox', async () => {
      const herald = await startTestHerald({ apps: [webhookApp({ url: null, token: TOKEN })] });
      try {
        await importAccounts(herald.admin, USERS);
        const r = rest(herald.admin);
        const id = await r.create({ MaxSubscriberNum: 1 });
        await r.addOk(id, ['u1']);
        const m = await r.sendOk(id);
        await r.delOk(id, ['u1']);
        assertOk(await r.official('modify_official_account_base_info', { Official_Account: id, Name: 'new' }));
        assertOk(await r.official('official_account_msg_recall', { Official_Account: id, MsgKeyList: [m.key] }));
        assertOk(await r.official('destroy_official_account', { Official_Account: id }));
        assert.deepEqual(await deliveries(herald.admin), []);
        assert.equal(receiver.calls.filter((c) => c.body.Official_Account === id).length, 0);
      } finally {
        await herald.close();
      }
    });
  });
}
