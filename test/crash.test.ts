/**
 * Crash consistency with real processes: `herald serve` under concurrent writes (imports,
 * creates, add_subscriber, delete_subscriber, sends) while its webhook receiver is down, killed
 * with SIGKILL mid-load, and restarted on the same data, several times over. After each restart:
 *
 * - every acknowledged write (ErrorCode 0) is there: imported accounts, created official
 *   accounts, subscriptions (unless a delete could have come after), every acknowledged MsgKey;
 * - nothing is half-applied: SubscriberNum is the real number of subscribers, message Seqs are
 *   exactly 1..N, LastMsgTime is the time of the newest message;
 * - the outbox survives: once a receiver is up, nothing stays pending, and it gets an
 *   AfterSendMsg for every acknowledged send and an AfterCreateOfficialAccount for every
 *   acknowledged create.
 */
import { checkAnswer } from './helpers/answers.ts';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import {
  Client,
  SDKAPPID,
  SECRET_KEY,
  createTestSchema,
  dropTestSchema,
  importAccounts,
  postgresUrlFor,
  stores,
  type Envelope,
} from './helpers/harness.ts';
import { spawnHerald, type HeraldProcess } from './helpers/processes.ts';
import { CB } from './helpers/webhook-checks.ts';
import { WebhookReceiver, type ReceivedCall } from './helpers/webhook-receiver.ts';

const CYCLES = 3;
/** Acknowledged sends per cycle before the kill is armed; it then lands 0.2–0.8 s later. */
const SENDS_BEFORE_KILL = 8;
/** Guards against hangs, not performance assertions. */
const REQUEST_TIMEOUT_MS = 10_000;
const OUTBOX_DRAIN_MS = 30_000;

const ACCOUNTS = ['@TOA#_crash_a', '@TOA#_crash_b', '@TOA#_crash_c'];
const USERS = Array.from({ length: 40 }, (_, i) => `cu${String(i).padStart(2, '0')}`);

type Item = Record<string, unknown>;

/** One add_subscriber / delete_subscriber of one user, as the client saw it. */
interface SubOp {
  kind: 'add' | 'delete';
  account: string;
  user: string;
  start: number;
  /** When the answer came; for an unanswered op, when the process that got it was dead. */
  end: number;
  acked: boolean;
}

interface Sent {
  account: string;
  msgKey: string;
  msgTime: number;
  seq: number;
}

/** A send that got no answer because the process died. */
interface Unanswered {
  account: string;
  random: number;
  text: string;
}

const pick = <T>(from: readonly T[]): T => from[Math.floor(Math.random() * from.length)] as T;

function seqOf(msgKey: string): number {
  const match = /^(\d+)_1_(\d+)$/.exec(msgKey);
  assert.ok(match, `MsgKey ${msgKey} has the shape {Seq}_1_{Time}`);
  return Number(match[1]);
}

for (const store of stores()) {
  describe(`crash consistency: SIGKILL mid-load, restart on the same data [${store}]`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-crash-'));
    let schema: string | null = null;
    let proc: HeraldProcess | undefined;
    let receiver: WebhookReceiver | undefined;
    /** Filled by the main test, judged by the tests after it. */
    const seqGaps: string[] = [];
    const lostRetries: string[] = [];
    let mainTestRan = false;

    after(async () => {
      await proc?.kill();
      await receiver?.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (schema !== null) await dropTestSchema(schema);
    });

    it(`keeps every acknowledged write across ${CYCLES} kill/restart cycles`, { timeout: 180_000 }, async () => {
      if (store === 'postgres') schema = await createTestSchema();
      const hookPort = await WebhookReceiver.closedPort();
      const env: Record<string, string> = {
        ...(store === 'sqlite' ? { HERALD_DATA: dataDir } : { HERALD_DATABASE_URL: postgresUrlFor(schema as string) }),
        HERALD_SDKAPPID: String(SDKAPPID),
        HERALD_SECRET_KEY: SECRET_KEY,
        HERALD_RATE_LIMIT: '0',
        HERALD_SEND_PER_SECOND: '0',
        HERALD_SEND_PER_HOUR: '0',
        HERALD_WEBHOOK_URL: `http://127.0.0.1:${hookPort}/hook`,
        HERALD_WEBHOOK_RETRY_MS: '200',
        // A killed node's claim on an event it was delivering lapses after this (default 15 s).
        HERALD_WEBHOOK_LEASE_MS: '1000',
      };

      // What the clients were told, over all cycles.
      const imported = new Set<string>(USERS);
      const created = new Set<string>(ACCOUNTS);
      const subOps: SubOp[] = [];
      const sent: Sent[] = [];
      /** Things workers saw that are wrong by themselves (not crash-related). */
      const anomalies: string[] = [];
      /** Every webhook call received, over all cycles. */
      const received: ReceivedCall[] = [];

      proc = await spawnHerald(env);
      let client = new Client(proc.url);
      await importAccounts(client, USERS);
      for (const id of ACCOUNTS) {
        const res = await client.official('create_official_account', {
          Owner_Account: USERS[0],
          Name: id,
          OfficialAccountUserID: id,
        });
        assert.equal(res.ErrorCode, 0, JSON.stringify(res));
      }

      let random = 1;
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        // ---- load, with the receiver down, then SIGKILL while requests are in flight
        let stopped = false;
        let counter = 0;
        const current = client;
        /** POSTs one call; null when no answer came (the process died or the call failed). */
        const call = async (service: string, command: string, body: Item): Promise<Envelope | null> => {
          try {
            const response = await fetch(current.url(service, command), {
              method: 'POST',
              body: JSON.stringify(body),
              signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            });
            const text = await response.text();
            if (response.status !== 200) {
              anomalies.push(`HTTP ${response.status} from ${command}: ${text.slice(0, 200)}`);
              return null;
            }
            let envelope: Envelope;
            try {
              envelope = JSON.parse(text) as Envelope;
            } catch {
              anomalies.push(`non-JSON answer from ${command}: ${text.slice(0, 200)}`);
              return null;
            }
            try {
              checkAnswer(service, command, envelope);
            } catch (e) {
              anomalies.push(e instanceof Error ? e.message : String(e));
            }
            if (envelope.ErrorCode !== 0)
              anomalies.push(
                `${command} answered ${envelope.ErrorCode} ${envelope.ErrorInfo} for ${JSON.stringify(body).slice(0, 200)}`,
              );
            return envelope;
          } catch {
            return null;
          }
        };
        const pendingOps: SubOp[] = [];
        const unanswered: Unanswered[] = [];

        const workers: Record<string, () => Promise<void>> = {
          async importer() {
            const ids = Array.from({ length: 5 }, () => `ci${cycle}_${++counter}`);
            const res =
              Math.random() < 0.5
                ? await call('im_open_login_svc', 'multiaccount_import', {
                    AccountList: ids.map((UserID) => ({ UserID })),
                  })
                : await call('im_open_login_svc', 'account_import', { UserID: ids[0] });
            if (res?.ErrorCode === 0 && ((res.FailAccounts as string[] | undefined) ?? []).length === 0) {
              for (const id of res.FailAccounts === undefined ? ids.slice(0, 1) : ids) imported.add(id);
            }
          },
          async creator() {
            const n = ++counter;
            const custom = n % 2 === 0 ? { OfficialAccountUserID: `@TOA#_crash${cycle}_${n}` } : {};
            const res = await call('official_account_open_http_svc', 'create_official_account', {
              Owner_Account: pick(USERS),
              Name: `crash ${cycle}/${n}`,
              ...custom,
            });
            if (res?.ErrorCode === 0) created.add(res.OfficialAccountUserID as string);
          },
          async subscribe() {
            const account = pick(ACCOUNTS);
            const users = [...new Set(Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => pick(USERS)))];
            const ops = users.map(
              (user): SubOp => ({ kind: 'add', account, user, start: performance.now(), end: Infinity, acked: false }),
            );
            pendingOps.push(...ops);
            const res = await call('official_account_open_http_svc', 'add_subscriber', {
              Official_Account: account,
              SubscriberList: users.map((Subscriber_Account) => ({ Subscriber_Account })),
            });
            if (res?.ErrorCode !== 0) return;
            const end = performance.now();
            for (const item of res.SubscriberList as { Subscriber_Account: string; Result: number }[]) {
              if (item.Result !== 1 && item.Result !== 2)
                anomalies.push(
                  `add_subscriber of imported ${item.Subscriber_Account} to ${account} answered Result ${item.Result}`,
                );
            }
            for (const op of ops) Object.assign(op, { end, acked: true });
          },
          async unsubscribe() {
            const account = pick(ACCOUNTS);
            const users = [...new Set(Array.from({ length: 1 + Math.floor(Math.random() * 2) }, () => pick(USERS)))];
            const ops = users.map(
              (user): SubOp => ({
                kind: 'delete',
                account,
                user,
                start: performance.now(),
                end: Infinity,
                acked: false,
              }),
            );
            pendingOps.push(...ops);
            const res = await call('official_account_open_http_svc', 'delete_subscriber', {
              Official_Account: account,
              SubscriberToDel_Account: users,
            });
            if (res?.ErrorCode !== 0) return;
            const end = performance.now();
            for (const op of ops) Object.assign(op, { end, acked: true });
          },
          async sender() {
            const account = pick(ACCOUNTS);
            const r = random++;
            const text = `cycle ${cycle} message ${r}`;
            const res = await call('official_account_open_http_svc', 'send_official_account_msg', {
              Official_Account: account,
              Random: r,
              MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }],
            });
            if (res === null) unanswered.push({ account, random: r, text });
            else if (res.ErrorCode === 0)
              sent.push({
                account,
                msgKey: res.MsgKey as string,
                msgTime: res.MsgTime as number,
                seq: seqOf(res.MsgKey as string),
              });
          },
        };
        const mix = [
          'importer',
          'creator',
          'subscribe',
          'subscribe',
          'subscribe',
          'unsubscribe',
          'unsubscribe',
          'sender',
          'sender',
          'sender',
          'sender',
        ];
        const running = mix.map(async (name) => {
          const work = workers[name] as () => Promise<void>;
          while (!stopped) await work();
        });

        const sentBefore = sent.length;
        const armBy = Date.now() + 30_000;
        while (sent.length < sentBefore + SENDS_BEFORE_KILL && Date.now() < armBy) await sleep(20);
        assert.ok(
          sent.length >= sentBefore + SENDS_BEFORE_KILL,
          `cycle ${cycle}: ${SENDS_BEFORE_KILL} sends acknowledged within 30 s (${sent.length - sentBefore}; ${anomalies.slice(0, 3).join('; ')})`,
        );
        await sleep(200 + Math.random() * 600);
        await proc.kill(); // SIGKILL, with the workers still sending
        const dead = performance.now();
        stopped = true;
        await Promise.all(running);
        for (const op of pendingOps) if (!op.acked) op.end = dead;
        subOps.push(...pendingOps);

        // ---- restart on the same data
        proc = await spawnHerald(env);
        client = new Client(proc.url);
        const health = await fetch(`${proc.url}/healthz`);
        assert.equal(health.status, 200, 'restarted Herald answers /healthz');
        await health.text();
        const ok = async (service: string, command: string, body: Item): Promise<Envelope> => {
          const res = await client.call(service, command, body);
          assert.equal(res.ErrorCode, 0, `${command}: ${JSON.stringify(res).slice(0, 500)}`);
          return res;
        };
        const where = `after restart ${cycle}`;
        // Sends cut short while asking the before-send webhook are settled as abandoned: on SQLite
        // at start (the store is this process's alone), on PostgreSQL once they have been pending
        // for the webhook's timeout plus 3 s (another node might still be asking), checked every 2 s.
        if (store === 'postgres') await new Promise((r) => setTimeout(r, 8000));

        // Imported accounts.
        const importedIds = [...imported];
        for (let i = 0; i < importedIds.length; i += 100) {
          const res = await ok('im_open_login_svc', 'account_check', {
            CheckItem: importedIds.slice(i, i + 100).map((UserID) => ({ UserID })),
          });
          for (const item of res.ResultItem as { UserID: string; AccountStatus: string }[]) {
            assert.equal(item.AccountStatus, 'Imported', `${where}: acknowledged import of ${item.UserID} is kept`);
          }
        }

        // Created official accounts (and none of them has subscribers: nobody subscribed to them).
        const createdIds = [...created];
        const info = new Map<string, Item>();
        for (let i = 0; i < createdIds.length; i += 50) {
          const res = await ok('official_account_open_http_svc', 'get_official_account_info', {
            OfficialAccountIdList: createdIds.slice(i, i + 50).map((Official_Account) => ({ Official_Account })),
          });
          for (const item of res.OfficialAccountInfoList as Item[]) info.set(item.Official_Account as string, item);
        }
        for (const id of createdIds) {
          const item = info.get(id);
          assert.equal(item?.ErrorCode, 0, `${where}: acknowledged create of ${id} is kept (${JSON.stringify(item)})`);
          if (!ACCOUNTS.includes(id)) assert.equal(item?.SubscriberNum, 0, `${where}: ${id} has no subscribers`);
        }

        for (const account of ACCOUNTS) {
          // Subscribers: SubscriberNum is the real count, and acknowledged changes hold.
          const listed: string[] = [];
          let next = '';
          for (let guard = 0; guard < 100; guard++) {
            const page = await ok('official_account_open_http_svc', 'get_subscriber_info', {
              Official_Account: account,
              Limit: 7,
              Next: next,
            });
            assert.equal(
              page.SubscriberNum,
              info.get(account)?.SubscriberNum,
              `${where}: get_subscriber_info and get_official_account_info agree on ${account}`,
            );
            listed.push(...(page.SubscriberList as Item[]).map((s) => s.Subscriber_Account as string));
            next = page.Next as string;
            if (next === '') break;
          }
          assert.equal(new Set(listed).size, listed.length, `${where}: nobody is listed twice in ${account}`);
          assert.equal(
            info.get(account)?.SubscriberNum,
            listed.length,
            `${where}: SubscriberNum of ${account} is the number of subscribers`,
          );
          const subscribers = new Set(listed);
          for (const user of USERS) {
            const ops = subOps.filter((o) => o.account === account && o.user === user);
            const adds = ops.filter((o) => o.kind === 'add');
            const deletes = ops.filter((o) => o.kind === 'delete');
            // Present: an acknowledged add after which no delete can have happened.
            const mustHave = adds.some((a) => a.acked && deletes.every((d) => d.end < a.start));
            // Absent: an acknowledged delete after which no add can have happened.
            const mustLack = deletes.some((d) => d.acked && adds.every((a) => a.end < d.start));
            if (mustHave)
              assert.ok(subscribers.has(user), `${where}: acknowledged subscription of ${user} to ${account} is kept`);
            if (mustLack)
              assert.ok(
                !subscribers.has(user),
                `${where}: acknowledged unsubscription of ${user} from ${account} is kept`,
              );
          }

          // History: Seqs 1..N without gaps, every acknowledged MsgKey there with its Seq.
          const history: Item[] = [];
          let lastMsgKey = '';
          for (let guard = 0; guard < 1000; guard++) {
            const page = await ok('official_account_open_http_svc', 'official_account_msg_get_simple', {
              Official_Account: account,
              ReqMsgNumber: 20,
              LastMsgKey: lastMsgKey,
            });
            history.push(...(page.RspMsgList as Item[]));
            lastMsgKey = page.LastMsgKey as string;
            if (page.IsFinished === 2) break;
          }
          const seqs = history.map((m) => m.MsgSeq as number).sort((a, b) => a - b);
          assert.equal(new Set(seqs).size, seqs.length, `${where}: no Seq of ${account} repeats`);
          const missing = Array.from({ length: seqs.at(-1) ?? 0 }, (_, i) => i + 1).filter((n) => !seqs.includes(n));
          if (missing.length > 0)
            seqGaps.push(`${where}: ${account} history lacks Seq ${missing.join(', ')} of 1..${seqs.at(-1)}`);
          const byKey = new Map(history.map((m) => [m.MsgKey as string, m]));
          for (const s of sent.filter((x) => x.account === account)) {
            const message = byKey.get(s.msgKey);
            assert.ok(message, `${where}: acknowledged message ${s.msgKey} of ${account} is in the history`);
            assert.equal(message.MsgSeq, s.seq, `${where}: ${s.msgKey} keeps its Seq`);
          }
          const newest = Math.max(0, ...history.map((m) => m.MsgTimeStamp as number));
          assert.equal(
            info.get(account)?.LastMsgTime,
            newest,
            `${where}: LastMsgTime of ${account} is the time of its newest message`,
          );
        }

        // A client retrying a send that got no answer (same Random and body: the documented safe
        // retry) is told OK with a MsgKey; that message must then be in the history.
        for (const u of unanswered.slice(0, 5)) {
          const again = await ok('official_account_open_http_svc', 'send_official_account_msg', {
            Official_Account: u.account,
            Random: u.random,
            MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: u.text } }],
          });
          const page = await ok('official_account_open_http_svc', 'official_account_msg_get_simple', {
            Official_Account: u.account,
            ReqMsgNumber: 1,
            LastMsgKey: `${seqOf(again.MsgKey as string) + 1}_1_0`,
          });
          const shown = (page.RspMsgList as Item[])[0];
          if (shown?.MsgKey !== again.MsgKey) {
            lostRetries.push(
              `${where}: retry of unanswered send ${u.random} to ${u.account} answered OK with ${String(again.MsgKey)}, which is not in the history`,
            );
          } else
            sent.push({
              account: u.account,
              msgKey: again.MsgKey as string,
              msgTime: again.MsgTime as number,
              seq: seqOf(again.MsgKey as string),
            });
        }

        // ---- the outbox: bring the receiver up; everything pending goes out
        receiver = await WebhookReceiver.start(hookPort);
        const deadline = Date.now() + OUTBOX_DRAIN_MS;
        for (;;) {
          const pending = await ok('herald_admin', 'list_webhook_deliveries', { Status: 'pending', Limit: 200 });
          if ((pending.Deliveries as unknown[]).length === 0) break;
          assert.ok(
            Date.now() < deadline,
            `${where}: webhook events still pending after ${OUTBOX_DRAIN_MS} ms: ${(pending.Deliveries as unknown[]).length}`,
          );
          await sleep(100);
        }
        const cancelled = await ok('herald_admin', 'list_webhook_deliveries', { Status: 'cancelled', Limit: 200 });
        assert.deepEqual(cancelled.Deliveries, [], `${where}: no webhook event was given up`);
        received.push(...receiver.calls);
        await receiver.close();
        receiver = undefined;

        const sentEvents = new Set(
          received.filter((c) => c.command === CB.afterSend).map((c) => c.body.MsgKey as string),
        );
        for (const s of sent)
          assert.ok(
            sentEvents.has(s.msgKey),
            `${where}: AfterSendMsg was delivered for acknowledged ${s.msgKey} of ${s.account}`,
          );
        const createEvents = new Set(
          received.filter((c) => c.command === CB.afterCreate).map((c) => c.body.Official_Account as string),
        );
        for (const id of created)
          assert.ok(createEvents.has(id), `${where}: AfterCreateOfficialAccount was delivered for acknowledged ${id}`);
      }

      assert.deepEqual(anomalies, [], 'no call answered with an error or a non-200 status while Herald was up');
      mainTestRan = true;
    });

    // A send with the before-send webhook on is stored 'pending' and settled after the webhook
    // answers; a SIGKILL in between must not leave it pending for ever (a Seq never shown).
    it('no message Seq is lost to a send cut short by the kill', () => {
      assert.ok(mainTestRan, 'the main test ran to the end');
      assert.deepEqual(seqGaps, []);
    });

    // The retry of such a send is answered as a duplicate with the first MsgKey: that message
    // must then really be shown (and delivered), not stuck.
    it('retrying a send that got no answer delivers the message', () => {
      assert.ok(mainTestRan, 'the main test ran to the end');
      assert.deepEqual(lostRetries, []);
    });
  });
}
