/**
 * Another process writing to Herald's SQLite file while Herald serves (the CLI's `app set`, a
 * backup tool, an operator's sqlite3 shell): Herald's writes wait for that process's lock and
 * succeed, never answering 10004 because a transaction that had read could not become a writer.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { currentStore, importAccounts, startTestHerald, type TestHerald } from './helpers/harness.ts';
import { ROOT } from './helpers/cli.ts';

/** Commits a row every millisecond or so to a table of its own in `file`, until stdin closes. */
const WRITER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 5000');
db.exec('create table if not exists outside_writer (n integer)');
const insert = db.prepare('insert into outside_writer (n) values (?)');
const pause = new Int32Array(new SharedArrayBuffer(4));
let n = 0;
let open = true;
process.stdin.on('end', () => (open = false)).resume();
const step = () => {
  for (let i = 0; i < 20 && open; i++) {
    db.transaction(() => insert.run(n++)).immediate();
    Atomics.wait(pause, 0, 0, 1);
  }
  if (open) setImmediate(step);
  else { db.close(); process.stdout.write(String(n)); }
};
process.stdout.write('ready\\n');
step();
`;

// The file is SQLite's alone; on PostgreSQL concurrent writers are the database's own business.
describe('another process writing to the SQLite file [sqlite]', { skip: currentStore() !== 'sqlite' }, () => {
  let herald: TestHerald | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-writers-'));
  after(async () => {
    await herald?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('subscribes and sends all succeed while it commits every millisecond', { timeout: 120_000 }, async () => {
    herald = await startTestHerald({ dataDir });
    const client = herald.admin;
    const created = await client.official('create_official_account', { Owner_Account: 'administrator', Name: 'w' });
    const account = created.OfficialAccountUserID as string;
    const users = Array.from({ length: 4000 }, (_, i) => `writer_user_${i}`);
    await importAccounts(client, users);

    const writer = spawn(process.execPath, ['-e', WRITER, join(dataDir, 'herald.sqlite')], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let written = '';
    writer.stdout.on('data', (d: Buffer) => (written += d.toString()));
    await new Promise<void>((resolve) => writer.stdout.once('data', () => resolve()));

    const codes = new Map<number, number>();
    const call = (command: string, body: unknown) => async () => {
      const { ErrorCode } = await client.official(command, body);
      codes.set(ErrorCode, (codes.get(ErrorCode) ?? 0) + 1);
    };
    // Forty batches of 100 subscribers and 200 sends, eight calls at a time.
    const calls: (() => Promise<void>)[] = [];
    for (let i = 0; i < users.length; i += 100) {
      const batch = users.slice(i, i + 100);
      calls.push(
        call('add_subscriber', {
          Official_Account: account,
          SubscriberList: batch.map((Subscriber_Account) => ({ Subscriber_Account })),
        }),
      );
    }
    for (let i = 0; i < 200; i++) {
      calls.push(
        call('send_official_account_msg', {
          Official_Account: account,
          Random: i,
          MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `m${i}` } }],
        }),
      );
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < calls.length) await (calls[next++] as () => Promise<void>)();
      }),
    );
    writer.stdin.end();
    await once(writer, 'exit');
    const outsideCommits = Number(written.replace('ready\n', ''));

    assert.ok(outsideCommits > 100, `the other process committed while Herald wrote (${outsideCommits} commits)`);
    assert.deepEqual([...codes], [[0, calls.length]], 'every call answered ErrorCode 0');
    const info = await client.official('get_official_account_info', {
      OfficialAccountIdList: [{ Official_Account: account }],
    });
    assert.equal(info.ErrorCode, 0, info.ErrorInfo);
    const [item] = info.OfficialAccountInfoList as { SubscriberNum: number }[];
    assert.equal(item?.SubscriberNum, users.length);
  });
});
