/**
 * The subscriber channel delivers what an account broadcasts (subscriber-side.md §2): live to
 * connected subscribers, caught up after a drop from the client's cursors, exactly once, in
 * version order, never from before the subscription; recalls and account events too; and a
 * device's own actions obey the REST rules and fire the same webhooks.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeraldChat } from '../src/client/index.ts';
import { assertOk } from './helpers/assertions.ts';
import WebSocket from 'ws';
import { Device, RawSocket, until, userSig } from './helpers/devices.ts';
import { TcpProxy } from './helpers/proxy.ts';
import {
  ADMIN,
  Client,
  importAccounts,
  SDKAPPID,
  startTestHerald,
  stores,
  type TestHerald,
} from './helpers/harness.ts';
import { CB, webhookApp } from './helpers/webhook-checks.ts';
import { WebhookReceiver } from './helpers/webhook-receiver.ts';

const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
let random = 1;

for (const store of stores()) {
  describe(`subscriber channel: delivery [${store}]`, () => {
    let herald: TestHerald;
    const devices: Device[] = [];
    let n = 0;
    /** A fresh official account and subscribers for each test. */
    const fresh = async (users: string[]) => {
      n++;
      const ids = users.map((u) => `${u}_${n}`);
      await importAccounts(herald.admin, ids);
      const res = await herald.admin.official('create_official_account', {
        Owner_Account: ADMIN,
        Name: `News ${n}`,
        OfficialAccountUserID: `@TOA#_news${n}`,
      });
      assertOk(res);
      return { id: res.OfficialAccountUserID as string, users: ids };
    };
    const send = async (id: string, body: string, extra: Record<string, unknown> = {}) => {
      const res = await herald.admin.official('send_official_account_msg', {
        Official_Account: id,
        Random: random++,
        MsgBody: text(body),
        ...extra,
      });
      assertOk(res);
      return res.MsgKey as string;
    };
    const subscribe = async (id: string, users: string[]) =>
      assertOk(
        await herald.admin.official('add_subscriber', {
          Official_Account: id,
          SubscriberList: users.map((Subscriber_Account) => ({ Subscriber_Account })),
        }),
      );
    let proxy: TcpProxy;
    const device = async (user: string, url = herald.url) => {
      const d = await Device.login(url, user);
      devices.push(d);
      return d;
    };

    before(async () => {
      herald = await startTestHerald();
      proxy = await TcpProxy.inFrontOf(herald.url);
    });
    afterEach(async () => {
      for (const d of devices.splice(0)) await d.close();
    });
    after(async () => {
      await proxy.close();
      await herald.close();
    });

    it('a broadcast reaches every connected subscriber live, as a c2c message from the account', async () => {
      const { id, users } = await fresh(['live_a', 'live_b', 'live_c']);
      await subscribe(id, users.slice(0, 2));
      const [a, b, c] = await Promise.all(users.map((u) => device(u)));
      const key = await send(id, 'hello subscribers', { CloudCustomData: 'cdd' });
      await a!.until('the broadcast', () => a!.received.length === 1);
      await b!.until('the broadcast', () => b!.received.length === 1);
      const m = a!.received[0]!;
      assert.equal(m.ID, key);
      assert.equal(m.conversationID, `c2c_${id}`);
      assert.equal(m.from, id);
      assert.equal(m.sequence, Number(key.split('_')[0]));
      assert.equal(m.time, Number(key.split('_')[2]));
      assert.deepEqual(m.msgBody, text('hello subscribers'));
      assert.equal(m.cloudCustomData, 'cdd');
      assert.equal(m.isRevoked, false);
      assert.equal(m.notify, true);
      await sleep(200);
      assert.equal(c!.received.length, 0, 'a non-subscriber receives nothing');
    });

    it('a recall arrives as MESSAGE_REVOKED for a message the subscriber has', async () => {
      const { id, users } = await fresh(['rev']);
      await subscribe(id, users);
      const d = await device(users[0]!);
      const key = await send(id, 'oops');
      await d.until('the message', () => d.received.length === 1);
      assertOk(await herald.admin.official('official_account_msg_recall', { Official_Account: id, MsgKeyList: [key] }));
      await d.until('the recall', () => d.revoked.length === 1);
      assert.equal(d.revoked[0]!.ID, key);
      assert.equal(d.revoked[0]!.isRevoked, true);
      assert.deepEqual(d.revoked[0]!.msgBody, []);
    });

    it('messages missed while disconnected come on reconnect, in order, each once; none from before subscribing', async () => {
      const { id, users } = await fresh(['resume']);
      const before = await send(id, 'before subscribing');
      await subscribe(id, users);
      const d = await device(users[0]!, proxy.url);
      const first = await send(id, 'one');
      await d.until('the first message', () => d.received.length === 1);
      // The network fails under the client; it reconnects by itself.
      const dropped = d.count(HeraldChat.EVENT.SYNC_COMPLETED);
      proxy.cut();
      const missed = [await send(id, 'two'), await send(id, 'three'), await send(id, 'four')];
      await d.until('the catch-up after reconnecting', () => d.count(HeraldChat.EVENT.SYNC_COMPLETED) > dropped);
      await d.until('every missed message', () => d.received.length === 4);
      const live = await send(id, 'five');
      await d.until('the live one after', () => d.received.length === 5);
      assert.deepEqual(d.idsOf(id), [first, ...missed, live]);
      assert.ok(!d.idsOf(id).includes(before), 'nothing sent before the subscription');
      const seqs = d.received.map((m) => m.sequence);
      assert.deepEqual(
        seqs,
        [...seqs].sort((x, y) => x - y),
        'in Seq order',
      );
    });

    it('a client that saves its cursors resumes after a restart of the client without gaps or repeats', async () => {
      const { id, users } = await fresh(['saved']);
      await subscribe(id, users);
      const d1 = await device(users[0]!);
      const one = await send(id, 'one');
      await d1.until('one', () => d1.received.length === 1);
      const cursors = d1.chat.getCursors();
      await d1.close();
      const two = await send(id, 'two');
      const chat = HeraldChat.create({ url: herald.url, SDKAppID: SDKAPPID, WebSocket: WebSocket as never, cursors });
      const got: string[] = [];
      chat.on(HeraldChat.EVENT.MESSAGE_RECEIVED, (e) => got.push(...(e.data as { ID: string }[]).map((m) => m.ID)));
      await chat.login({ userID: users[0]!, userSig: userSig(users[0]!) });
      await until('the saved-cursor catch-up', () => got.length === 1);
      assert.deepEqual(got, [two]);
      assert.ok(!got.includes(one));
      await chat.logout();
    });

    it('OnlineOnlyFlag reaches only the connected, and is never replayed', async () => {
      const { id, users } = await fresh(['online_on', 'online_off']);
      await subscribe(id, users);
      const on = await device(users[0]!);
      const key = await send(id, 'flash', { OnlineOnlyFlag: 1 });
      await on.until('the online-only message', () => on.received.length === 1);
      assert.equal(on.received[0]!.ID, key);
      assert.equal(on.received[0]!.onlineOnly, true);
      const later = await device(users[1]!);
      const normal = await send(id, 'normal');
      await later.until('the normal message', () => later.received.length === 1);
      assert.deepEqual(later.idsOf(id), [normal], 'the online-only message was sent before this device connected');
    });

    it('receive options: AcceptNotNotify is marked, Discard gets nothing, and back from Discard nothing of meanwhile', async () => {
      const { id, users } = await fresh(['opt']);
      await subscribe(id, users);
      const d = await device(users[0]!);
      await d.chat.setReceiveOption({ officialAccountID: id, msgFlag: 'AcceptNotNotify' });
      const info = await herald.admin.official('get_subscriber_info', { Official_Account: id });
      assert.equal(
        (info.SubscriberList as { MsgFlag: string }[])[0]!.MsgFlag,
        'AcceptNotNotify',
        'REST reports the option',
      );
      await send(id, 'quiet');
      await d.until('the quiet message', () => d.received.length === 1);
      assert.equal(d.received[0]!.notify, false);
      await d.chat.setReceiveOption({ officialAccountID: id, msgFlag: 'Discard' });
      await sleep(100);
      await send(id, 'discarded');
      await sleep(300);
      assert.equal(d.received.length, 1, 'Discard delivers nothing');
      await d.chat.setReceiveOption({ officialAccountID: id, msgFlag: 'AcceptAndNotify' });
      await sleep(100);
      const back = await send(id, 'back');
      await d.until('the message after Discard', () => d.received.length === 2);
      assert.deepEqual(d.idsOf(id).slice(1), [back]);
      assert.equal(d.received[1]!.notify, true);
    });

    it('subscribe and unsubscribe from the device: events on every device of the user, webhooks with the user as operator', async () => {
      const receiver = await WebhookReceiver.start();
      const hooked = await startTestHerald({ apps: [webhookApp({ url: receiver.url() })] });
      try {
        await importAccounts(hooked.admin, ['dev_u', 'owner']);
        const created = await hooked.admin.official('create_official_account', {
          Owner_Account: 'owner',
          Name: 'Hooked',
          OfficialAccountUserID: '@TOA#_hooked',
        });
        assertOk(created);
        const phone = await Device.login(hooked.url, 'dev_u', { platform: 'iPhone' });
        const laptop = await Device.login(hooked.url, 'dev_u', { platform: 'Web' });
        devices.push(phone, laptop);
        await phone.chat.subscribeOfficialAccount({ officialAccountID: '@TOA#_hooked' });
        for (const d of [phone, laptop]) {
          await d.until(
            'OFFICIAL_ACCOUNT_SUBSCRIBED',
            () => d.count(HeraldChat.EVENT.OFFICIAL_ACCOUNT_SUBSCRIBED) === 1,
          );
        }
        assert.equal(
          phone.last<{ officialAccountID: string }>(HeraldChat.EVENT.OFFICIAL_ACCOUNT_SUBSCRIBED)?.officialAccountID,
          '@TOA#_hooked',
        );
        const [afterAdd] = await receiver.waitFor(CB.afterAdd);
        const [before] = receiver.of(CB.beforeAdd);
        assert.equal(before?.body.Operator_Account, 'dev_u');
        assert.equal(afterAdd?.body.Operator_Account, 'dev_u');
        assert.deepEqual(afterAdd?.body.SubscribeAccountList, [{ Subscriber_Account: 'dev_u' }]);

        // A refused before-subscribe answers the device with the same code as REST.
        receiver.reply(CB.beforeAdd, { json: { ActionStatus: 'FAIL', ErrorCode: 1, ErrorInfo: 'closed' } });
        await importAccounts(hooked.admin, ['dev_v']);
        const v = await Device.login(hooked.url, 'dev_v');
        devices.push(v);
        await assert.rejects(v.chat.subscribeOfficialAccount({ officialAccountID: '@TOA#_hooked' }), { code: 20006 });

        await laptop.chat.unsubscribeOfficialAccount({ officialAccountID: '@TOA#_hooked' });
        for (const d of [phone, laptop]) {
          await d.until(
            'OFFICIAL_ACCOUNT_UNSUBSCRIBED',
            () => d.count(HeraldChat.EVENT.OFFICIAL_ACCOUNT_UNSUBSCRIBED) === 1,
          );
        }
        const [afterDelete] = await receiver.waitFor(CB.afterDelete);
        assert.equal(afterDelete?.body.Operator_Account, 'dev_u');
      } finally {
        await hooked.close();
        await receiver.close();
      }
    });

    it('REST subscribe, info change and destroy arrive as events', async () => {
      const { id, users } = await fresh(['ev']);
      const d = await device(users[0]!);
      await subscribe(id, users);
      await d.until('OFFICIAL_ACCOUNT_SUBSCRIBED', () => d.count(HeraldChat.EVENT.OFFICIAL_ACCOUNT_SUBSCRIBED) === 1);
      const key = await send(id, 'after REST subscribe');
      await d.until('the message', () => d.received.length === 1);
      assert.equal(d.received[0]!.ID, key);
      assertOk(
        await herald.admin.official('modify_official_account_base_info', { Official_Account: id, Name: 'Renamed' }),
      );
      await d.until(
        'OFFICIAL_ACCOUNT_INFO_CHANGED',
        () => d.count(HeraldChat.EVENT.OFFICIAL_ACCOUNT_INFO_CHANGED) === 1,
      );
      assert.equal(
        d.last<{ officialAccountName: string }>(HeraldChat.EVENT.OFFICIAL_ACCOUNT_INFO_CHANGED)?.officialAccountName,
        'Renamed',
      );
      assertOk(await herald.admin.official('destroy_official_account', { Official_Account: id }));
      await d.until('OFFICIAL_ACCOUNT_DELETED', () => d.count(HeraldChat.EVENT.OFFICIAL_ACCOUNT_DELETED) === 1);
      assert.deepEqual(d.last(HeraldChat.EVENT.OFFICIAL_ACCOUNT_DELETED), { officialAccountID: id });
    });

    it('the device obeys MaxSubscriberNum (10014) and the service switch (131000), and changes nothing', async () => {
      n++;
      await importAccounts(herald.admin, [`full_a${n}`, `full_b${n}`]);
      const created = await herald.admin.official('create_official_account', {
        Owner_Account: ADMIN,
        Name: 'Tiny',
        MaxSubscriberNum: 1,
      });
      const id = created.OfficialAccountUserID as string;
      const a = await device(`full_a${n}`);
      const b = await device(`full_b${n}`);
      await a.chat.subscribeOfficialAccount({ officialAccountID: id });
      await assert.rejects(b.chat.subscribeOfficialAccount({ officialAccountID: id }), { code: 10014 });
      const info = await herald.admin.official('get_subscriber_info', { Official_Account: id });
      assert.equal(info.SubscriberNum, 1);
      await assert.rejects(b.chat.subscribeOfficialAccount({ officialAccountID: '@TOA#_no_such' }), { code: 130004 });
      await assert.rejects(
        b.chat.getMessageList({ conversationID: `c2c_${id}` }),
        { code: 130002 },
        'history only for subscribers',
      );
    });

    it('history from the device: newest first, recalled ones marked, paged with nextReqMessageID', async () => {
      const { id, users } = await fresh(['hist']);
      await subscribe(id, users);
      const keys = [];
      for (let i = 0; i < 5; i++) keys.push(await send(id, `m${i}`));
      assertOk(
        await herald.admin.official('official_account_msg_recall', { Official_Account: id, MsgKeyList: [keys[1]] }),
      );
      const d = await device(users[0]!);
      const first = await d.chat.getMessageList({ conversationID: `c2c_${id}`, count: 3 });
      assert.deepEqual(
        first.data.messageList.map((m) => m.ID),
        [keys[4], keys[3], keys[2]],
      );
      assert.equal(first.data.isCompleted, false);
      const second = await d.chat.getMessageList({
        conversationID: `c2c_${id}`,
        count: 3,
        nextReqMessageID: first.data.nextReqMessageID,
      });
      assert.deepEqual(
        second.data.messageList.map((m) => [m.ID, m.isRevoked]),
        [
          [keys[1], true],
          [keys[0], false],
        ],
      );
      assert.equal(second.data.isCompleted, true);
    });

    it('bad requests from a logged-in device answer their code and change nothing', async () => {
      const { id, users } = await fresh(['bad']);
      await subscribe(id, users);
      const raw = await RawSocket.open(herald.url);
      try {
        assert.equal((await raw.login(users[0]!)).code, 0);
        const cases: [Record<string, unknown>, number][] = [
          [{ op: 'subscribe' }, 6017],
          [{ op: 'subscribe', officialAccountID: 5 }, 6017],
          [{ op: 'setReceiveOption', officialAccountID: id, msgFlag: 'Loud' }, 6017],
          [{ op: 'getMessageList', conversationID: 'group_x' }, 6017],
          [{ op: 'getMessageList', conversationID: `c2c_${id}`, count: 21 }, 6017],
          [
            {
              op: 'getOfficialAccountsInfo',
              officialAccountIDList: Array.from({ length: 51 }, (_, i) => `@TOA#_${i}`),
            },
            6017,
          ],
          [{ op: 'fly' }, 60009],
          [{ op: 'login', sdkappid: 1400000000, userID: users[0], userSig: 'x' }, 6017],
        ];
        for (const [frame, code] of cases) {
          const reply = await raw.request(frame);
          assert.equal(reply.code, code, `${JSON.stringify(frame).slice(0, 100)} → ${JSON.stringify(reply)}`);
          assert.equal(typeof reply.message, 'string');
          assert.notEqual(reply.message, '');
        }
        raw.sendText('not json');
        raw.sendText(JSON.stringify({ op: 'ping', pad: 'x'.repeat(70 * 1024) }));
        await until('two error frames', () => raw.frames.filter((f) => f.op === 'error').length === 2);
        assert.deepEqual(
          raw.frames.filter((f) => f.op === 'error').map((f) => f.code),
          [60003, 60003],
        );
        // Still logged in, still subscribed, nothing changed.
        assert.equal((await raw.request({ op: 'ping' })).code, 0);
        const info = await herald.admin.official('get_subscriber_info', { Official_Account: id });
        assert.deepEqual(
          (info.SubscriberList as { Subscriber_Account: string; MsgFlag: string }[]).map((s) => [
            s.Subscriber_Account,
            s.MsgFlag,
          ]),
          [[users[0], 'AcceptAndNotify']],
        );
      } finally {
        raw.close();
      }
    });

    it('a user never reads or subscribes across apps; other users’ sigs do not log in', async () => {
      const other = await startTestHerald({
        apps: [{ sdkappid: 1400000099, secretKey: 'b'.repeat(64), admins: [ADMIN] }],
      });
      try {
        const { id, users } = await fresh(['cross']);
        await subscribe(id, users);
        const raw = await RawSocket.open(herald.url);
        // A UserSig of another app's key, or another user's, never logs in.
        const wrongKey = await raw.request({
          op: 'login',
          sdkappid: 1400000000,
          userID: users[0],
          userSig: userSig(users[0]!, { key: 'b'.repeat(64) }),
        });
        assert.equal(wrongKey.code, 70009);
        assert.equal(await raw.closed(), 4002);
        const raw2 = await RawSocket.open(herald.url);
        const someoneElse = await raw2.request({
          op: 'login',
          sdkappid: 1400000000,
          userID: users[0],
          userSig: userSig('admin_or_anyone'),
        });
        assert.equal(someoneElse.code, 70013);
        raw2.close();
        // The same account ID does not exist in the other app.
        await importAccounts(new Client(other.url, { sdkappid: 1400000099, key: 'b'.repeat(64) }), ['x_user']);
        const x = await Device.login(other.url, 'x_user', { sdkappid: 1400000099, key: 'b'.repeat(64) });
        devices.push(x);
        await assert.rejects(x.chat.subscribeOfficialAccount({ officialAccountID: id }), { code: 130004 });
        const infos = await x.chat.getOfficialAccountsInfo({ officialAccountIDList: [id] });
        assert.equal(infos.data[0]!.resultCode, 130004);
      } finally {
        await other.close();
      }
    });
  });
}
