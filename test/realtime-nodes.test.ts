/**
 * The subscriber channel across Herald nodes (real `herald serve` processes on one PostgreSQL):
 * a send on one node reaches sockets on another, through Redis pub/sub and, without Redis,
 * through LISTEN/NOTIFY; kick and presence work across nodes; and when a node dies during a
 * burst of sends, its clients reconnect to another node and end with every stored message
 * exactly once. PostgreSQL-only; skipped on the SQLite run with that reason.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { HeraldChat } from '../src/client/index.ts';
import { assertOk } from './helpers/assertions.ts';
import { Device, until } from './helpers/devices.ts';
import {
  Client,
  createTestSchema,
  currentStore,
  dropTestSchema,
  postgresUrlFor,
  SECRET_KEY,
} from './helpers/harness.ts';
import { spawnHerald, type HeraldProcess } from './helpers/processes.ts';
import { TcpProxy } from './helpers/proxy.ts';

const REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const onPostgres = currentStore() === 'postgres';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];

for (const bus of ['Redis', 'LISTEN/NOTIFY'] as const) {
  describe(`subscriber channel on two nodes over ${bus} [${currentStore()}]`, {
    skip: onPostgres ? false : 'several nodes need PostgreSQL (HERALD_TEST_STORE=postgres)',
  }, () => {
    const sdkappid = 1_600_000_000 + randomInt(90_000_000);
    const processes: HeraldProcess[] = [];
    const devices: Device[] = [];
    let schema = '';
    let random = 1;

    const env = (sweepMs = 1000) => ({
      HERALD_DATABASE_URL: postgresUrlFor(schema),
      ...(bus === 'Redis' && { HERALD_REDIS_URL: REDIS_URL }),
      HERALD_SDKAPPID: String(sdkappid),
      HERALD_SECRET_KEY: SECRET_KEY,
      HERALD_RATE_LIMIT: '0',
      HERALD_SEND_PER_SECOND: '0',
      HERALD_SEND_PER_HOUR: '0',
      HERALD_REALTIME_SWEEP_MS: String(sweepMs),
    });
    const start = async (count: number, sweepMs?: number) => {
      if (!schema) schema = await createTestSchema();
      const started = await Promise.all(Array.from({ length: count }, () => spawnHerald(env(sweepMs))));
      processes.push(...started);
      return started;
    };
    const login = async (url: string, user: string) => {
      const d = await Device.login(url, user, { sdkappid, reconnect: { minDelayMs: 100, maxDelayMs: 500 } });
      devices.push(d);
      return d;
    };
    const admin = (node: HeraldProcess) => new Client(node.url, { sdkappid });
    const setUp = async (node: HeraldProcess, name: string, users: string[]) => {
      const api = admin(node);
      assertOk(await api.account('multiaccount_import', { Accounts: users }));
      const created = assertOk(
        await api.official('create_official_account', { Owner_Account: 'administrator', Name: name }),
      );
      const id = created.OfficialAccountUserID as string;
      assertOk(
        await api.official('add_subscriber', {
          Official_Account: id,
          SubscriberList: users.map((Subscriber_Account) => ({ Subscriber_Account })),
        }),
      );
      return id;
    };

    after(async () => {
      for (const d of devices) await d.close();
      await Promise.all(processes.map((p) => p.kill()));
      if (schema) await dropTestSchema(schema);
    });

    it('a send through node A reaches subscribers connected to node B; kick and presence cross nodes', async () => {
      const [a, b] = (await start(2)) as [HeraldProcess, HeraldProcess];
      const id = await setUp(a, 'Across', ['x1', 'x2']);
      const onB = await login(b.url, 'x1');
      const onA = await login(a.url, 'x2');
      const sent = assertOk(
        await admin(a).official('send_official_account_msg', {
          Official_Account: id,
          Random: random++,
          MsgBody: text('across'),
        }),
      );
      await onB.until('the message sent through the other node', () => onB.received.length === 1);
      await onA.until('the message on the same node', () => onA.received.length === 1);
      assert.equal(onB.received[0]?.ID, sent.MsgKey);

      const online = assertOk(await admin(a).call('openim', 'query_online_status', { To_Account: ['x1', 'x2'] }));
      assert.deepEqual(
        (online.QueryResult as { Status: string }[]).map((r) => r.Status),
        ['Online', 'Online'],
        'node A sees the user connected to node B',
      );
      assertOk(await admin(a).account('kick', { UserID: 'x1' }));
      await onB.until(
        'KICKED_OUT from a kick made on the other node',
        () => onB.count(HeraldChat.EVENT.KICKED_OUT) === 1,
      );
      await until('x1 offline everywhere', async () => {
        const again = await admin(b).call('openim', 'query_online_status', { To_Account: ['x1'] });
        return (again.QueryResult as { Status: string }[])[0]?.Status === 'Offline';
      });
    });

    it('a burst of concurrent sends on node A reaches node B by doorbells alone, each message once, in order', async () => {
      // The sweep is ten minutes away, so only the doorbells (coalesced under load) can bring these.
      const [a, b] = (await start(2, 600_000)) as [HeraldProcess, HeraldProcess];
      const id = await setUp(a, 'Burst', ['y1']);
      const onB = await login(b.url, 'y1');
      const sends = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          admin(a).official('send_official_account_msg', {
            Official_Account: id,
            Random: random++,
            MsgBody: text(`burst ${i}`),
          }),
        ),
      );
      const keys = sends.map((res) => assertOk(res).MsgKey as string);
      await onB.until('all 40 messages', () => onB.received.length >= 40, 10_000);
      const received = onB.received.map((m) => m.ID);
      assert.equal(new Set(received).size, received.length, 'no message twice');
      assert.deepEqual([...received].sort(), [...keys].sort());
      const sequences = onB.received.map((m) => m.sequence);
      assert.deepEqual(
        sequences,
        [...sequences].sort((x, y) => x - y),
        'in Seq order',
      );
    });

    it('a node killed during a burst of sends: its clients move to another node and end with every stored message once', async () => {
      const [victim, survivor] = (await start(2)) as [HeraldProcess, HeraldProcess];
      const users = Array.from({ length: 6 }, (_, i) => `burst${i}`);
      const id = await setUp(survivor, 'Burst', users);
      const proxy = await TcpProxy.inFrontOf(victim.url);
      try {
        const clients = await Promise.all(users.map((u) => login(proxy.url, u)));
        const senders = [admin(victim), admin(survivor)];
        let killed = false;
        const sends: Promise<unknown>[] = [];
        for (let i = 0; i < 60; i++) {
          if (i === 25) {
            // The node dies mid-burst; its clients' connections go with it. They come back through
            // the same address, which now leads to the surviving node.
            await victim.kill();
            killed = true;
            proxy.retarget(survivor.url);
            proxy.cut();
          }
          const sender = killed ? (senders[1] as Client) : (senders[i % 2] as Client);
          sends.push(
            sender
              .official('send_official_account_msg', { Official_Account: id, Random: random++, MsgBody: text(`b${i}`) })
              .catch(() => null), // a send the dying node never answered may or may not be stored
          );
          if (i % 5 === 0) await Promise.all(sends.splice(0));
        }
        await Promise.all(sends);
        // The truth: every message the store holds for the account.
        const stored: string[] = [];
        let last = '';
        for (;;) {
          const page = assertOk(
            await admin(survivor).official('official_account_msg_get_simple', {
              Official_Account: id,
              ReqMsgNumber: 20,
              ...(last && { LastMsgKey: last }),
            }),
          );
          stored.push(...(page.RspMsgList as { MsgKey: string }[]).map((m) => m.MsgKey));
          last = page.LastMsgKey as string;
          if (page.IsFinished === 2) break;
        }
        stored.reverse();
        assert.ok(stored.length >= 55, `most sends were stored (${stored.length})`);
        for (const d of clients) {
          await d
            .until(`all ${stored.length} messages`, () => d.received.length >= stored.length, 30_000)
            .catch((e: unknown) => {
              const got = new Set(d.idsOf(id));
              throw new Error(
                `${String(e)}; missing ${stored.filter((k) => !got.has(k)).join(' ')}; events ${d.events
                  .filter((ev) => ev.name !== HeraldChat.EVENT.MESSAGE_RECEIVED)
                  .map((ev) => `${ev.name}:${JSON.stringify(ev.data)}`)
                  .join(' ')}`,
              );
            });
          assert.deepEqual(d.idsOf(id), stored, `${d.userId}: every stored message exactly once, in order`);
        }
      } finally {
        await proxy.close();
      }
    });
  });
}
