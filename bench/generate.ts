/**
 * Fills a fresh Herald store with the benchmark data set, through the store's bulk path
 * (`importRows`, the one `herald import` uses), never the HTTP API:
 *
 * - the bench app (SDKAppID 1400000000, the harness key, admin `administrator`);
 * - 1,000,000 imported users `bu0000000`…;
 * - `@TOA#_bench_big` with all 1,000,000 of them as subscribers and 100,000 messages of history,
 *   `@TOA#_bench_100k` (100,000 subscribers), `@TOA#_bench_10` (10), 20 empty `@TOA#_bench_add_NN`
 *   for add_subscriber and 47 empty `@TOA#_bench_info_NN` (so 50 IDs can be asked for at once);
 * - every counter (subscriber_num, next_sub_seq, next_seq, last_msg_time) exactly as the rows.
 *
 * Usage:
 *   node --import tsx bench/generate.ts --store sqlite   [--dir .bench-data/sqlite]
 *   node --import tsx bench/generate.ts --store postgres [--url postgres://…] [--schema herald_bench]
 *   --scale 0.01 shrinks every count (quick trials)
 *
 * The target is emptied first (SQLite: the directory is removed; PostgreSQL: the schema is dropped).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { newApp, saveApp } from '../src/auth/apps.ts';
import { contentHash } from '../src/services/send.ts';
import { openStore } from '../src/store/open.ts';
import type { Store, TableName } from '../src/store/store.ts';
import {
  ADD_TARGETS,
  ADMIN,
  BIG,
  DATA_ROOT,
  FULL_SHAPE,
  INFO_EXTRA,
  MID,
  POSTGRES_BASE_URL,
  POSTGRES_SCHEMA,
  SDKAPPID,
  SECRET_KEY,
  SMALL,
  SQLITE_DIR,
  openRawDb,
  postgresUrl,
  textBody,
  userId,
  verifyDataSet,
  type DataShape,
  type StoreKind,
} from './common.ts';

export interface GenerateOptions {
  kind: StoreKind;
  /** SQLite: the data directory. */
  dir?: string;
  /** PostgreSQL: the server URL (without search_path) and the schema to (re)create. */
  baseUrl?: string;
  schema?: string;
  shape?: DataShape;
  batch?: number;
  log?: (line: string) => void;
}

export interface GenerateResult {
  kind: StoreKind;
  location: string;
  shape: DataShape;
  rows: Record<string, number>;
  totalRows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Time spent after the inserts (PostgreSQL: VACUUM ANALYZE; both: the consistency check). */
  finishSeconds: number;
}

/** Where a kind's data set lives (the marker file records what was generated there). */
export function markerFile(kind: StoreKind): string {
  return join(DATA_ROOT, `generated-${kind}.json`);
}

/**
 * An official_accounts row of the data set: owned by the admin, created at `t0`, with `messages`
 * messages sent 10 s apart after it (the last one's time is its LastMsgTime).
 */
export function benchOfficialAccount(t0: number, id: string, name: string, subscribers: number, messages: number) {
  return {
    sdkappid: SDKAPPID,
    id,
    owner: ADMIN,
    name,
    introduction: '',
    face_url: '',
    organization: '',
    custom_string: '',
    max_subscriber_num: 2_147_483_647,
    subscriber_num: subscribers,
    last_msg_time: messages > 0 ? t0 + messages * 10 : 0,
    create_time: t0,
    next_seq: messages,
    next_sub_seq: subscribers,
  };
}

async function adminQuery(baseUrl: string, text: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const shape = options.shape ?? FULL_SHAPE;
  const batch = options.batch ?? 20_000;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (
    shape.bigSubscribers > shape.users ||
    shape.midSubscribers > shape.users ||
    shape.smallSubscribers > shape.users
  ) {
    throw new Error('every account subscribes a prefix of the user pool: subscriber counts must not exceed users');
  }
  mkdirSync(DATA_ROOT, { recursive: true });
  rmSync(markerFile(options.kind), { force: true });

  let location: string;
  let store: Store;
  if (options.kind === 'sqlite') {
    location = options.dir ?? SQLITE_DIR;
    rmSync(location, { recursive: true, force: true });
    store = await openStore({ dataDir: location });
  } else {
    const baseUrl = options.baseUrl ?? POSTGRES_BASE_URL;
    const schema = options.schema ?? POSTGRES_SCHEMA;
    if (!/^[a-z_][a-z0-9_]*$/.test(schema))
      throw new Error(`schema name "${schema}" must be a plain lower-case identifier`);
    await adminQuery(baseUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    location = postgresUrl(baseUrl, schema);
    store = await openStore({ dataDir: null, databaseUrl: location, poolSize: 2, statementTimeoutMs: 600_000 });
  }

  const now = Math.floor(Date.now() / 1000);
  const t0 = now - 30 * 24 * 3600;
  const rows: Record<string, number> = {};
  const started = performance.now();
  let total = 0;
  let lastReport = started;

  const insert = async (table: TableName, make: (i: number) => Record<string, unknown>, count: number) => {
    const tableStarted = performance.now();
    for (let from = 0; from < count; from += batch) {
      const n = Math.min(batch, count - from);
      const chunk = new Array<Record<string, unknown>>(n);
      for (let j = 0; j < n; j++) chunk[j] = make(from + j);
      await store.transfer.importRows(table, chunk);
      total += n;
      rows[table] = (rows[table] ?? 0) + n;
      const at = performance.now();
      if (at - lastReport > 5000) {
        lastReport = at;
        log(
          `  ${options.kind}: ${table} ${from + n}/${count}, ${Math.round(total / ((at - started) / 1000))} rows/s overall`,
        );
      }
    }
    const secs = (performance.now() - tableStarted) / 1000;
    if (count > 0)
      log(`  ${options.kind}: ${table} ${count} rows in ${secs.toFixed(1)} s (${Math.round(count / secs)} rows/s)`);
  };

  try {
    const app = newApp(
      { sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN], maxOfficialAccounts: 10_000_000 },
      t0,
    );
    await saveApp(store, app, t0);

    await insert(
      'accounts',
      (i) => ({ sdkappid: SDKAPPID, user_id: userId(i), nick: '', face_url: '', created_at: t0 }),
      shape.users,
    );

    const account = (id: string, name: string, subscribers: number, messages: number) =>
      benchOfficialAccount(t0, id, name, subscribers, messages);
    const accounts = [
      account(BIG, 'Bench big', shape.bigSubscribers, shape.messages),
      account(MID, 'Bench 100k', shape.midSubscribers, 0),
      account(SMALL, 'Bench 10', shape.smallSubscribers, 0),
      ...ADD_TARGETS.map((id) => account(id, 'Bench add target', 0, 0)),
      ...INFO_EXTRA.map((id) => account(id, 'Bench info', 0, 0)),
    ];
    await insert('official_accounts', (i) => accounts[i] as Record<string, unknown>, accounts.length);

    const subscription = (oaId: string) => (i: number) => ({
      sdkappid: SDKAPPID,
      oa_id: oaId,
      user_id: userId(i),
      sub_seq: i + 1,
      subscribe_time: t0 + Math.floor(i / 1000),
      custom_string: '',
      msg_flag: 'AcceptAndNotify',
      last_send_msg_time: 0,
    });
    await insert('subscriptions', subscription(BIG), shape.bigSubscribers);
    await insert('subscriptions', subscription(MID), shape.midSubscribers);
    await insert('subscriptions', subscription(SMALL), shape.smallSubscribers);

    await insert(
      'messages',
      (i) => {
        const seq = i + 1;
        const time = t0 + seq * 10;
        const body = textBody(`bench message ${seq}`);
        return {
          sdkappid: SDKAPPID,
          oa_id: BIG,
          seq,
          msg_key: `${seq}_1_${time}`,
          random: seq,
          time,
          from_account: BIG,
          body: JSON.stringify(body),
          cloud_custom_data: null,
          offline_push_info: null,
          options: '{}',
          online_only: 0,
          content_hash: contentHash(JSON.stringify(body), undefined, false),
          recalled: 0,
          recall_reason: null,
          recall_time: null,
          state: 0,
        };
      },
      shape.messages,
    );
    await store.transfer.finishImport();
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  log(
    `${options.kind}: ${total} rows in ${seconds.toFixed(1)} s = ${Math.round(total / seconds)} rows/s (importRows, batches of ${batch})`,
  );

  const finishStarted = performance.now();
  if (options.kind === 'postgres') {
    // What autovacuum would do soon after a bulk load: planner statistics and the visibility map.
    const db = await openRawDb('postgres', location);
    try {
      await db.run('VACUUM (ANALYZE)');
    } finally {
      await db.close();
    }
  }
  const problems = await verifyDataSet(options.kind, location, shape);
  if (problems.length > 0) throw new Error(`generated data set is inconsistent:\n  ${problems.join('\n  ')}`);
  const finishSeconds = (performance.now() - finishStarted) / 1000;
  log(
    `${options.kind}: ${options.kind === 'postgres' ? 'VACUUM ANALYZE and ' : ''}consistency check in ${finishSeconds.toFixed(1)} s`,
  );

  const result: GenerateResult = {
    kind: options.kind,
    location,
    shape,
    rows,
    totalRows: total,
    seconds,
    rowsPerSecond: Math.round(total / seconds),
    finishSeconds,
  };
  writeFileSync(
    markerFile(options.kind),
    `${JSON.stringify({ ...result, generatedAt: new Date().toISOString() }, null, 2)}\n`,
  );
  return result;
}

export function scaledShape(scale: number): DataShape {
  const s = (n: number) => Math.max(1, Math.round(n * scale));
  return {
    users: s(FULL_SHAPE.users),
    bigSubscribers: s(FULL_SHAPE.bigSubscribers),
    midSubscribers: s(FULL_SHAPE.midSubscribers),
    smallSubscribers: Math.min(FULL_SHAPE.smallSubscribers, s(FULL_SHAPE.users)),
    messages: s(FULL_SHAPE.messages),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'sqlite' },
      dir: { type: 'string' },
      url: { type: 'string' },
      schema: { type: 'string' },
      scale: { type: 'string', default: '1' },
      batch: { type: 'string' },
    },
  });
  const kinds: StoreKind[] = values.store === 'both' ? ['sqlite', 'postgres'] : [values.store as StoreKind];
  for (const kind of kinds) {
    if (kind !== 'sqlite' && kind !== 'postgres')
      throw new Error(`--store must be sqlite, postgres or both, got ${String(kind)}`);
    await generate({
      kind,
      ...(values.dir !== undefined && { dir: values.dir }),
      ...(values.url !== undefined && { baseUrl: values.url }),
      ...(values.schema !== undefined && { schema: values.schema }),
      ...(values.batch !== undefined && { batch: Number(values.batch) }),
      shape: scaledShape(Number(values.scale)),
    });
  }
}

if (
  process.argv[1] !== undefined &&
  existsSync(process.argv[1]) &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
