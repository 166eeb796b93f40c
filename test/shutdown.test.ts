/**
 * SIGTERM under load: Herald stops taking new work, finishes every request it accepted, exits 0,
 * and every write it acknowledged is there after a restart.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  Client,
  createTestSchema,
  currentStore,
  dropTestSchema,
  postgresUrlFor,
  SDKAPPID,
  SECRET_KEY,
  startTestHerald,
  stores,
} from './helpers/harness.ts';
import { until } from './helpers/devices.ts';
import { spawnHerald, startHeraldProcess } from './helpers/processes.ts';

for (const store of stores()) {
  describe(`SIGTERM under load [${store}]`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-shutdown-'));
    let schema: string | undefined;
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      if (schema) await dropTestSchema(schema);
    });

    it('finishes accepted requests, exits 0, and loses no acknowledged write', async () => {
      if (currentStore() === 'postgres') schema = await createTestSchema();
      const env = {
        ...(schema ? { HERALD_DATABASE_URL: postgresUrlFor(schema) } : { HERALD_DATA: dir }),
        HERALD_SDKAPPID: String(SDKAPPID),
        HERALD_SECRET_KEY: SECRET_KEY,
        HERALD_RATE_LIMIT: '0',
        HERALD_SEND_PER_SECOND: '0',
        HERALD_SEND_PER_HOUR: '0',
      };
      const first = await spawnHerald(env);
      const client = new Client(first.url);
      const created = await client.official('create_official_account', {
        Owner_Account: 'administrator',
        Name: 'load',
      });
      const id = created.OfficialAccountUserID as string;

      const acknowledgedUsers: string[] = [];
      const acknowledgedKeys: string[] = [];
      let networkErrors = 0;
      let stopping = false;
      let n = 0;
      const worker = async (w: number) => {
        while (!stopping) {
          const i = n++;
          try {
            if (i % 2 === 0) {
              const userId = `w${w}-${i}`;
              const res = await client.account('account_import', { UserID: userId });
              if (res.ErrorCode === 0) acknowledgedUsers.push(userId);
            } else {
              const res = await client.official('send_official_account_msg', {
                Official_Account: id,
                Random: i,
                MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `m${i}` } }],
              });
              if (res.ErrorCode === 0) acknowledgedKeys.push(res.MsgKey as string);
            }
          } catch {
            networkErrors++; // refused or cut after shutdown began: never acknowledged
          }
        }
      };
      const workers = Array.from({ length: 16 }, (_, w) => worker(w));
      await new Promise((r) => setTimeout(r, 1500));
      const beforeTerm = acknowledgedUsers.length + acknowledgedKeys.length;
      const exit = first.stop();
      stopping = true;
      assert.equal(await exit, 0, `herald exited cleanly:\n${first.output()}`);
      await Promise.all(workers);
      assert.ok(networkErrors < 1000, 'workers stopped once Herald stopped answering');
      assert.ok(beforeTerm > 20, `load was running (${beforeTerm} writes acknowledged before SIGTERM)`);

      const second = await spawnHerald(env);
      try {
        const again = new Client(second.url);
        for (let i = 0; i < acknowledgedUsers.length; i += 100) {
          const res = await again.account('account_check', {
            CheckItem: acknowledgedUsers.slice(i, i + 100).map((UserID) => ({ UserID })),
          });
          for (const item of res.ResultItem as { UserID: string; AccountStatus: string }[])
            assert.equal(item.AccountStatus, 'Imported', item.UserID);
        }
        const stored = new Set<string>();
        let last = '';
        for (;;) {
          const page = await again.official('official_account_msg_get_simple', {
            Official_Account: id,
            ReqMsgNumber: 20,
            LastMsgKey: last,
          });
          for (const m of page.RspMsgList as { MsgKey: string }[]) stored.add(m.MsgKey);
          last = page.LastMsgKey as string;
          if (page.IsFinished === 2) break;
        }
        for (const key of acknowledgedKeys) assert.ok(stored.has(key), `acknowledged message ${key} is stored`);
        const seqs = [...stored].map((k) => Number(k.split('_')[0])).sort((a, b) => a - b);
        assert.deepEqual(
          seqs,
          Array.from({ length: seqs.length }, (_, i) => i + 1),
          'no gaps in the Seqs',
        );
      } finally {
        await second.stop();
      }
    });
  });
}

describe('closing with connections that never carried a request', () => {
  // The request timeout is long, so a close() that waited for the server to time them out would
  // not end within the test's guard.
  it('close() ends them instead of waiting for their clients (HTTP clients open connections ahead of need)', {
    timeout: 15_000,
  }, async () => {
    const herald = await startTestHerald({ requestTimeoutMs: 600_000 });
    const { port } = new URL(herald.url);
    // A connection that sends nothing, and one that carried a call and stays open (keep-alive).
    const silent = connect(Number(port), '127.0.0.1');
    await once(silent, 'connect');
    const used = connect(Number(port), '127.0.0.1');
    await once(used, 'connect');
    used.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
    await once(used, 'data');
    let silentClosed = false;
    let usedClosed = false;
    silent.on('close', () => (silentClosed = true)).on('error', () => {});
    used.on('close', () => (usedClosed = true)).on('error', () => {});
    await herald.close();
    await until('both connections to be closed by the server', () => silentClosed && usedClosed);
  });
});

describe('SIGTERM at the edges of start-up', () => {
  it('a SIGTERM sent the moment the banner appears still drains and exits 0 (eight starts in a row)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-term-early-'));
    try {
      const codes: (number | null)[] = [];
      for (let i = 0; i < 8; i++) {
        const served = await spawnHerald({ HERALD_DATA: dir });
        codes.push(await served.stop());
      }
      assert.deepEqual(codes, [0, 0, 0, 0, 0, 0, 0, 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a SIGTERM while start-up waits on a database that does not answer exits 0 at once, without a banner', async () => {
    // A PostgreSQL address that accepts connections and never says a word: start-up waits on it
    // (for up to its 5 s connect timeout), and the signal lands while it waits.
    const sockets: Socket[] = [];
    const silentDatabase = createServer((socket) => sockets.push(socket));
    silentDatabase.listen(0, '127.0.0.1');
    await once(silentDatabase, 'listening');
    const { port } = silentDatabase.address() as AddressInfo;
    try {
      const { child, output, exited } = startHeraldProcess({
        HERALD_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/test`,
      });
      await until('Herald to connect to the silent database', () => sockets.length > 0);
      const sent = Date.now();
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      assert.equal(signal, null, `exited by its own hand, not by the signal's default action: ${output()}`);
      assert.equal(code, 0, output());
      assert.equal(output(), '', 'no banner and no start-up error');
      assert.ok(Date.now() - sent < 4000, 'did not wait for the connect timeout');
    } finally {
      for (const socket of sockets) socket.destroy();
      silentDatabase.close();
    }
  });
});
