/**
 * herald/client in a real browser (Chromium): a page on its own origin loads the client from
 * Herald (/realtime/herald-client.mjs), logs in over the browser's WebSocket, subscribes, receives
 * broadcasts and recalls live, reads history, survives a network drop without losing or repeating
 * a message, and follows the read-only SSE stream with the browser's EventSource, resuming after a
 * drop with Last-Event-ID.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CLIENT_SCRIPT_PATH } from '../src/realtime/protocol.ts';
import { assertOk } from './helpers/assertions.ts';
import { browserSkip, launchBrowser, serveFixture } from './helpers/browser.ts';
import { ensureBundles } from './helpers/cli.ts';
import { until, userSig } from './helpers/devices.ts';
import { ADMIN, importAccounts, SDKAPPID, startTestHerald, stores, type TestHerald } from './helpers/harness.ts';
import { TcpProxy } from './helpers/proxy.ts';

interface Outcome<T = Record<string, unknown>> {
  code: number;
  data: T;
  rejected?: true;
  name?: string;
  message?: string;
}
interface PageMessage {
  ID: string;
  conversationID: string;
  from: string;
  sequence: number;
  msgBody: unknown;
  isRevoked: boolean;
}
interface SseState {
  frames: Record<string, unknown>[];
  lastEventIds: string[];
  opens: number;
  closed: { code: number; reason: string } | null;
}

const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
let random = 1;

/** Calls `app.<name>(...args)` in the page (test/fixtures/subscriber-page/app.mjs). */
function inPage<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(`window.app.${name}(...${JSON.stringify(args)})`) as Promise<T>;
}
const read = <T>(page: Page, expression: string) => page.evaluate(`window.app.${expression}`) as Promise<T>;

for (const store of stores()) {
  describe(`herald/client in a browser [${store}]`, { skip: browserSkip() }, () => {
    let herald: TestHerald;
    let proxy: TcpProxy;
    let site: Awaited<ReturnType<typeof serveFixture>>;
    let browser: Browser;
    let n = 0;

    const openPage = async (channel: string) => {
      const page = await browser.newPage();
      const query = new URLSearchParams({ herald: herald.url, channel });
      await page.goto(`${site.url}/?${query}`);
      await page.waitForFunction('window.app !== undefined');
      return page;
    };
    const fresh = async (user: string) => {
      n++;
      const userId = `${user}_${n}`;
      await importAccounts(herald.admin, [userId]);
      const res = await herald.admin.official('create_official_account', {
        Owner_Account: ADMIN,
        Name: `Browser ${n}`,
        OfficialAccountUserID: `@TOA#_web${n}`,
      });
      assertOk(res);
      return { id: res.OfficialAccountUserID as string, userId };
    };
    const send = async (id: string, body: string) => {
      const res = await herald.admin.official('send_official_account_msg', {
        Official_Account: id,
        Random: random++,
        MsgBody: text(body),
      });
      assertOk(res);
      return res.MsgKey as string;
    };

    before(async () => {
      ensureBundles();
      herald = await startTestHerald();
      proxy = await TcpProxy.inFrontOf(herald.url);
      site = await serveFixture('subscriber-page');
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await site?.close();
      await proxy?.close();
      await herald?.close();
    });

    it('Herald serves the client as an ES module that a page on any origin may import', async () => {
      const response = await fetch(`${herald.url}${CLIENT_SCRIPT_PATH}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      assert.match(await response.text(), /export\s*\{[^}]*HeraldChat/);
    });

    it("a page logs in over the browser's WebSocket, subscribes, and receives broadcasts and recalls live", async () => {
      const { id, userId } = await fresh('web');
      const page = await openPage(herald.url);
      const login = await inPage<Outcome<{ userID: string }>>(page, 'login', SDKAPPID, userId, userSig(userId));
      assert.equal(login.code, 0, login.message);
      assert.equal(login.data.userID, userId);
      assert.equal(
        (await inPage<Outcome>(page, 'call', 'subscribeOfficialAccount', { officialAccountID: id })).code,
        0,
      );

      const keys = [await send(id, 'first'), await send(id, 'second')];
      await until('two broadcasts in the page', async () => (await read<unknown[]>(page, 'received()')).length === 2);
      const received = await read<PageMessage[]>(page, 'received()');
      assert.deepEqual(
        received.map((m) => [m.ID, m.conversationID, m.from, m.isRevoked]),
        keys.map((key) => [key, `c2c_${id}`, id, false]),
      );
      assert.deepEqual(received[1]!.msgBody, text('second'));
      assert.ok(received[0]!.sequence < received[1]!.sequence);

      assertOk(
        await herald.admin.official('official_account_msg_recall', { Official_Account: id, MsgKeyList: [keys[0]] }),
      );
      const revoked = async () =>
        (await read<{ name: string; data: PageMessage[] }[]>(page, 'events')).filter(
          (e) => e.name === 'MESSAGE_REVOKED',
        );
      await until('the recall in the page', async () => (await revoked()).length === 1);
      assert.deepEqual(
        (await revoked())[0]!.data.map((m) => [m.ID, m.isRevoked]),
        [[keys[0], true]],
      );

      const history = await inPage<Outcome<{ messageList: PageMessage[]; isCompleted: boolean }>>(
        page,
        'call',
        'getMessageList',
        { conversationID: `c2c_${id}` },
      );
      assert.deepEqual(
        history.data.messageList.map((m) => [m.ID, m.isRevoked]),
        [
          [keys[1], false],
          [keys[0], true],
        ],
      );
      assert.equal(history.data.isCompleted, true);
      const info = await inPage<Outcome<{ resultCode: number; officialAccountInfo: { officialAccountID: string } }[]>>(
        page,
        'call',
        'getOfficialAccountsInfo',
        { officialAccountIDList: [] },
      );
      assert.deepEqual(
        info.data.map((a) => [a.resultCode, a.officialAccountInfo.officialAccountID]),
        [[0, id]],
      );
      assert.equal((await inPage<Outcome>(page, 'call', 'logout')).code, 0);
      await page.close();
    });

    it('a refused login rejects with the Tencent code', async () => {
      const { userId } = await fresh('refused');
      const page = await openPage(herald.url);
      const wrongKey = userSig(userId, { key: 'f'.repeat(64) });
      const refused = await inPage<Outcome>(page, 'login', SDKAPPID, userId, wrongKey);
      assert.equal(refused.rejected, true);
      assert.equal(refused.code, 70009);
      assert.ok(refused.message, 'the rejection carries a message');
      await page.close();
    });

    it('after the network drops, the page reconnects and has every message exactly once', async () => {
      const { id, userId } = await fresh('drop');
      const page = await openPage(proxy.url);
      assert.equal((await inPage<Outcome>(page, 'login', SDKAPPID, userId, userSig(userId))).code, 0);
      assert.equal(
        (await inPage<Outcome>(page, 'call', 'subscribeOfficialAccount', { officialAccountID: id })).code,
        0,
      );
      const keys = [await send(id, 'before the drop')];
      await until('the first broadcast', async () => (await read<unknown[]>(page, 'received()')).length === 1);
      proxy.cut();
      for (let i = 0; i < 3; i++) keys.push(await send(id, `while down ${i}`));
      await until(
        'every broadcast after the reconnect',
        async () => (await read<unknown[]>(page, 'received()')).length >= 4,
      );
      const more = await send(id, 'after the reconnect');
      keys.push(more);
      await until('the live one after the reconnect', async () =>
        (await read<PageMessage[]>(page, 'received()')).some((m) => m.ID === more),
      );
      assert.deepEqual(
        (await read<PageMessage[]>(page, 'received()')).map((m) => m.ID),
        keys,
      );
      const states = (await read<{ name: string; data: { state: string } }[]>(page, 'events'))
        .filter((e) => e.name === 'NET_STATE_CHANGE')
        .map((e) => e.data.state);
      assert.ok(states.includes('connecting') && states.at(-1) === 'connected', `net states: ${states.join(', ')}`);
      await page.close();
    });

    it("the browser's EventSource follows the SSE stream, resumes with Last-Event-ID, and stops at a close event", async () => {
      const { id, userId } = await fresh('sse');
      assertOk(
        await herald.admin.official('add_subscriber', {
          Official_Account: id,
          SubscriberList: [{ Subscriber_Account: userId }],
        }),
      );
      const page = await openPage(proxy.url);
      await inPage(page, 'follow', { sdkappid: String(SDKAPPID), identifier: userId, usersig: userSig(userId) });
      const sse = () => read<SseState>(page, 'sse');
      const messageIds = async () =>
        (await sse()).frames
          .filter((f) => f.event === 'MESSAGE_RECEIVED')
          .flatMap((f) => (f.data as PageMessage[]).map((m) => m.ID));
      await until('the login reply', async () => (await sse()).frames.some((f) => f.id === 'login' && f.code === 0));
      const first = await send(id, 'over SSE');
      await until('the first broadcast over SSE', async () => (await messageIds()).includes(first));
      assert.ok((await sse()).lastEventIds.length > 0, 'frames with messages carry an id');

      proxy.cut();
      const missed = await send(id, 'while the stream was down');
      await until('the stream reopened and resumed', async () => (await messageIds()).includes(missed));
      assert.equal((await sse()).opens, 2);
      assert.deepEqual(await messageIds(), [first, missed]);

      assertOk(await herald.admin.account('kick', { UserID: userId }));
      await until('the close event', async () => (await sse()).closed !== null);
      assert.equal((await sse()).closed?.code, 4001);
      await page.close();
    });
  });
}
