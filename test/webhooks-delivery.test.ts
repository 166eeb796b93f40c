/**
 * Delivery of "after" webhooks from the durable outbox (official-account-webhooks.md §1.3, §4;
 * README decision 10) against a REAL local receiver: at least once, retried with doubling
 * delays, in order per official account, surviving a restart while the receiver is down; the REST
 * call never waits for them; switched-off or URL-less apps cancel what is pending; inspection
 * through herald_admin/list_webhook_deliveries and `herald webhooks`.
 */
import { heraldArgs } from './helpers/cli.ts';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN,
  Client,
  SDKAPPID,
  createTestSchema,
  currentStore,
  importAccounts,
  postgresUrlFor,
  startTestHerald,
  stores,
  type Envelope,
  type TestHerald,
} from './helpers/harness.ts';
import {
  AFTER_COMMANDS,
  CB,
  DELIVERY_FIELDS,
  TEXT,
  checkQuery,
  deliveries,
  listDeliveries,
  subscribeList,
  webhookApp,
  withoutTime,
  type Delivery,
} from './helpers/webhook-checks.ts';
import { assertFail as failWith, assertOk } from './helpers/assertions.ts';
import { WebhookReceiver, type Json, type ReceivedCall } from './helpers/webhook-receiver.ts';

/** Fails with `code`; with `info`, ErrorInfo is exactly that text. */
const assertFail = (res: Envelope, code: number, info?: string) =>
  failWith(res, code, info === undefined ? {} : { exactInfo: info });

const run = promisify(execFile);
const TOKEN = 'delivery-token';
const OTHER_SDKAPPID = SDKAPPID + 1;
const OTHER_KEY = 'a'.repeat(64);

let randomCounter = 90_000;
const nextRandom = () => ++randomCounter;

/** JSON with sorted keys, to compare bodies regardless of key order. */
function canon(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canon).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon((value as Json)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Polls an async condition until it holds, failing with `what` after `timeoutMs`. */
async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Runs `herald ...args` (the bundle, helpers/cli.ts) on the store of a Herald started with `dataDir`
 * (on PostgreSQL: the schema the harness derives from that directory).
 */
async function cli(dataDir: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_')),
  );
  if (currentStore() === 'postgres') env.HERALD_DATABASE_URL = postgresUrlFor(await createTestSchema(dataDir));
  return run(process.execPath, heraldArgs([...args, '--data', dataDir]), {
    env,
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
}

const isAfter = (c: ReceivedCall) => AFTER_COMMANDS.includes(c.command);

/** Deliveries of one official account, oldest first. */
const oldestFirst = (list: Delivery[], oa: string) =>
  list.filter((d) => d.Official_Account === oa).sort((a, b) => a.Id - b.Id);

for (const store of stores()) {
  describe(`durable outbox: receiver down, restart, then delivered in order [${store}]`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-wh-durable-'));
    let port: number;
    let herald: TestHerald | undefined;
    let receiver: WebhookReceiver | undefined;
    const A = '@TOA#_dur_a';
    const B = '@TOA#_dur_b';
    const C = '@TOA#_dur_c';
    /** The events in the order they happened, as bodies without EventTime. */
    const expected: { oa: string; body: Json }[] = [];
    let testStart = 0;
    let restartedAt = 0;

    const start = () =>
      startTestHerald({
        dataDir,
        webhookRetryMs: 200,
        apps: [webhookApp({ url: `http://127.0.0.1:${port}/durable`, token: TOKEN })],
      });

    before(async () => {
      port = await WebhookReceiver.closedPort();
    });
    after(async () => {
      await receiver?.close();
      await herald?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("with the receiver down, events of 3 accounts wait in the outbox; only each account's oldest is retried", async () => {
      testStart = Date.now();
      herald = await start();
      const admin = herald.admin;
      const official = async (command: string, body: Json) => {
        const res = await admin.official(command, body);
        assertOk(res);
        return res;
      };
      const ex = (oa: string, command: string, fields: Json) =>
        expected.push({ oa, body: { CallbackCommand: command, ...fields } });
      await importAccounts(admin, ['owner', 'u1', 'u2', 'u3']);

      for (const [id, max] of [
        [A, 100],
        [B, 100],
        [C, 2],
      ] as const) {
        const name = `name ${id}`;
        // The before webhook cannot be reached either: the default policy lets creation go ahead.
        await official('create_official_account', {
          Owner_Account: 'owner',
          Name: name,
          OfficialAccountUserID: id,
          MaxSubscriberNum: max,
        });
        ex(id, CB.afterCreate, { Official_Account: id, Operator_Account: ADMIN, Owner_Account: 'owner', Name: name });
      }
      for (const [id, users] of [
        [A, ['u1', 'u2', 'u3']],
        [B, ['u1']],
        [C, ['u2', 'u3']],
      ] as const) {
        await official('add_subscriber', { Official_Account: id, SubscriberList: subscribeList(...users) });
        ex(id, CB.afterAdd, {
          Official_Account: id,
          Operator_Account: ADMIN,
          SubscribeAccountList: subscribeList(...users),
        });
      }
      ex(C, CB.afterFull, { Official_Account: C });

      const keys: Record<string, string[]> = { [A]: [], [B]: [] };
      const send = async (id: string, text: string, extra: Json = {}) => {
        const body = [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }];
        const res = await official('send_official_account_msg', {
          Official_Account: id,
          Random: nextRandom(),
          MsgBody: body,
          ...extra,
        });
        ex(id, CB.afterSend, {
          Official_Account: id,
          MsgKey: res.MsgKey,
          MsgTime: res.MsgTime,
          OnlineOnlyFlag: 0,
          MsgBody: body,
          ...extra,
        });
        return res.MsgKey as string;
      };
      for (let i = 0; i < 5; i++) {
        (keys[A] as string[]).push(await send(A, `to A #${i}`));
        (keys[B] as string[]).push(await send(B, `to B #${i}`));
      }
      await send(C, 'to C', { CloudCustomData: 'data for C' });

      await official('modify_official_account_base_info', { Official_Account: A, Name: 'A renamed' });
      ex(A, CB.afterInfoChanged, { Official_Account: A, Operator_Account: ADMIN, Name: 'A renamed' });
      const [a0, a1] = keys[A] as string[];
      await official('official_account_msg_recall', { Official_Account: A, MsgKeyList: [a0, a1] });
      ex(A, CB.afterWithdraw, { Official_Account: A, WithdrawMsgList: [{ MsgKey: a0 }, { MsgKey: a1 }] });
      const [b0] = keys[B] as string[];
      await official('official_account_msg_recall', { Official_Account: B, MsgKeyList: [b0] });
      ex(B, CB.afterWithdraw, { Official_Account: B, WithdrawMsgList: [{ MsgKey: b0 }] });
      await official('delete_subscriber', { Official_Account: A, SubscriberToDel_Account: ['u3'] });
      ex(A, CB.afterDelete, {
        Official_Account: A,
        Operator_Account: ADMIN,
        SubscribeAccountList: subscribeList('u3'),
      });
      await official('destroy_official_account', { Official_Account: C });
      ex(C, CB.afterDestroyed, { Official_Account: C, Owner_Account: 'owner', Name: `name ${C}` });
      await admin.account('account_delete', { DeleteItem: [{ UserID: 'u1' }] });
      ex(A, CB.afterDelete, {
        Official_Account: A,
        Operator_Account: ADMIN,
        SubscribeAccountList: subscribeList('u1'),
      });
      ex(B, CB.afterDelete, {
        Official_Account: B,
        Operator_Account: ADMIN,
        SubscribeAccountList: subscribeList('u1'),
      });
      assert.equal(expected.length, 25);

      // Each account's oldest event has been tried (and failed) at least once.
      const listed = await eventually(async () => {
        const list = await deliveries(admin);
        return [A, B, C].every((oa) => (oldestFirst(list, oa)[0]?.Attempts ?? 0) >= 1) ? list : undefined;
      }, 'a failed attempt on the oldest event of each account');
      assert.equal(listed.length, expected.length);
      for (let i = 1; i < listed.length; i++)
        assert.ok((listed[i - 1] as Delivery).Id > (listed[i] as Delivery).Id, 'newest first');
      for (const d of listed) {
        assert.deepEqual(Object.keys(d).sort(), DELIVERY_FIELDS);
        assert.equal(d.Status, 'pending');
        assert.equal(d.DeliveredAt, 0);
        assert.ok(
          d.CreatedAt >= testStart && d.CreatedAt <= Date.now(),
          'd.CreatedAt >= testStart && d.CreatedAt <= Date.now()',
        );
      }
      for (const oa of [A, B, C]) {
        const [head, ...rest] = oldestFirst(listed, oa);
        assert.ok(head, 'head');
        assert.ok(head.Attempts >= 1, `${oa}: the oldest event was attempted`);
        assert.match(head.LastError, /connection|ECONNREFUSED/i, `${oa}: LastError says why (${head.LastError})`);
        assert.ok(head.NextAttemptAt > head.CreatedAt, 'a retry is scheduled');
        for (const d of rest) {
          assert.equal(d.Attempts, 0, `${oa}: ${d.CallbackCommand} #${d.Id} waits behind the older event`);
          assert.equal(d.LastError, '');
        }
        assert.deepEqual(
          oldestFirst(listed, oa).map((d) => canon(withoutTime(d.Body))),
          expected.filter((e) => e.oa === oa).map((e) => canon(e.body)),
          `${oa}: outbox bodies in the order the events happened`,
        );
      }
      assert.deepEqual((await deliveries(admin, { Status: 'pending' })).length, 25);
      assert.deepEqual(await deliveries(admin, { Status: 'delivered' }), []);
    });

    it('after a restart and with the receiver back on the same port, every event arrives, in order per account', async () => {
      assert.ok(herald, 'the first test started Herald');
      await herald.close();
      herald = await start();
      restartedAt = Date.now();
      receiver = await WebhookReceiver.start(port);
      const rec = receiver;
      const arrivedAll = () =>
        expected.every((e) => rec.calls.some((c) => canon(withoutTime(c.body)) === canon(e.body)));
      await rec.until(arrivedAll, `all ${expected.length} events`, 15_000);

      for (const call of rec.calls) {
        assert.ok(isAfter(call), `only after events were sent (${call.command})`);
        checkQuery(call, call.command, TOKEN);
        assert.equal(call.path, '/durable');
        const time = call.body.EventTime as number;
        assert.ok(
          Number.isInteger(time) && time >= testStart && time <= restartedAt,
          'EventTime is when the event happened (ms)',
        );
        assert.ok(
          expected.some((e) => canon(e.body) === canon(withoutTime(call.body))),
          `an expected event: ${call.rawBody}`,
        );
      }
      for (const oa of [A, B, C]) {
        const mine = expected.filter((e) => e.oa === oa).map((e) => canon(e.body));
        const firstArrivals: number[] = [];
        for (const call of rec.about(oa)) {
          const index = mine.indexOf(canon(withoutTime(call.body)));
          if (!firstArrivals.includes(index)) firstArrivals.push(index);
        }
        assert.deepEqual(
          firstArrivals,
          mine.map((_, i) => i),
          `${oa}: first arrivals in the order the events happened`,
        );
      }

      const admin = herald.admin;
      const delivered = await eventually(async () => {
        const list = await deliveries(admin);
        return list.every((d) => d.Status === 'delivered') ? list : undefined;
      }, 'every delivery marked delivered');
      assert.equal(delivered.length, expected.length);
      for (const d of delivered) {
        assert.ok(d.DeliveredAt >= restartedAt, 'delivered after the restart');
        assert.ok(d.Attempts >= 1, 'd.Attempts >= 1');
        assert.equal(d.LastError, '');
      }
      for (const oa of [A, B, C])
        assert.ok((oldestFirst(delivered, oa)[0] as Delivery).Attempts >= 2, `${oa}: the oldest event took a retry`);
      assert.deepEqual(await deliveries(admin, { Status: 'pending' }), []);
    });

    it('`herald webhooks --data` lists the deliveries', async () => {
      assert.ok(herald, 'the earlier tests of this suite left Herald running');
      await herald.close();
      herald = undefined;
      const json = await cli(dataDir, 'webhooks', '--json', '--status', 'delivered', '--limit', '100');
      const lines = json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Json);
      assert.equal(lines.length, expected.length);
      for (const line of lines) {
        assert.equal(line.status, 'delivered');
        assert.equal(line.sdkappid, SDKAPPID);
        assert.ok(
          [A, B, C].includes(line.officialAccountId as string),
          '[A, B, C].includes(line.officialAccountId as string)',
        );
        assert.equal(typeof line.body, 'object');
      }
    });
  });

  describe(`delivery order, retries and backoff while one account's receiver fails [${store}]`, () => {
    let receiver: WebhookReceiver;
    let herald: TestHerald;

    before(async () => {
      receiver = await WebhookReceiver.start();
      herald = await startTestHerald({ webhookRetryMs: 200, apps: [webhookApp({ url: receiver.url() })] });
      await importAccounts(herald.admin, ['owner']);
    });
    after(async () => {
      await receiver?.close();
      await herald?.close();
    });

    it('a failing event holds back later events of its account only; retries come after 200, 400, 800... ms', async () => {
      const X = '@TOA#_order_x';
      const Y = '@TOA#_order_y';
      let blockX = true;
      receiver.reply(CB.afterCreate, (call) =>
        call.body.Official_Account === X && blockX ? { status: 500, text: 'busy' } : {},
      );
      const official = async (command: string, body: Json) => {
        const res = await herald.admin.official(command, body);
        assertOk(res);
        return res;
      };
      await official('create_official_account', { Owner_Account: 'owner', Name: 'x', OfficialAccountUserID: X });
      const k1 = (
        await official('send_official_account_msg', { Official_Account: X, Random: nextRandom(), MsgBody: [TEXT] })
      ).MsgKey;
      const k2 = (
        await official('send_official_account_msg', { Official_Account: X, Random: nextRandom(), MsgBody: [TEXT] })
      ).MsgKey;
      await official('create_official_account', { Owner_Account: 'owner', Name: 'y', OfficialAccountUserID: Y });
      const ky = (
        await official('send_official_account_msg', { Official_Account: Y, Random: nextRandom(), MsgBody: [TEXT] })
      ).MsgKey;

      // Y is not held up by X; X's later events wait behind its failing first one.
      await receiver.waitFor(CB.afterSend, (b) => b.Official_Account === Y);
      const yCalls = receiver.about(Y).filter(isAfter);
      assert.deepEqual(
        yCalls.map((c) => c.command),
        [CB.afterCreate, CB.afterSend],
      );
      assert.equal(yCalls[1]?.body.MsgKey, ky);
      assert.equal(
        receiver.of(CB.afterSend, (b) => b.Official_Account === X).length,
        0,
        "X's later events wait for its first",
      );
      const whileBlocked = oldestFirst(await deliveries(herald.admin, { Official_Account: X }), X);
      assert.deepEqual(
        whileBlocked.map((d) => [d.CallbackCommand, d.Status]),
        [
          [CB.afterCreate, 'pending'],
          [CB.afterSend, 'pending'],
          [CB.afterSend, 'pending'],
        ],
      );
      assert.ok((whileBlocked[0] as Delivery).Attempts >= 1, '(whileBlocked[0] as Delivery).Attempts >= 1');
      assert.equal((whileBlocked[0] as Delivery).LastError, 'HTTP 500');
      assert.deepEqual(
        whileBlocked.slice(1).map((d) => d.Attempts),
        [0, 0],
      );

      // Let X fail 3 times (or more), then answer: at least 3 retries, so gaps of 200, 400 and 800 ms.
      await receiver.until(
        () => receiver.of(CB.afterCreate, (b) => b.Official_Account === X).length >= 3,
        "3 attempts of X's AfterCreate",
        8000,
      );
      assert.equal(receiver.of(CB.afterSend, (b) => b.Official_Account === X).length, 0);
      blockX = false;
      await receiver.waitFor(CB.afterSend, (b) => b.Official_Account === X, 2, 8000);
      const xCalls = receiver.about(X).filter(isAfter);
      const attempts = xCalls.filter((c) => c.command === CB.afterCreate);
      assert.ok(attempts.length >= 4, `3 failures and a success (${attempts.length} attempts)`);
      assert.deepEqual(
        xCalls.map((c) => c.command),
        [...attempts.map(() => CB.afterCreate), CB.afterSend, CB.afterSend],
      );
      assert.deepEqual(
        xCalls.slice(-2).map((c) => c.body.MsgKey),
        [k1, k2],
      );
      for (let i = 1; i < attempts.length; i++) {
        const gap = (attempts[i] as ReceivedCall).at - (attempts[i - 1] as ReceivedCall).at;
        const min = Math.min(60_000, 200 * 2 ** (i - 1));
        assert.ok(gap >= min - 5, `retry ${i} came ${gap} ms after the previous attempt (>= ${min})`);
      }
      assert.ok(
        attempts.every((c) => canon(c.body) === canon((attempts[0] as ReceivedCall).body)),
        'every attempt carries the same body and EventTime',
      );

      const done = await eventually(async () => {
        const list = oldestFirst(await deliveries(herald.admin, { Official_Account: X }), X);
        return list.every((d) => d.Status === 'delivered') ? list : undefined;
      }, 'X delivered');
      assert.equal((done[0] as Delivery).Attempts, attempts.length);
      assert.equal((done[0] as Delivery).LastError, '');
      assert.deepEqual(
        done.slice(1).map((d) => d.Attempts),
        [1, 1],
      );
    });
  });

  describe(`retry delays are capped at 60 s [${store}]`, () => {
    it('with webhookRetryMs far above the cap, the next attempt is scheduled 60 s after a failure', async () => {
      const url = `http://127.0.0.1:${await WebhookReceiver.closedPort()}/`;
      const herald = await startTestHerald({ webhookRetryMs: 3_600_000, apps: [webhookApp({ url })] });
      try {
        await importAccounts(herald.admin, ['owner']);
        const before = Date.now();
        assertOk(
          await herald.admin.official('create_official_account', {
            Owner_Account: 'owner',
            Name: 'cap',
            OfficialAccountUserID: '@TOA#_cap',
          }),
        );
        const [d] = await eventually(async () => {
          const l = await deliveries(herald.admin);
          return l.length === 1 && (l[0] as Delivery).Attempts === 1 ? l : undefined;
        }, 'one failed attempt');
        assert.ok(d, 'd');
        const after = Date.now();
        assert.equal(d.Status, 'pending');
        assert.ok(
          d.NextAttemptAt >= before + 60_000 && d.NextAttemptAt <= after + 60_000,
          `NextAttemptAt ${d.NextAttemptAt - before} ms after the create (expected 60 s after the failure)`,
        );
      } finally {
        await herald.close();
      }
    });
  });

  describe(`the REST call never waits for after webhooks [${store}]`, () => {
    let receiver: WebhookReceiver;
    let herald: TestHerald;

    before(async () => {
      receiver = await WebhookReceiver.start();
      // A long timeout: a REST call that waited for the hanging receiver would take 10 s.
      herald = await startTestHerald({ webhookTimeoutMs: 10_000, apps: [webhookApp({ url: receiver.url() })] });
      await importAccounts(herald.admin, ['owner', 'u1']);
    });
    after(async () => {
      await receiver?.close();
      await herald?.close();
    });

    it('with the after receiver hanging, create / add / send / recall answer at once; the events go out when it answers', async () => {
      for (const command of AFTER_COMMANDS) receiver.reply(command, { hang: true });
      const id = '@TOA#_hang';
      const timed = async (command: string, body: Json) => {
        const started = Date.now();
        const res = await herald.admin.official(command, body);
        assertOk(res);
        return { res, ms: Date.now() - started };
      };
      const steps = [
        await timed('create_official_account', { Owner_Account: 'owner', Name: 'hang', OfficialAccountUserID: id }),
        await timed('add_subscriber', { Official_Account: id, SubscriberList: subscribeList('u1') }),
      ];
      const sent = await timed('send_official_account_msg', {
        Official_Account: id,
        Random: nextRandom(),
        MsgBody: [TEXT],
      });
      steps.push(
        sent,
        await timed('official_account_msg_recall', { Official_Account: id, MsgKeyList: [sent.res.MsgKey] }),
      );
      await receiver.waitFor(CB.afterCreate, (b) => b.Official_Account === id); // it is hanging now
      steps.push(await timed('modify_official_account_base_info', { Official_Account: id, Name: 'still fast' }));
      for (const step of steps)
        assert.ok(step.ms < 5000, `answered without waiting for the 10 s webhook timeout (${step.ms} ms)`);
      assert.equal(receiver.of(CB.beforeSend, (b) => b.Official_Account === id).length, 1);

      receiver.resetReplies();
      receiver.release();
      const expected = [CB.afterCreate, CB.afterAdd, CB.afterSend, CB.afterWithdraw, CB.afterInfoChanged];
      await receiver.until(
        () => expected.every((c) => receiver.of(c, (b) => b.Official_Account === id).length > 0),
        'all after events',
        8000,
      );
      const list = await eventually(async () => {
        const l = oldestFirst(await deliveries(herald.admin, { Official_Account: id }), id);
        return l.every((d) => d.Status === 'delivered') ? l : undefined;
      }, 'delivered');
      assert.deepEqual(
        list.map((d) => d.CallbackCommand),
        expected,
      );
    });
  });

  describe(`one app's hanging receiver does not hold up other apps' deliveries [${store}]`, () => {
    let slow: WebhookReceiver;
    let fast: WebhookReceiver;
    let herald: TestHerald;
    let other: Client;

    before(async () => {
      slow = await WebhookReceiver.start();
      fast = await WebhookReceiver.start();
      herald = await startTestHerald({
        apps: [
          webhookApp({ url: slow.url() }),
          { ...webhookApp({ url: fast.url() }, OTHER_SDKAPPID), secretKey: OTHER_KEY },
        ],
      });
      other = new Client(herald.url, { sdkappid: OTHER_SDKAPPID, key: OTHER_KEY });
      await importAccounts(herald.admin, ['owner']);
      await importAccounts(other, ['owner']);
    });
    after(async () => {
      await slow?.close();
      await fast?.close();
      await herald?.close();
    });

    // Regression: deliveries once ran as one Promise.all batch, so a hanging receiver stalled every account and app.
    it("an event of app B goes out while app A's receiver hangs on its own event", async () => {
      slow.reply(CB.afterCreate, { hang: true });
      assertOk(
        await herald.admin.official('create_official_account', {
          Owner_Account: 'owner',
          Name: 'slow',
          OfficialAccountUserID: '@TOA#_slow',
        }),
      );
      await slow.waitFor(CB.afterCreate); // A's delivery is now in flight and hanging
      const created = Date.now();
      assertOk(
        await other.official('create_official_account', {
          Owner_Account: 'owner',
          Name: 'fast',
          OfficialAccountUserID: '@TOA#_fast',
        }),
      );
      const [call] = await fast.waitFor(CB.afterCreate, () => true, 1, 5000);
      assert.ok(call, 'call');
      assert.ok(
        call.at - created < 1000,
        `B's event waited ${call.at - created} ms for A's hanging receiver (timeout 2000 ms)`,
      );
    });
  });

  describe(`pending events of a switched-off command or an app without URL are cancelled [${store}]`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-wh-cancel-'));
    let receiver: WebhookReceiver;
    let herald: TestHerald | undefined;

    before(async () => {
      receiver = await WebhookReceiver.start();
    });
    after(async () => {
      await receiver?.close();
      await herald?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('restarting with AfterSendMsg off cancels its pending events and delivers the rest; no URL cancels all', async () => {
      const closed = `http://127.0.0.1:${await WebhookReceiver.closedPort()}/`;
      const id = '@TOA#_cancel';
      const id2 = '@TOA#_cancel2';
      herald = await startTestHerald({ dataDir, webhookRetryMs: 200, apps: [webhookApp({ url: closed })] });
      await importAccounts(herald.admin, ['owner']);
      for (const oa of [id, id2]) {
        assertOk(
          await herald.admin.official('create_official_account', {
            Owner_Account: 'owner',
            Name: 'c',
            OfficialAccountUserID: oa,
          }),
        );
        for (let i = 0; i < 2; i++) {
          assertOk(
            await herald.admin.official('send_official_account_msg', {
              Official_Account: oa,
              Random: nextRandom(),
              MsgBody: [TEXT],
            }),
          );
        }
      }
      assertOk(await herald.admin.official('modify_official_account_base_info', { Official_Account: id, Name: 'c2' }));
      await herald.close();

      herald = await startTestHerald({
        dataDir,
        webhookRetryMs: 200,
        apps: [webhookApp({ url: receiver.url('/back'), off: [CB.afterSend] })],
      });
      const admin = herald.admin;
      const settled = await eventually(
        async () => {
          const l = oldestFirst(await deliveries(admin, { Official_Account: id }), id);
          return l.every((d) => d.Status !== 'pending') ? l : undefined;
        },
        'no pending event for the account',
        8000,
      );
      assert.deepEqual(
        settled.map((d) => [d.CallbackCommand, d.Status]),
        [
          [CB.afterCreate, 'delivered'],
          [CB.afterSend, 'cancelled'],
          [CB.afterSend, 'cancelled'],
          [CB.afterInfoChanged, 'delivered'],
        ],
      );
      for (const d of settled.filter((x) => x.Status === 'cancelled')) assert.match(d.LastError, /off/);
      assert.equal(receiver.of(CB.afterSend).length, 0, 'a switched-off command never fires');
      assert.deepEqual(
        receiver
          .about(id)
          .filter(isAfter)
          .map((c) => c.command),
        [CB.afterCreate, CB.afterInfoChanged],
      );

      // id2's events may be partly delivered by now; restart without a URL cancels whatever is left.
      await herald.close();
      herald = await startTestHerald({ dataDir, webhookRetryMs: 200, apps: [webhookApp({ url: null })] });
      const noUrl = herald.admin;
      const delivered2 = await eventually(
        async () => {
          const l = await deliveries(noUrl, { Official_Account: id2 });
          return l.every((d) => d.Status !== 'pending') ? l : undefined;
        },
        'id2 settled',
        8000,
      );
      assert.equal(delivered2.length, 3);
      for (const d of delivered2) {
        assert.ok(
          d.Status === 'delivered' || d.Status === 'cancelled',
          "d.Status === 'delivered' || d.Status === 'cancelled'",
        );
        if (d.Status === 'cancelled') assert.match(d.LastError, /URL|off/);
      }
      assert.equal(receiver.of(CB.afterSend).length, 0);
    });
  });

  describe(`\`herald app set --webhook-*\` on a running server [${store}]`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-wh-cli-'));
    let receiver: WebhookReceiver;
    let herald: TestHerald;

    before(async () => {
      receiver = await WebhookReceiver.start();
      herald = await startTestHerald({ dataDir });
      await importAccounts(herald.admin, ['owner']);
    });
    after(async () => {
      await receiver?.close();
      await herald?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('URL, token, off list and before-failure policy set with the CLI take effect within seconds', async () => {
      const out = await cli(
        dataDir,
        'app',
        'set',
        String(SDKAPPID),
        '--webhook-url',
        receiver.url('/cli'),
        '--webhook-token',
        'cli-token',
        '--webhook-off',
        `${CB.afterSend},${CB.afterDestroyed}`,
        '--webhook-before-failure',
        'reject',
      );
      assert.match(out.stdout, /cli-token|signed/);
      // The server re-reads the app within a couple of seconds.
      let n = 0;
      const id = await eventually(
        async () => {
          const oa = `@TOA#_cli_${++n}`;
          assertOk(
            await herald.admin.official('create_official_account', {
              Owner_Account: 'owner',
              Name: 'cli',
              OfficialAccountUserID: oa,
            }),
          );
          return receiver.of(CB.beforeCreate).length > 0 ? oa : undefined;
        },
        'the CLI settings to be used',
        6000,
      );
      const [afterCreate] = await receiver.waitFor(CB.afterCreate, (b) => b.Official_Account === id);
      assert.ok(afterCreate, 'afterCreate');
      for (const call of [...receiver.of(CB.beforeCreate), afterCreate]) {
        checkQuery(call, call.command, 'cli-token');
        assert.equal(call.path, '/cli');
      }
      const res = await herald.admin.official('send_official_account_msg', {
        Official_Account: id,
        Random: nextRandom(),
        MsgBody: [TEXT],
      });
      assertOk(res);
      assertOk(await herald.admin.official('destroy_official_account', { Official_Account: id }));
      assert.deepEqual(
        oldestFirst(await deliveries(herald.admin, { Official_Account: id }), id).map((d) => d.CallbackCommand),
        [CB.afterCreate],
      );
      receiver.reply(CB.beforeCreate, { status: 500 });
      assertFail(
        await herald.admin.official('create_official_account', {
          Owner_Account: 'owner',
          Name: 'cli',
          OfficialAccountUserID: '@TOA#_cli_rejected',
        }),
        80003,
      );
    });
  });

  describe(`herald_admin/list_webhook_deliveries [${store}]`, () => {
    let receiver: WebhookReceiver;
    let herald: TestHerald;
    let other: Client;
    const ids = ['@TOA#_insp_1', '@TOA#_insp_2', '@TOA#_insp_3'];
    const otherId = '@TOA#_insp_other';

    before(async () => {
      receiver = await WebhookReceiver.start();
      herald = await startTestHerald({
        apps: [
          webhookApp({ url: receiver.url('/one') }),
          { ...webhookApp({ url: receiver.url('/two') }, OTHER_SDKAPPID), secretKey: OTHER_KEY },
        ],
      });
      other = new Client(herald.url, { sdkappid: OTHER_SDKAPPID, key: OTHER_KEY });
      await importAccounts(herald.admin, ['owner', 'alice']);
      await importAccounts(other, ['owner']);
      for (const id of ids) {
        assertOk(
          await herald.admin.official('create_official_account', {
            Owner_Account: 'owner',
            Name: id,
            OfficialAccountUserID: id,
          }),
        );
        assertOk(
          await herald.admin.official('send_official_account_msg', {
            Official_Account: id,
            Random: nextRandom(),
            MsgBody: [TEXT],
          }),
        );
      }
      // The other app uses the same official-account ID for its own account.
      for (const id of [otherId, ids[0] as string]) {
        assertOk(
          await other.official('create_official_account', {
            Owner_Account: 'owner',
            Name: `other ${id}`,
            OfficialAccountUserID: id,
          }),
        );
      }
      await receiver.until(() => receiver.calls.filter(isAfter).length >= 8, 'all after events');
      await eventually(
        async () =>
          ((await deliveries(herald.admin, { Status: 'pending' })).length === 0 &&
            (await deliveries(other, { Status: 'pending' })).length === 0) ||
          undefined,
        'all delivered',
      );
    });
    after(async () => {
      await receiver?.close();
      await herald?.close();
    });

    it("lists the caller's app only, newest first, with every field; Body is what was delivered", async () => {
      const list = await deliveries(herald.admin);
      assert.equal(list.length, 6);
      assert.deepEqual(
        list.map((d) => d.Id),
        [...list.map((d) => d.Id)].sort((a, b) => b - a),
        'newest first',
      );
      assert.deepEqual(new Set(list.map((d) => d.Official_Account)), new Set(ids));
      assert.ok(
        list.every((d) => d.Body.Name === undefined || !String(d.Body.Name).startsWith('other')),
        'nothing of the other app',
      );
      for (const d of list) {
        assert.deepEqual(Object.keys(d).sort(), DELIVERY_FIELDS);
        assert.equal(d.Status, 'delivered');
        assert.equal(d.Attempts, 1);
        assert.equal(d.LastError, '');
        assert.ok(d.DeliveredAt >= d.CreatedAt && d.CreatedAt > 0, 'd.DeliveredAt >= d.CreatedAt && d.CreatedAt > 0');
        assert.equal(d.Body.CallbackCommand, d.CallbackCommand);
        assert.equal(d.Body.Official_Account, d.Official_Account);
        const arrived = receiver.calls.filter(
          (c) => c.path === '/one' && c.command === d.CallbackCommand && canon(c.body) === canon(d.Body),
        );
        assert.equal(arrived.length, 1, `the delivered body of #${d.Id} is the listed Body`);
      }
      const otherList = await deliveries(other);
      assert.deepEqual(otherList.map((d) => d.Official_Account).sort(), [otherId, ids[0]].sort());
      assert.ok(
        otherList.every((d) => String(d.Body.Name).startsWith('other')),
        "otherList.every((d) => String(d.Body.Name).startsWith('other'))",
      );
      assert.ok(
        receiver.calls.filter((c) => c.path === '/two').every((c) => c.query.SdkAppid === String(OTHER_SDKAPPID)),
        "receiver.calls.filter((c) => c.path === '/two').every((c) => c.query.SdkAppid === String(OTHER_SDKAPPID))",
      );
    });

    it('filters by Status and Official_Account; pages with Limit and BeforeId', async () => {
      const all = await deliveries(herald.admin);
      const mine = await deliveries(herald.admin, { Official_Account: ids[0] });
      assert.deepEqual(
        mine.map((d) => d.CallbackCommand),
        [CB.afterSend, CB.afterCreate],
      );
      assert.ok(
        mine.every((d) => !String(d.Body.Name ?? '').startsWith('other')),
        'same ID in another app is not listed',
      );
      assert.deepEqual(await deliveries(herald.admin, { Status: 'pending' }), []);
      assert.deepEqual(await deliveries(herald.admin, { Status: 'cancelled' }), []);
      assert.equal((await deliveries(herald.admin, { Status: 'delivered' })).length, all.length);
      assert.deepEqual(await deliveries(herald.admin, { Official_Account: '@TOA#_nobody' }), []);

      const pages: Delivery[] = [];
      let beforeId: number | undefined;
      for (let guard = 0; guard < 10; guard++) {
        const res = await listDeliveries(herald.admin, {
          Limit: 4,
          ...(beforeId !== undefined && { BeforeId: beforeId }),
        });
        assertOk(res);
        const page = res.Deliveries as Delivery[];
        assert.ok(page.length <= 4, 'page.length <= 4');
        pages.push(...page);
        if (page.length < 4) break;
        beforeId = page.at(-1)?.Id;
      }
      assert.deepEqual(
        pages.map((d) => d.Id),
        all.map((d) => d.Id),
      );
      const one = await listDeliveries(herald.admin, { Limit: 1 });
      assertOk(one);
      assert.deepEqual(
        (one.Deliveries as Delivery[]).map((d) => d.Id),
        [all[0]?.Id],
      );
    });

    it('rejects bad arguments (6017) and non-admin callers (60010)', async () => {
      for (const body of [{ Status: 'done' }, { Limit: 0 }, { Limit: 201 }, { BeforeId: 0 }, { Limit: 'ten' }]) {
        const res = await listDeliveries(herald.admin, body);
        assertFail(res, 6017);
      }
      assertOk(await listDeliveries(herald.admin, { Limit: 200 }));
      const alice = new Client(herald.url, { identifier: 'alice' });
      const res = await listDeliveries(alice, {});
      assertFail(res, 60010);
      assert.equal(res.Deliveries, undefined);
    });
  });
}
