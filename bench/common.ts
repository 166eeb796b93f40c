/**
 * What the benchmark's data generator and runner agree on: the app, the shape of the data set,
 * where it lives, and how to put its mutable parts back to the generated state between runs.
 * Benchmark code only: nothing here is imported by src/ or by the test suite.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The same app as the test harness (test/helpers/harness.ts). */
export const SDKAPPID = 1400000000;
export const SECRET_KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
export const ADMIN = 'administrator';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const DATA_ROOT = resolve(ROOT, '.bench-data');
export const SQLITE_DIR = resolve(DATA_ROOT, 'sqlite');
export const RESULTS_DIR = resolve(ROOT, 'bench', 'results');

/** The database the bench may use; its own schema keeps it apart from the tests' schemas. */
export const POSTGRES_BASE_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const POSTGRES_SCHEMA = process.env.BENCH_POSTGRES_SCHEMA ?? 'herald_bench';

export function postgresUrl(base = POSTGRES_BASE_URL, schema = POSTGRES_SCHEMA): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** The data set. Users are `bu0000000` … in one pool; every account below subscribes a prefix of it. */
export interface DataShape {
  /** Imported accounts in the pool (the big account's subscribers). */
  users: number;
  /** Subscribers of BIG (a prefix of the pool). */
  bigSubscribers: number;
  /** Subscribers of MID. */
  midSubscribers: number;
  /** Subscribers of SMALL. */
  smallSubscribers: number;
  /** History of BIG (what official_account_msg_get_simple reads). */
  messages: number;
}

export const FULL_SHAPE: DataShape = {
  users: 1_000_000,
  bigSubscribers: 1_000_000,
  midSubscribers: 100_000,
  smallSubscribers: 10,
  messages: 100_000,
};

export const BIG = '@TOA#_bench_big';
export const MID = '@TOA#_bench_100k';
export const SMALL = '@TOA#_bench_10';
/** Empty accounts that add_subscriber fills (see addSubscriberRequest). */
export const ADD_TARGETS = Array.from({ length: 20 }, (_, i) => `@TOA#_bench_add_${String(i).padStart(2, '0')}`);
export const ADD_BATCH = 100;
/** Further small accounts, so get_official_account_info can ask for 50 real IDs. */
export const INFO_EXTRA = Array.from({ length: 47 }, (_, i) => `@TOA#_bench_info_${String(i).padStart(2, '0')}`);
export const INFO_50 = [BIG, MID, SMALL, ...INFO_EXTRA];

/** Prefixes of what the write workloads create (removed again by resetMutable). */
export const CREATED_OA_PREFIX = '@TOA#_bc_';
export const IMPORTED_USER_PREFIX = 'imp_';

export function userId(i: number): string {
  return `bu${String(i).padStart(7, '0')}`;
}

/** How many add_subscriber requests one target account takes before its users run out. */
export function addBlocks(shape: DataShape): number {
  return Math.floor(shape.users / ADD_BATCH);
}

/**
 * Request n of add_subscriber: which account, and which 100 users. Consecutive requests go to
 * different accounts (round robin over ADD_TARGETS, so concurrent requests do not all queue on one
 * account's row lock), and no (account, user) pair repeats for ADD_TARGETS × addBlocks requests
 * (200,000 with the full data set).
 */
export function addSubscriberRequest(n: number, shape: DataShape): { account: string; users: string[] } {
  const account = ADD_TARGETS[n % ADD_TARGETS.length] as string;
  const first = (Math.floor(n / ADD_TARGETS.length) % addBlocks(shape)) * ADD_BATCH;
  return { account, users: Array.from({ length: ADD_BATCH }, (_, i) => userId(first + i)) };
}

/** The MsgBody of generated message `seq` (the same shape the send workloads use). */
export function textBody(text: string): unknown[] {
  return [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }];
}

/**
 * Statements that put the mutable part of a generated data set back as generated: accounts the
 * create workload made, users account_import made, subscriptions add_subscriber made, and
 * messages the send workloads stored (MID and SMALL start with no history). Plain SQL both
 * SQLite and PostgreSQL speak; `?` placeholders are rewritten for PostgreSQL by the caller.
 */
export function resetStatements(): { sql: string; params: unknown[] }[] {
  const addIn = ADD_TARGETS.map(() => '?').join(', ');
  return [
    {
      sql: `DELETE FROM official_accounts WHERE sdkappid = ? AND substr(id, 1, ${CREATED_OA_PREFIX.length}) = ?`,
      params: [SDKAPPID, CREATED_OA_PREFIX],
    },
    {
      sql: `DELETE FROM accounts WHERE sdkappid = ? AND substr(user_id, 1, ${IMPORTED_USER_PREFIX.length}) = ?`,
      params: [SDKAPPID, IMPORTED_USER_PREFIX],
    },
    { sql: `DELETE FROM subscriptions WHERE sdkappid = ? AND oa_id IN (${addIn})`, params: [SDKAPPID, ...ADD_TARGETS] },
    {
      sql: `UPDATE official_accounts SET subscriber_num = 0, next_sub_seq = 0 WHERE sdkappid = ? AND id IN (${addIn})`,
      params: [SDKAPPID, ...ADD_TARGETS],
    },
    { sql: 'DELETE FROM messages WHERE sdkappid = ? AND oa_id IN (?, ?)', params: [SDKAPPID, MID, SMALL] },
    {
      sql: 'UPDATE official_accounts SET next_seq = 0, last_msg_time = 0 WHERE sdkappid = ? AND id IN (?, ?)',
      params: [SDKAPPID, MID, SMALL],
    },
    { sql: 'DELETE FROM webhook_outbox', params: [] },
    {
      sql: 'UPDATE apps SET official_account_count = (SELECT count(*) FROM official_accounts o WHERE o.sdkappid = apps.sdkappid)',
      params: [],
    },
  ];
}

/** `?` → `$1, $2, …` for node-postgres. */
export function toPostgresPlaceholders(text: string): string {
  let i = 0;
  return text.replace(/\?/g, () => `$${++i}`);
}

export type StoreKind = 'sqlite' | 'postgres';

/** A bare connection to a bench store for what the Store interface does not offer (reset, checks, VACUUM). */
export interface RawDb {
  all<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  run(text: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

export async function openRawDb(kind: StoreKind, location: string): Promise<RawDb> {
  if (kind === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(location, 'herald.sqlite'));
    db.pragma('busy_timeout = 5000');
    return {
      async all<T>(text: string, params: unknown[] = []) {
        return db.prepare(text).all(...params) as T[];
      },
      async run(text: string, params: unknown[] = []) {
        const statement = db.prepare(text);
        if (statement.reader) statement.all(...params);
        else statement.run(...params);
      },
      async close() {
        db.close();
      },
    };
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  return {
    async all<T>(text: string, params: unknown[] = []) {
      return (await client.query(toPostgresPlaceholders(text), params)).rows as T[];
    },
    async run(text: string, params: unknown[] = []) {
      await client.query(toPostgresPlaceholders(text), params);
    },
    async close() {
      await client.end();
    },
  };
}

/** Puts the mutable part of the data set back as generated (see resetStatements). */
export async function resetMutable(kind: StoreKind, location: string): Promise<void> {
  const db = await openRawDb(kind, location);
  try {
    if (kind === 'sqlite') await db.run('BEGIN IMMEDIATE');
    else await db.run('BEGIN');
    for (const { sql, params } of resetStatements()) await db.run(sql, params);
    await db.run('COMMIT');
    if (kind === 'postgres') await db.run('VACUUM (ANALYZE) official_accounts, accounts, subscriptions, messages');
    else await db.run('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    await db.close();
  }
}

/**
 * Checks that a store holds the generated data set: every official account's SubscriberNum,
 * next_sub_seq and next_seq agree with its rows. Answers the problems found (none: []).
 */
export async function verifyDataSet(kind: StoreKind, location: string, shape: DataShape): Promise<string[]> {
  const db = await openRawDb(kind, location);
  const problems: string[] = [];
  try {
    const accounts = await db.all<{ id: string; subscriber_num: unknown; next_sub_seq: unknown; next_seq: unknown }>(
      'SELECT id, subscriber_num, next_sub_seq, next_seq FROM official_accounts WHERE sdkappid = ?',
      [SDKAPPID],
    );
    const subs = new Map(
      (
        await db.all<{ oa_id: string; n: unknown; top: unknown }>(
          'SELECT oa_id, count(*) AS n, max(sub_seq) AS top FROM subscriptions WHERE sdkappid = ? GROUP BY oa_id',
          [SDKAPPID],
        )
      ).map((r) => [r.oa_id, { n: Number(r.n), top: Number(r.top) }]),
    );
    const msgs = new Map(
      (
        await db.all<{ oa_id: string; n: unknown; top: unknown }>(
          'SELECT oa_id, count(*) AS n, max(seq) AS top FROM messages WHERE sdkappid = ? GROUP BY oa_id',
          [SDKAPPID],
        )
      ).map((r) => [r.oa_id, { n: Number(r.n), top: Number(r.top) }]),
    );
    const byId = new Map(accounts.map((a) => [a.id, a]));
    const expected: [string, number, number][] = [
      [BIG, shape.bigSubscribers, shape.messages],
      [MID, shape.midSubscribers, 0],
      [SMALL, shape.smallSubscribers, 0],
      ...ADD_TARGETS.map((id): [string, number, number] => [id, 0, 0]),
      ...INFO_EXTRA.map((id): [string, number, number] => [id, 0, 0]),
    ];
    for (const [id, subscribers, messages] of expected) {
      const row = byId.get(id);
      if (!row) {
        problems.push(`${id} is missing`);
        continue;
      }
      const s = subs.get(id) ?? { n: 0, top: 0 };
      const m = msgs.get(id) ?? { n: 0, top: 0 };
      if (Number(row.subscriber_num) !== subscribers || s.n !== subscribers)
        problems.push(`${id}: subscriber_num ${String(row.subscriber_num)}, rows ${s.n}, expected ${subscribers}`);
      if (Number(row.next_sub_seq) !== s.top)
        problems.push(`${id}: next_sub_seq ${String(row.next_sub_seq)} but max(sub_seq) ${s.top}`);
      if (Number(row.next_seq) !== messages || m.n !== messages || m.top !== messages)
        problems.push(
          `${id}: next_seq ${String(row.next_seq)}, ${m.n} messages (max seq ${m.top}), expected ${messages}`,
        );
    }
    const [users] = await db.all<{ n: unknown }>('SELECT count(*) AS n FROM accounts WHERE sdkappid = ?', [SDKAPPID]);
    // The pool plus the admin.
    if (Number(users?.n) !== shape.users + 1)
      problems.push(`accounts: ${String(users?.n)} rows, expected ${shape.users + 1}`);
  } finally {
    await db.close();
  }
  return problems;
}

/**
 * `herald serve` from the bundle (dist/herald.mjs) in a child process on `dataDir`, the bench's app,
 * rate and send limits off, logging at warn, plus `env`; resolves with its URL once it prints the
 * banner. BENCH_HERALD_NODE_ARGS: extra node flags for it (e.g. --cpu-prof), as for npm run bench.
 */
export async function spawnHerald(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const nodeArgs = (process.env.BENCH_HERALD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist', 'herald.mjs'), 'serve'], {
    env: {
      ...process.env,
      HERALD_DATA: dataDir,
      HERALD_PORT: '0',
      HERALD_SDKAPPID: String(SDKAPPID),
      HERALD_SECRET_KEY: SECRET_KEY,
      HERALD_RATE_LIMIT: '0',
      HERALD_SEND_PER_SECOND: '0',
      HERALD_SEND_PER_HOUR: '0',
      HERALD_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /Herald is serving on (\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`herald exited with ${code}: ${output}`)));
  });
  return { child, url };
}

/** A port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** The status of GET /readyz on 127.0.0.1:`port`, or 0 when nothing answers within a second. */
export function readyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/readyz', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
  });
}
