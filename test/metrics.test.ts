/**
 * Prometheus metrics at GET /metrics (HERALD_METRICS, on by default): REST calls counted and
 * timed by service, command and ErrorCode with names from outside Herald's command list folded
 * into `unknown`; webhook deliveries, the outbox depth and before-webhook calls; the subscriber
 * channel's connections, pushed messages and closes; the store's connections and the process.
 * Every figure is read from a real scrape of a real Herald after real calls, so each check says
 * "moved by exactly these calls".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertFail, assertOk } from './helpers/assertions.ts';
import { Device, RawSocket, until, userSig } from './helpers/devices.ts';
import {
  ADMIN,
  type Client,
  currentStore,
  importAccounts,
  SDKAPPID,
  startTestHerald,
  stores,
  type TestHerald,
} from './helpers/harness.ts';
import { type Exposition, scrape } from './helpers/prometheus.ts';
import { CB, webhookApp } from './helpers/webhook-checks.ts';
import { WebhookReceiver } from './helpers/webhook-receiver.ts';

const ACCOUNTS = 'im_open_login_svc';
const OFFICIAL = 'official_account_open_http_svc';

/** How much a series moved between two scrapes (a series not shown yet counts as 0). */
const moved = (from: Exposition, to: Exposition, name: string, labels: Record<string, string> = {}) =>
  to.value(name, labels) - from.value(name, labels);

/** Scrapes until `check` holds on a scrape; answers that scrape. */
async function scrapeUntil(url: string, what: string, check: (e: Exposition) => boolean): Promise<Exposition> {
  let last: Exposition | undefined;
  await until(what, async () => {
    last = await scrape(url);
    return check(last);
  });
  return last as Exposition;
}

/** An SSE stream of a user, open until `close()`; resolves once the login reply has arrived. */
async function openSse(url: string, userId: string): Promise<{ close(): void }> {
  const controller = new AbortController();
  const query = new URLSearchParams({ sdkappid: String(SDKAPPID), identifier: userId, usersig: userSig(userId) });
  const response = await fetch(`${url}/realtime/sse?${query}`, { signal: controller.signal });
  assert.equal(response.status, 200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('"id":"login"')) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'the stream ended before the login reply');
    text += decoder.decode(value, { stream: true });
  }
  assert.match(text, /"id":"login","code":0/);
  // Keep reading so the server's writes never back up; the abort ends the loop.
  void (async () => {
    try {
      while (!(await reader.read()).done) {}
    } catch {
      // aborted
    }
  })();
  return { close: () => controller.abort() };
}

for (const store of stores()) {
  describe(`metrics: REST calls, store and process [${store}]`, () => {
    let herald: TestHerald;

    before(async () => {
      herald = await startTestHerald();
    });
    after(async () => {
      await herald.close();
    });

    it('counts each call once by service, command and ErrorCode, and times it; foreign names become unknown', async () => {
      const start = await scrape(herald.url);
      assert.equal(start.types.get('herald_calls_total'), 'counter');
      assert.equal(start.types.get('herald_call_duration_seconds'), 'histogram');

      assertOk(await herald.admin.account('account_import', { UserID: 'm_alice' }));
      assertOk(await herald.admin.account('account_import', { UserID: 'm_bob' }));
      assertFail(await herald.admin.account('account_import', {}), 70402);
      assertFail(await herald.admin.official('create_official_account', { Owner_Account: ADMIN, Name: 5 }), 6017);
      const unknownCommand = await herald.admin.call(OFFICIAL, 'm_no_such_command');
      assert.notEqual(unknownCommand.ErrorCode, 0);
      const foreign = 'm_injected_service_name';
      const unknownService = await herald.admin.call(foreign, 'm_injected_command_name');
      assert.notEqual(unknownService.ErrorCode, 0);
      const end = await scrape(herald.url);

      const calls = (service: string, command: string, code: number) =>
        moved(start, end, 'herald_calls_total', { service, command, code: String(code) });
      assert.equal(calls(ACCOUNTS, 'account_import', 0), 2);
      assert.equal(calls(ACCOUNTS, 'account_import', 70402), 1);
      assert.equal(calls(OFFICIAL, 'create_official_account', 6017), 1);
      assert.equal(calls(OFFICIAL, 'unknown', unknownCommand.ErrorCode), 1, 'a known service, an unknown command');
      assert.equal(calls('unknown', 'unknown', unknownService.ErrorCode), 1, 'an unknown service');
      const total = (e: Exposition) => e.all('herald_calls_total').reduce((sum, s) => sum + s.value, 0);
      assert.equal(total(end) - total(start), 6, 'the six calls and nothing else (scrapes are not calls)');
      assert.ok(!end.text.includes('m_injected'), 'names from the URL never become label values');

      const timed = (service: string, command: string) =>
        moved(start, end, 'herald_call_duration_seconds_count', { service, command });
      assert.equal(timed(ACCOUNTS, 'account_import'), 3);
      assert.equal(timed(OFFICIAL, 'create_official_account'), 1);
      assert.equal(timed(OFFICIAL, 'unknown'), 1);
      assert.equal(timed('unknown', 'unknown'), 1);
      assert.ok(
        moved(start, end, 'herald_call_duration_seconds_sum', { service: ACCOUNTS, command: 'account_import' }) > 0,
      );

      // The buckets of one series: from 1 ms to 5 s and +Inf, cumulative, +Inf holding every call.
      const buckets = end
        .all('herald_call_duration_seconds_bucket')
        .filter((s) => s.labels.service === ACCOUNTS && s.labels.command === 'account_import');
      const bounds = buckets.map((s) => s.labels.le);
      assert.equal(bounds[0], '0.001');
      assert.ok(bounds.includes('5'));
      assert.equal(bounds.at(-1), '+Inf');
      for (let i = 1; i < buckets.length; i++)
        assert.ok((buckets[i]?.value as number) >= (buckets[i - 1]?.value as number), 'buckets are cumulative');
      assert.equal(
        buckets.at(-1)?.value,
        end.value('herald_call_duration_seconds_count', { service: ACCOUNTS, command: 'account_import' }),
      );
    });

    it("shows the store's connections and the process", async () => {
      const e = await scrape(herald.url);
      for (const name of [
        'herald_store_connections',
        'herald_store_idle_connections',
        'herald_store_waiting_queries',
      ]) {
        assert.ok(e.sample(name) !== undefined, `${name} is shown`);
        assert.equal(e.types.get(name), 'gauge');
      }
      const open = e.value('herald_store_connections');
      if (currentStore() === 'sqlite') assert.equal(open, 1, 'SQLite: its one connection');
      else assert.ok(open >= 1 && open <= 4, `PostgreSQL: the pool (at most the test pool size 4) has ${open}`);
      const idle = e.value('herald_store_idle_connections');
      assert.ok(idle >= 0 && idle <= open);
      assert.ok(e.value('herald_store_waiting_queries') >= 0);

      assert.ok(e.value('process_cpu_user_seconds_total') > 0);
      assert.ok(e.value('nodejs_heap_size_used_bytes') > 0);
      assert.ok(e.sample('nodejs_eventloop_lag_seconds') !== undefined);
    });

    it('keeps the figures of each server apart when several share a process', async () => {
      const other = await startTestHerald();
      try {
        assertOk(await other.admin.account('account_import', { UserID: 'm_carol' }));
        const e = await scrape(other.url);
        assert.equal(
          e.all('herald_calls_total').reduce((sum, s) => sum + s.value, 0),
          1,
          "the other server's one call only",
        );
      } finally {
        await other.close();
      }
    });
  });

  describe(`metrics: switched off [${store}]`, () => {
    let herald: TestHerald;

    before(async () => {
      herald = await startTestHerald({ metrics: false });
    });
    after(async () => {
      await herald.close();
    });

    it('answers /metrics like any unknown path, and calls still work', async () => {
      const metrics = await fetch(`${herald.url}/metrics`);
      const elsewhere = await fetch(`${herald.url}/m-no-such-path`);
      assert.equal(metrics.status, 200);
      const answer = (await metrics.json()) as { ActionStatus: string; ErrorCode: number };
      assert.deepEqual(answer, await elsewhere.json());
      assert.equal(answer.ActionStatus, 'FAIL');
      assert.notEqual(answer.ErrorCode, 0);
      assertOk(await herald.admin.account('account_import', { UserID: 'm_dave' }));
    });
  });

  describe(`metrics: webhooks [${store}]`, () => {
    let herald: TestHerald;
    let receiver: WebhookReceiver;

    before(async () => {
      receiver = await WebhookReceiver.start();
      herald = await startTestHerald({
        webhookRetryMs: 50,
        // Longer than a test: an after-webhook held by the receiver stays in flight until released.
        webhookTimeoutMs: 30_000,
        apps: [webhookApp({ url: receiver.url(), token: null })],
      });
    });
    after(async () => {
      await herald.close();
      await receiver.close();
    });

    it('counts deliveries and before-webhook calls; the outbox depth follows the pending events', async () => {
      const start = await scrape(herald.url);
      for (const name of ['herald_webhook_deliveries_total', 'herald_webhook_before_calls_total'])
        assert.equal(start.types.get(name), 'counter');
      assert.equal(start.types.get('herald_webhook_outbox_pending'), 'gauge');
      assert.equal(start.value('herald_webhook_outbox_pending'), 0);
      const deliveries = (e: Exposition, result: string) =>
        moved(start, e, 'herald_webhook_deliveries_total', { result });

      // The after-webhook of a creation is held by the receiver: it stays pending meanwhile.
      receiver.reply(CB.afterCreate, { hang: true });
      const created = assertOk(
        await herald.admin.official('create_official_account', { Owner_Account: ADMIN, Name: 'M' }),
      );
      const id = created.OfficialAccountUserID as string;
      await receiver.waitFor(CB.afterCreate);
      const held = await scrape(herald.url);
      assert.equal(held.value('herald_webhook_outbox_pending'), 1, 'the held event is pending');
      assert.equal(moved(start, held, 'herald_webhook_before_calls_total', { result: 'ok' }), 1, 'BeforeCreate');
      assert.equal(moved(start, held, 'herald_webhook_before_duration_seconds_count'), 1);
      assert.equal(deliveries(held, 'ok'), 0);

      receiver.resetReplies();
      receiver.release();
      const delivered = await scrapeUntil(
        herald.url,
        'the delivery to be counted and the outbox to empty',
        (e) => deliveries(e, 'ok') === 1 && e.value('herald_webhook_outbox_pending') === 0,
      );
      assert.equal(deliveries(delivered, 'retry'), 0);

      // A receiver that fails once: one retry, then delivered.
      receiver.reply(CB.afterInfoChanged, (call) => (call.nth === 1 ? { status: 500 } : {}));
      assertOk(await herald.admin.official('modify_official_account_base_info', { Official_Account: id, Name: 'N' }));
      const retried = await scrapeUntil(
        herald.url,
        'the retry and the delivery',
        (e) => deliveries(e, 'ok') === 2 && e.value('herald_webhook_outbox_pending') === 0,
      );
      assert.equal(deliveries(retried, 'retry'), 1);
      assert.equal(receiver.of(CB.afterInfoChanged).length, 2);

      // A before-webhook that fails (the app allows on failure: the creation goes ahead).
      receiver.reply(CB.beforeCreate, { status: 500 });
      assertOk(await herald.admin.official('create_official_account', { Owner_Account: ADMIN, Name: 'O' }));
      const end = await scrapeUntil(
        herald.url,
        'the second creation delivered',
        (e) => deliveries(e, 'ok') === 3 && e.value('herald_webhook_outbox_pending') === 0,
      );
      assert.equal(moved(start, end, 'herald_webhook_before_calls_total', { result: 'failed' }), 1);
      assert.equal(moved(start, end, 'herald_webhook_before_calls_total', { result: 'ok' }), 1);
      assert.equal(deliveries(end, 'retry'), 1);
      assert.equal(deliveries(end, 'failed'), 0);
      assert.equal(deliveries(end, 'cancelled'), 0);
    });
  });

  describe(`metrics: subscriber channel [${store}]`, () => {
    let herald: TestHerald;
    let admin: Client;
    let id: string;
    let random = 1;
    const send = async (text: string) =>
      assertOk(
        await admin.official('send_official_account_msg', {
          Official_Account: id,
          Random: random++,
          MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }],
        }),
      );

    before(async () => {
      herald = await startTestHerald();
      admin = herald.admin;
      await importAccounts(admin, ['m_fan']);
      const created = assertOk(await admin.official('create_official_account', { Owner_Account: ADMIN, Name: 'Fans' }));
      id = created.OfficialAccountUserID as string;
      assertOk(
        await admin.official('add_subscriber', {
          Official_Account: id,
          SubscriberList: [{ Subscriber_Account: 'm_fan' }],
        }),
      );
    });
    after(async () => {
      await herald.close();
    });

    it('shows connections by transport, counts messages pushed per device, and closes by code', async () => {
      const start = await scrape(herald.url);
      assert.equal(start.types.get('herald_subscriber_connections'), 'gauge');
      assert.equal(start.types.get('herald_subscriber_deliveries_total'), 'counter');
      assert.equal(start.value('herald_subscriber_connections', { transport: 'ws' }), 0);
      const pushed = (e: Exposition) => moved(start, e, 'herald_subscriber_deliveries_total');
      const closes = (e: Exposition, transport: string, code: string) =>
        moved(start, e, 'herald_subscriber_closes_total', { transport, code });

      const device = await Device.login(herald.url, 'm_fan');
      const online = await scrape(herald.url);
      assert.equal(online.value('herald_subscriber_connections', { transport: 'ws' }), 1);
      assert.equal(online.value('herald_subscriber_connections', { transport: 'sse' }), 0);

      await send('one');
      await send('two');
      await device.until('two messages', () => device.received.length === 2);
      await scrapeUntil(herald.url, 'two messages pushed', (e) => pushed(e) === 2);

      // The same user reading over SSE too: one broadcast is pushed to both devices.
      const stream = await openSse(herald.url, 'm_fan');
      const both = await scrape(herald.url);
      assert.equal(both.value('herald_subscriber_connections', { transport: 'sse' }), 1);
      await send('three');
      await device.until('the third message', () => device.received.length === 3);
      await scrapeUntil(herald.url, 'the third message pushed to both devices', (e) => pushed(e) === 4);

      stream.close();
      await scrapeUntil(
        herald.url,
        'the SSE stream to end',
        (e) => e.value('herald_subscriber_connections', { transport: 'sse' }) === 0 && closes(e, 'sse', 'none') === 1,
      );
      await device.close(); // logs out: Herald closes with 4007
      await scrapeUntil(
        herald.url,
        'the logout',
        (e) => e.value('herald_subscriber_connections', { transport: 'ws' }) === 0 && closes(e, 'ws', '4007') === 1,
      );

      // A refused login is closed by Herald with 4002.
      const raw = await RawSocket.open(herald.url);
      const refused = await raw.request({ op: 'login', sdkappid: SDKAPPID, userID: 'm_fan', userSig: 'not a sig' });
      assert.notEqual(refused.code, 0);
      assert.equal(await raw.closed(), 4002);
      const end = await scrapeUntil(herald.url, 'the refused login closed', (e) => closes(e, 'ws', '4002') === 1);
      assert.equal(end.value('herald_subscriber_connections', { transport: 'ws' }), 0);
      assert.equal(pushed(end), 4);
    });
  });
}
