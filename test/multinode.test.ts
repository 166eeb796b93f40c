/**
 * Several Herald nodes on one PostgreSQL database and one Redis: two real `herald serve`
 * processes, and every concurrency rule of a multi-node deployment checked through them.
 * PostgreSQL-only (SQLite is one process by design); on the SQLite run the suite is skipped
 * with that reason.
 */
import { assertOk } from './helpers/assertions.ts';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Client,
  createTestSchema,
  currentStore,
  dropTestSchema,
  postgresUrlFor,
  SECRET_KEY,
} from './helpers/harness.ts';
import { spawnHerald, type HeraldProcess } from './helpers/processes.ts';

const REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const onPostgres = currentStore() === 'postgres';

interface Delivery {
  command: string;
  body: Record<string, unknown>;
  pid: number;
  start: number;
  end: number;
  answered: boolean;
}

/** A webhook receiver that records every delivery, can hang on demand, and tracks overlap. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  /** While set, requests are held open (never answered) and reported here. */
  hang: ((d: Delivery) => void) | null = null;
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const pid = Number(/pid (\d+)/.exec(req.headers['user-agent'] ?? '')?.[1] ?? 0);
        const d: Delivery = {
          command: url.searchParams.get('CallbackCommand') ?? '',
          body: JSON.parse(text),
          pid,
          start: Date.now(),
          end: 0,
          answered: false,
        };
        this.deliveries.push(d);
        const hang = this.hang;
        if (hang && d.command.includes('After')) {
          req.socket.on('close', () => (d.end = Date.now()));
          hang(d);
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' }), () => {
          d.end = Date.now();
          d.answered = true;
        });
      });
    });
    this.server.listen(0, '127.0.0.1');
    await new Promise((resolve) => this.server?.once('listening', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe(`several Herald nodes on one PostgreSQL and one Redis [${currentStore()}]`, {
  skip: onPostgres ? false : 'multi-node needs PostgreSQL (HERALD_TEST_STORE=postgres)',
}, () => {
  const sdkappid = 1_500_000_000 + randomInt(90_000_000); // fresh per run: Redis windows outlive a run
  let schema: string;
  let nodes: HeraldProcess[] = [];
  let clients: Client[] = [];
  const receiver = new Receiver();

  const env = (extra: Record<string, string> = {}) => ({
    HERALD_DATABASE_URL: postgresUrlFor(schema),
    HERALD_REDIS_URL: REDIS_URL,
    HERALD_SDKAPPID: String(sdkappid),
    HERALD_SECRET_KEY: SECRET_KEY,
    HERALD_RATE_LIMIT: '0',
    HERALD_SEND_PER_SECOND: '0',
    HERALD_SEND_PER_HOUR: '0',
    HERALD_WEBHOOK_URL: `http://127.0.0.1:${receiver.port}/hook`,
    HERALD_WEBHOOK_RETRY_MS: '200',
    HERALD_WEBHOOK_LEASE_MS: '2000',
    ...extra,
  });

  before(async () => {
    await receiver.start();
    schema = await createTestSchema();
    // Both nodes start at once on an empty database: migrations must run exactly once.
    nodes = await Promise.all([spawnHerald(env()), spawnHerald(env())]);
    clients = nodes.map((n) => new Client(n.url, { sdkappid }));
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await receiver.close();
    if (schema) await dropTestSchema(schema);
  });

  const node = (i: number) => clients[i % clients.length] as Client;

  async function importUsers(ids: string[]) {
    for (let i = 0; i < ids.length; i += 100) {
      assertOk(await node(i / 100).account('multiaccount_import', { Accounts: ids.slice(i, i + 100) }));
    }
  }

  it('both nodes started together and serve the same data', async () => {
    await importUsers(['owner']);
    const created = assertOk(
      await node(0).official('create_official_account', { Owner_Account: 'owner', Name: 'shared' }),
    );
    const info = assertOk(
      await node(1).official('get_official_account_info', {
        OfficialAccountIdList: [{ Official_Account: created.OfficialAccountUserID }],
      }),
    );
    assert.equal((info.OfficialAccountInfoList as Record<string, unknown>[])[0]?.Name, 'shared');
  });

  it('concurrent creates of one custom ID through both nodes: exactly one OK, the rest 130008', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        node(i).official('create_official_account', {
          Owner_Account: 'owner',
          Name: `n${i}`,
          OfficialAccountUserID: '@TOA#_contended',
        }),
      ),
    );
    assert.equal(results.filter((r) => r.ErrorCode === 0).length, 1, JSON.stringify(results.map((r) => r.ErrorCode)));
    assert.equal(results.filter((r) => r.ErrorCode === 130008).length, 19);
  });

  it('concurrent sends to one account through both nodes: unique Seqs 1..N, no gaps, history agrees', async () => {
    const id = assertOk(await node(0).official('create_official_account', { Owner_Account: 'owner', Name: 'busy' }))
      .OfficialAccountUserID as string;
    const n = 40;
    const sent = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        node(i).official('send_official_account_msg', {
          Official_Account: id,
          Random: i,
          MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `m${i}` } }],
        }),
      ),
    );
    const seqs = sent.map((r) => Number(String(assertOk(r).MsgKey).split('_')[0])).sort((a, b) => a - b);
    assert.deepEqual(
      seqs,
      Array.from({ length: n }, (_, i) => i + 1),
    );
    const seen: number[] = [];
    let last = '';
    for (;;) {
      const page = assertOk(
        await node(1).official('official_account_msg_get_simple', {
          Official_Account: id,
          ReqMsgNumber: 20,
          LastMsgKey: last,
        }),
      );
      const items = page.RspMsgList as { MsgSeq: number }[];
      seen.push(...items.map((m) => m.MsgSeq));
      last = page.LastMsgKey as string;
      if (page.IsFinished === 2) break;
    }
    assert.deepEqual(
      seen,
      Array.from({ length: n }, (_, i) => n - i),
    );
  });

  it('SubscriberNum always equals the real number of subscriptions under concurrent adds and deletes on both nodes', async () => {
    const users = Array.from({ length: 300 }, (_, i) => `s${i}`);
    await importUsers(users);
    const id = assertOk(
      await node(0).official('create_official_account', {
        Owner_Account: 'owner',
        Name: 'crowd',
        MaxSubscriberNum: 250,
      }),
    ).OfficialAccountUserID as string;
    const batch = (from: number) => users.slice(from, from + 100).map((Subscriber_Account) => ({ Subscriber_Account }));
    await Promise.all([
      node(0).official('add_subscriber', { Official_Account: id, SubscriberList: batch(0) }),
      node(1).official('add_subscriber', { Official_Account: id, SubscriberList: batch(50) }),
      node(0).official('add_subscriber', { Official_Account: id, SubscriberList: batch(100) }),
      node(1).official('add_subscriber', { Official_Account: id, SubscriberList: batch(200) }),
      node(1).official('delete_subscriber', { Official_Account: id, SubscriberToDel_Account: users.slice(0, 30) }),
      node(0).account('account_delete', { DeleteItem: users.slice(280, 290).map((UserID) => ({ UserID })) }),
    ]).then((all) => {
      for (const res of all) assertOk(res);
    });
    let next = '';
    const listed = new Set<string>();
    let reported = -1;
    do {
      const page = assertOk(
        await node(1).official('get_subscriber_info', { Official_Account: id, Limit: 200, Next: next }),
      );
      for (const s of page.SubscriberList as { Subscriber_Account: string }[]) listed.add(s.Subscriber_Account);
      reported = page.SubscriberNum as number;
      next = page.Next as string;
    } while (next !== '');
    assert.equal(reported, listed.size);
    assert.ok(listed.size <= 250, 'listed.size <= 250');
  });

  it('rate limits are global with Redis: 5/s across two nodes lets exactly 5 through', async () => {
    const limited = await Promise.all([
      spawnHerald(env({ HERALD_RATE_LIMIT: '5' })),
      spawnHerald(env({ HERALD_RATE_LIMIT: '5' })),
    ]);
    try {
      const limitedClients = limited.map((n) => new Client(n.url, { sdkappid }));
      await sleep(1100 - (Date.now() % 1000)); // start near the beginning of a second
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (limitedClients[i % 2] as Client).account('account_check', { CheckItem: [{ UserID: 'owner' }] }),
        ),
      );
      assert.equal(results.filter((r) => r.ErrorCode === 0).length, 5, JSON.stringify(results.map((r) => r.ErrorCode)));
      assert.equal(results.filter((r) => r.ErrorCode === 60007).length, 5);
    } finally {
      await Promise.all(limited.map((n) => n.kill()));
    }
  });

  it('the outbox is delivered by one node at a time, in order per account, and survives SIGKILL of the delivering node', async () => {
    // Drain what earlier tests produced, then hold the next after-event open.
    await waitFor('earlier events delivered', async () => {
      const res = assertOk(
        await node(0).call('herald_admin', 'list_webhook_deliveries', { Status: 'pending', Limit: 1 }),
      );
      return (res.Deliveries as unknown[]).length === 0;
    });
    const start = receiver.deliveries.length;
    let held: Delivery | undefined;
    receiver.hang = (d) => (held ??= d);
    const id = assertOk(await node(0).official('create_official_account', { Owner_Account: 'owner', Name: 'ordered' }))
      .OfficialAccountUserID as string;
    await importUsers(['o1', 'o2', 'o3']);
    for (const [i, user] of ['o1', 'o2', 'o3'].entries()) {
      assertOk(
        await node(i).official('add_subscriber', {
          Official_Account: id,
          SubscriberList: [{ Subscriber_Account: user }],
        }),
      );
    }
    await waitFor('a delivery in flight', () => held !== undefined);
    const victim = nodes.findIndex((n) => n.pid === held?.pid);
    assert.ok(victim >= 0, `the held delivery came from a test node (pid ${held?.pid})`);
    await (nodes[victim] as HeraldProcess).kill();
    receiver.hang = null;

    // The surviving node takes the event over once the dead node's lease runs out.
    const survivor = clients[1 - victim] as Client;
    await waitFor('every event of the account delivered', async () => {
      const res = assertOk(
        await survivor.call('herald_admin', 'list_webhook_deliveries', { Official_Account: id, Limit: 50 }),
      );
      const events = res.Deliveries as { Status: string }[];
      return events.length === 4 && events.every((e) => e.Status === 'delivered');
    });
    const mine = receiver.deliveries
      .slice(start)
      .filter((d) => d.body.Official_Account === id && d.command.includes('After'));
    const answered = mine.filter((d) => d.answered);
    assert.deepEqual(
      answered.map((d) => [
        d.command.replace('OfficialAccount.Callback', ''),
        (d.body.SubscribeAccountList as { Subscriber_Account: string }[] | undefined)?.[0]?.Subscriber_Account,
      ]),
      [
        ['AfterCreateOfficialAccount', undefined],
        ['AfterAddSubscriber', 'o1'],
        ['AfterAddSubscriber', 'o2'],
        ['AfterAddSubscriber', 'o3'],
      ],
    );
    // One node at a time: no two attempts at the same event overlap.
    const key = (d: Delivery) => `${d.command}:${d.body.EventTime}`;
    for (const a of mine) {
      for (const b of mine) {
        if (a !== b && key(a) === key(b))
          assert.ok(a.end <= b.start || b.end <= a.start, 'two attempts of one event overlapped');
      }
    }
    assert.ok(
      answered.every((d) => d.pid !== held?.pid || d === held),
      'nothing was delivered by the killed node after its death',
    );
    nodes.splice(victim, 1, await spawnHerald(env()));
    clients = nodes.map((n) => new Client(n.url, { sdkappid }));
  });
});
