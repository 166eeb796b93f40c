/**
 * Who may connect to the subscriber channel and for how long: the login is checked as the REST
 * API checks a UserSig (same codes), plus "imported" and "not kicked since"; kick and UserSig
 * expiry end sessions; the per-user cap closes the oldest; a silent or slow client is closed and
 * resumes; the SSE fallback streams the same frames; query_online_status sees every connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Api } from 'tls-sig-api-v2';
import { HeraldChat } from '../src/client/index.ts';
import { assertFail, assertOk } from './helpers/assertions.ts';
import { Device, RawSocket, until, userSig } from './helpers/devices.ts';
import {
  ADMIN,
  Client,
  importAccounts,
  SDKAPPID,
  SECRET_KEY,
  startTestHerald,
  stores,
  type TestHerald,
} from './helpers/harness.ts';
import { TcpProxy } from './helpers/proxy.ts';

const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];

for (const store of stores()) {
  describe(`subscriber channel: sessions [${store}]`, () => {
    let herald: TestHerald;
    let random = 1;
    const send = async (id: string, body = 'x') => {
      const res = await herald.admin.official('send_official_account_msg', {
        Official_Account: id,
        Random: random++,
        MsgBody: text(body),
      });
      assertOk(res);
      return res.MsgKey as string;
    };

    before(async () => {
      herald = await startTestHerald({ realtimeMaxConnectionsPerUser: 2, realtimePingMs: 300 });
      await importAccounts(herald.admin, ['u1', 'u2', 'u3', 'kicked', 'expiring', 'capped', 'slow', 'sse', 'idle']);
    });
    after(async () => {
      await herald.close();
    });

    it('a login is refused with the REST codes, then the socket closes (4002)', async () => {
      const expired = new Api(SDKAPPID, SECRET_KEY).genUserSig('u1', 1);
      await sleep(2100);
      const cases: [string, Record<string, unknown>, number][] = [
        ['unknown app', { sdkappid: 1400009999, userID: 'u1', userSig: userSig('u1') }, 60006],
        ['no sdkappid', { sdkappid: '', userID: 'u1', userSig: userSig('u1') }, 60012],
        ['no userID', { sdkappid: SDKAPPID, userID: '', userSig: userSig('u1') }, 60025],
        ['unreadable sig', { sdkappid: SDKAPPID, userID: 'u1', userSig: 'abc' }, 70003],
        ['wrong key', { sdkappid: SDKAPPID, userID: 'u1', userSig: userSig('u1', { key: 'c'.repeat(64) }) }, 70009],
        ['another user', { sdkappid: SDKAPPID, userID: 'u1', userSig: userSig('u2') }, 70013],
        ['another app', { sdkappid: SDKAPPID, userID: 'u1', userSig: userSig('u1', { sdkappid: 1400000001 }) }, 70014],
        ['expired', { sdkappid: SDKAPPID, userID: 'u1', userSig: expired }, 70001],
        ['not imported', { sdkappid: SDKAPPID, userID: 'ghost', userSig: userSig('ghost') }, 70107],
      ];
      for (const [label, fields, code] of cases) {
        const raw = await RawSocket.open(herald.url);
        const reply = await raw.request({ op: 'login', ...fields });
        assert.equal(reply.code, code, `${label}: ${JSON.stringify(reply)}`);
        assert.notEqual(reply.message, '', label);
        assert.equal(await raw.closed(), 4002, label);
      }
    });

    it('before login every request answers 6014; with no login at all the socket closes', async () => {
      const raw = await RawSocket.open(herald.url);
      assert.equal((await raw.request({ op: 'subscribe', officialAccountID: '@TOA#_x' })).code, 6014);
      assert.equal((await raw.request({ op: 'getOfficialAccountsInfo', officialAccountIDList: [] })).code, 6014);
      assert.equal((await raw.request({ op: 'ping' })).code, 0);
      raw.close();
    });

    it('kick closes every session of the user (KICKED_OUT), voids older UserSigs (70001), and new ones work', async () => {
      const issuedBefore = userSig('kicked');
      await sleep(1100); // the kick happens in a later second than that sig
      const a = await Device.login(herald.url, 'kicked', { platform: 'iPhone' });
      const b = await Device.login(herald.url, 'kicked', { platform: 'Web' });
      assertOk(await herald.admin.account('kick', { UserID: 'kicked' }));
      for (const d of [a, b]) {
        await d.until('KICKED_OUT', () => d.count(HeraldChat.EVENT.KICKED_OUT) === 1);
        assert.deepEqual(d.last(HeraldChat.EVENT.KICKED_OUT), { type: 'kicked' });
      }
      const old = await RawSocket.open(herald.url);
      const refused = await old.request({ op: 'login', sdkappid: SDKAPPID, userID: 'kicked', userSig: issuedBefore });
      assert.equal(refused.code, 70001);
      assert.equal(await old.closed(), 4002);
      const fresh = await Device.login(herald.url, 'kicked');
      await fresh.close();
      assertFail(await herald.admin.account('kick', { UserID: 'ghost' }), 70107);
      assertFail(await herald.admin.account('kick', {}), 70402);
      // The legacy field name works as well.
      assertOk(await herald.admin.account('kick', { Identifier: 'kicked' }));
    });

    it('deleting a connected user’s account ends their sessions (KICKED_OUT deleted) and their login', async () => {
      await importAccounts(herald.admin, ['doomed']);
      const d = await Device.login(herald.url, 'doomed');
      assertOk(await herald.admin.account('account_delete', { DeleteItem: [{ UserID: 'doomed' }] }));
      await d.until('KICKED_OUT', () => d.count(HeraldChat.EVENT.KICKED_OUT) === 1);
      assert.deepEqual(d.last(HeraldChat.EVENT.KICKED_OUT), { type: 'deleted' });
      const raw = await RawSocket.open(herald.url);
      assert.equal((await raw.login('doomed')).code, 70107);
      assert.equal(await raw.closed(), 4002);
    });

    it('with the official-account service off a device can log in but not subscribe or read (131000)', async () => {
      const off = await startTestHerald({
        apps: [{ sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN], officialAccountEnabled: false }],
      });
      try {
        await importAccounts(off.admin, ['u_off']);
        const d = await Device.login(off.url, 'u_off');
        await assert.rejects(d.chat.subscribeOfficialAccount({ officialAccountID: '@TOA#_any' }), { code: 131000 });
        await assert.rejects(d.chat.getOfficialAccountsInfo({ officialAccountIDList: [] }), { code: 131000 });
        await d.close();
      } finally {
        await off.close();
      }
    });

    it('a connected session ends when its UserSig expires (KICKED_OUT userSigExpired, 4004)', async () => {
      const raw = await RawSocket.open(herald.url);
      const sig = new Api(SDKAPPID, SECRET_KEY).genUserSig('expiring', 2);
      assert.equal((await raw.request({ op: 'login', sdkappid: SDKAPPID, userID: 'expiring', userSig: sig })).code, 0);
      assert.equal(await raw.closed(), 4004);
      assert.deepEqual(
        raw.events('KICKED_OUT').map((f) => f.data),
        [{ type: 'userSigExpired' }],
      );
    });

    it('beyond the per-user cap the oldest session is closed (multipleDevices)', async () => {
      const first = await Device.login(herald.url, 'capped');
      await sleep(5);
      const second = await Device.login(herald.url, 'capped');
      await sleep(5);
      const third = await Device.login(herald.url, 'capped');
      await first.until('KICKED_OUT', () => first.count(HeraldChat.EVENT.KICKED_OUT) === 1);
      assert.deepEqual(first.last(HeraldChat.EVENT.KICKED_OUT), { type: 'multipleDevices' });
      assert.equal(second.count(HeraldChat.EVENT.KICKED_OUT), 0);
      assert.equal(third.count(HeraldChat.EVENT.KICKED_OUT), 0);
      await second.close();
      await third.close();
    });

    it('a client that stops answering pings is closed (4010)', async () => {
      const raw = await RawSocket.open(herald.url, { autoPong: false });
      assert.equal((await raw.login('idle')).code, 0);
      assert.equal(await raw.closed(), 4010);
    });

    it('query_online_status: Online with each connection’s platform, Offline, 70107 for the unknown; ≤ 500 IDs', async () => {
      const phone = await Device.login(herald.url, 'u3', { platform: 'Android' });
      const web = await Device.login(herald.url, 'u3', { platform: 'Web' });
      const res = await herald.admin.call('openim', 'query_online_status', {
        To_Account: ['u3', 'u2', 'ghost'],
        IsNeedDetail: 1,
      });
      assertOk(res);
      const [online, offline] = res.QueryResult as {
        To_Account: string;
        Status: string;
        Detail?: { Platform: string }[];
      }[];
      assert.equal(online?.To_Account, 'u3');
      assert.equal(online?.Status, 'Online');
      assert.deepEqual(online?.Detail?.map((d) => d.Platform).sort(), ['Android', 'Web']);
      assert.deepEqual(offline, { To_Account: 'u2', Status: 'Offline' });
      assert.deepEqual(res.ErrorList, [{ To_Account: 'ghost', ErrorCode: 70107 }]);
      const plain = await herald.admin.call('openim', 'query_online_status', { To_Account: ['u3'] });
      assert.deepEqual(plain.QueryResult, [{ To_Account: 'u3', Status: 'Online' }]);
      await phone.close();
      await web.close();
      await until('u3 offline', async () => {
        const again = await herald.admin.call('openim', 'query_online_status', { To_Account: ['u3'] });
        return (again.QueryResult as { Status: string }[])[0]?.Status === 'Offline';
      });
      assertFail(await herald.admin.call('openim', 'query_online_status', { To_Account: [] }), 70402);
      assertFail(
        await herald.admin.call('openim', 'query_online_status', {
          To_Account: Array.from({ length: 501 }, (_, i) => `x${i}`),
        }),
        70402,
      );
      const user = new Client(herald.url, { identifier: 'u1' });
      assertFail(await user.call('openim', 'query_online_status', { To_Account: ['u1'] }), 90009);
    });

    it('the SSE fallback streams the same frames and resumes from Last-Event-ID', async () => {
      const created = await herald.admin.official('create_official_account', { Owner_Account: ADMIN, Name: 'SSE' });
      const id = created.OfficialAccountUserID as string;
      assertOk(
        await herald.admin.official('add_subscriber', {
          Official_Account: id,
          SubscriberList: [{ Subscriber_Account: 'sse' }],
        }),
      );
      const query = new URLSearchParams({ sdkappid: String(SDKAPPID), identifier: 'sse', usersig: userSig('sse') });
      const stream = await openSse(`${herald.url}/realtime/sse?${query}`);
      await until('the login reply', () => stream.frames.some((f) => f.op === 'reply' && f.id === 'login'));
      const key = await send(id, 'over sse');
      await until('the message over SSE', () => stream.frames.some((f) => f.event === 'MESSAGE_RECEIVED'));
      const event = stream.frames.find((f) => f.event === 'MESSAGE_RECEIVED') as { data: { ID: string }[] };
      assert.equal(event.data[0]?.ID, key);
      const lastId = stream.lastEventId;
      assert.ok(lastId, 'message frames carry an id');
      stream.close();
      const missed = await send(id, 'while the stream was closed');
      const again = await openSse(`${herald.url}/realtime/sse?${query}`, lastId);
      await until('the missed message on the resumed stream', () =>
        again.frames.some((f) => f.event === 'MESSAGE_RECEIVED'),
      );
      const resumed = again.frames
        .filter((f) => f.event === 'MESSAGE_RECEIVED')
        .flatMap((f) => (f.data as { ID: string }[]).map((m) => m.ID));
      assert.deepEqual(resumed, [missed]);
      again.close();
      const bad = await openSse(
        `${herald.url}/realtime/sse?${new URLSearchParams({ sdkappid: String(SDKAPPID), identifier: 'sse', usersig: 'bad' })}`,
      );
      await until('the refusal', () => bad.ended);
      assert.equal(bad.frames.find((f) => f.id === 'login')?.code, 70003);
    });

    it('a client that reads too slowly is closed (4008) and catches up after reconnecting', async () => {
      const slowHerald = await startTestHerald({ realtimeMaxBufferedBytes: 64 * 1024 });
      const proxy = await TcpProxy.inFrontOf(slowHerald.url);
      try {
        await importAccounts(slowHerald.admin, ['slow']);
        const created = await slowHerald.admin.official('create_official_account', {
          Owner_Account: ADMIN,
          Name: 'Flood',
        });
        const id = created.OfficialAccountUserID as string;
        assertOk(
          await slowHerald.admin.official('add_subscriber', {
            Official_Account: id,
            SubscriberList: [{ Subscriber_Account: 'slow' }],
          }),
        );
        const d = await Device.login(proxy.url, 'slow', { reconnect: { minDelayMs: 200, maxDelayMs: 500 } });
        proxy.pause();
        const big = 'y'.repeat(10_000);
        const keys: string[] = [];
        for (let i = 0; i < 400; i++) {
          const res = await slowHerald.admin.official('send_official_account_msg', {
            Official_Account: id,
            Random: i + 1,
            MsgBody: text(`${i}${big}`),
          });
          assertOk(res);
          keys.push(res.MsgKey as string);
        }
        // The server gave up on it (its send buffer passed the cap): the user is offline now.
        await until('the server to close the slow session', async () => {
          const status = await slowHerald.admin.call('openim', 'query_online_status', { To_Account: ['slow'] });
          return (status.QueryResult as { Status: string }[])[0]?.Status === 'Offline';
        });
        proxy.cut(); // the network comes back; the client reconnects and resumes
        await d.until('every message, after the close for slowness', () => d.received.length === keys.length, 30_000);
        assert.deepEqual(d.idsOf(id), keys, 'each once, in order');
        await d.close();
      } finally {
        await proxy.close();
        await slowHerald.close();
      }
    });
  });
}

interface SseStream {
  frames: Record<string, unknown>[];
  lastEventId: string | undefined;
  ended: boolean;
  close(): void;
}

/** Reads an SSE stream with fetch: `data:` lines as frames, `id:` lines as the last event id. */
async function openSse(url: string, lastEventId?: string): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    signal: controller.signal,
    headers: lastEventId ? { 'last-event-id': lastEventId } : {},
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const stream: SseStream = { frames: [], lastEventId: undefined, ended: false, close: () => controller.abort() };
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of block.split('\n')) {
            if (line.startsWith('data: ')) stream.frames.push(JSON.parse(line.slice(6)) as Record<string, unknown>);
            if (line.startsWith('id: ')) stream.lastEventId = line.slice(4);
          }
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
    stream.ended = true;
  })();
  return stream;
}
