/**
 * What Herald's store layer adds to a statement: one read in autocommit (`store.reads`) and one
 * statement in a transaction (`store.transaction`), each against the bare driver doing the same
 * (better-sqlite3's prepared statement; node-postgres's named query, and begin/commit on one
 * pooled connection). CPU time of this process per call (Node's side only: the database's own
 * work is not in it on PostgreSQL) and wall time, on a fresh store of each kind.
 *
 *   node --import tsx bench/statement-overhead.ts [--loops n]
 *
 * SQLite in a temporary directory; PostgreSQL too when HERALD_TEST_POSTGRES_URL is set (in a
 * schema of its own, dropped afterwards).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStore } from '../src/store/postgres.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import type { Store } from '../src/store/store.ts';
import { postgresUrl } from './common.ts';

const { values: flags } = parseArgs({ options: { loops: { type: 'string', default: '5000' } } });
const LOOPS = Number(flags.loops);
if (!Number.isInteger(LOOPS) || LOOPS < 1) throw new Error(`--loops must be a positive integer, got "${flags.loops}"`);

const SDKAPPID = 1400000000;
// The statement accounts.existing (src/store/tables/accounts.ts) for one user.
const SELECT = 'select user_id from accounts where sdkappid = ? and user_id in (?)';

/** Mean µs of this process's CPU and of wall time per call, after a tenth as many to warm up. */
async function perCall(f: () => unknown): Promise<{ cpu: number; wall: number }> {
  for (let i = 0; i < Math.ceil(LOOPS / 10); i++) await f();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < LOOPS; i++) await f();
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / LOOPS, wall: ((performance.now() - started) * 1000) / LOOPS };
}

const lines: string[] = [];
function report(
  store: string,
  what: string,
  herald: { cpu: number; wall: number },
  bare: { cpu: number; wall: number },
) {
  const f = (x: number) => x.toFixed(0).padStart(5);
  lines.push(
    `${store.padEnd(10)} ${what.padEnd(30)} Herald ${f(herald.cpu)} µs CPU ${f(herald.wall)} µs wall   ` +
      `driver ${f(bare.cpu)} µs CPU ${f(bare.wall)} µs wall   Herald adds ${f(herald.cpu - bare.cpu)} µs CPU`,
  );
}

async function measure(name: string, store: Store, bare: { read(): unknown; transaction(): unknown }) {
  report(
    name,
    'one read in autocommit',
    await perCall(() => store.reads.existingAccounts(SDKAPPID, ['u1'])),
    await perCall(bare.read),
  );
  report(
    name,
    'one read in a transaction',
    await perCall(() => store.transaction((tx) => tx.existingAccounts(SDKAPPID, ['u1']))),
    await perCall(bare.transaction),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'herald-statement-overhead-'));
try {
  const store = await openSqliteStore(dir);
  const db = new Database(join(dir, 'herald.sqlite'));
  const select = db.prepare(SELECT);
  const [begin, commit] = [db.prepare('begin'), db.prepare('commit')];
  await measure('sqlite', store, {
    read: async () => select.all(SDKAPPID, 'u1'),
    transaction: async () => {
      begin.run();
      select.all(SDKAPPID, 'u1');
      commit.run();
    },
  });
  db.close();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const base = process.env.HERALD_TEST_POSTGRES_URL;
if (base) {
  const schema = `herald_statement_overhead_${process.pid}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  try {
    const url = postgresUrl(base, schema);
    const store = await openPostgresStore({ url });
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    let n = 0;
    const text = SELECT.replace(/\?/g, () => `$${++n}`);
    const query = (db: pg.Pool | pg.PoolClient) => db.query({ name: 'overhead', text, values: [SDKAPPID, 'u1'] });
    await measure('postgres', store, {
      read: () => query(pool),
      transaction: async () => {
        const client = await pool.connect();
        await client.query('begin');
        await query(client);
        await client.query('commit');
        client.release();
      },
    });
    await pool.end();
    await store.close();
  } finally {
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}
console.log(lines.join('\n'));
