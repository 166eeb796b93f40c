/**
 * Proves that bench/floor-server.mjs does Herald's work for the benchmark's commands, and only
 * that: on a small copy of the bench data set (same accounts, shape scaled down), Herald in this
 * process and the floor in a child process get the same requests, and for each
 *
 * - the answers must be byte-identical (writes go to equivalent targets, e.g. two empty
 *   add_subscriber accounts, and their answers are compared with the IDs and times of this
 *   minute normalised);
 * - the SQL statements run must be the same texts in the same order, transaction statements
 *   included (each process's better-sqlite3 statements and node-postgres queries are traced);
 * - for writes, the rows written must be the same (normalised the same way).
 *
 *   node --import tsx bench/floor-check.ts
 *
 * SQLite always; PostgreSQL too when HERALD_TEST_POSTGRES_URL is set (in a schema of its own,
 * dropped afterwards). Exits 1 on any difference.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Api } from 'tls-sig-api-v2';
import { newApp, saveApp } from '../src/auth/apps.ts';
import { startHerald } from '../src/server.ts';
import { contentHash } from '../src/services/send.ts';
import { openStore } from '../src/store/open.ts';
import type { Store } from '../src/store/store.ts';
import {
  ADD_TARGETS,
  ADMIN,
  BIG,
  INFO_50,
  INFO_EXTRA,
  MID,
  ROOT,
  SDKAPPID,
  SECRET_KEY,
  SMALL,
  freePort,
  openRawDb,
  postgresUrl,
  readyz,
  textBody,
  userId,
  type StoreKind,
} from './common.ts';
import { benchOfficialAccount } from './generate.ts';

// ---------------------------------------------------------------------------------------------
// The data: the bench data set's accounts at a small scale, imported the way bench/generate.ts
// does (generate() itself would replace the bench's marker file in .bench-data).

const USERS = 300;
const BIG_SUBSCRIBERS = 250;
const MID_SUBSCRIBERS = 150;
const SMALL_SUBSCRIBERS = 10;
const MESSAGES = 30;
/** One message with CloudCustomData and one recalled, so both shapes of a history item are compared. */
const WITH_DATA_SEQ = 25;
const RECALLED_SEQ = 28;

async function seed(store: Store): Promise<void> {
  const t0 = Math.floor(Date.now() / 1000) - 30 * 24 * 3600;
  await saveApp(
    store,
    newApp({ sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN], maxOfficialAccounts: 1000 }, t0),
    t0,
  );
  const range = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));
  await store.transfer.importRows(
    'accounts',
    range(USERS, (i) => ({ sdkappid: SDKAPPID, user_id: userId(i), nick: '', face_url: '', created_at: t0 })),
  );
  const account = (id: string, name: string, subscribers: number, messages: number) =>
    benchOfficialAccount(t0, id, name, subscribers, messages);
  await store.transfer.importRows('official_accounts', [
    account(BIG, 'Bench big', BIG_SUBSCRIBERS, MESSAGES),
    account(MID, 'Bench 100k', MID_SUBSCRIBERS, 0),
    account(SMALL, 'Bench 10', SMALL_SUBSCRIBERS, 0),
    ...ADD_TARGETS.map((id) => account(id, 'Bench add target', 0, 0)),
    ...INFO_EXTRA.map((id) => account(id, 'Bench info', 0, 0)),
  ]);
  for (const [oaId, n] of [
    [BIG, BIG_SUBSCRIBERS],
    [MID, MID_SUBSCRIBERS],
    [SMALL, SMALL_SUBSCRIBERS],
  ] as const) {
    await store.transfer.importRows(
      'subscriptions',
      range(n, (i) => ({
        sdkappid: SDKAPPID,
        oa_id: oaId,
        user_id: userId(i),
        sub_seq: i + 1,
        subscribe_time: t0 + Math.floor(i / 100),
        custom_string: i === 3 ? '{"note":"a \\"quoted\\" ü"}' : '',
        msg_flag: 'AcceptAndNotify',
        last_send_msg_time: 0,
      })),
    );
  }
  await store.transfer.importRows(
    'messages',
    range(MESSAGES, (i) => {
      const seq = i + 1;
      const time = t0 + seq * 10;
      const body = textBody(`bench message ${seq} «ü»`);
      return {
        sdkappid: SDKAPPID,
        oa_id: BIG,
        seq,
        msg_key: `${seq}_1_${time}`,
        random: seq,
        time,
        from_account: BIG,
        body: JSON.stringify(body),
        cloud_custom_data: seq === WITH_DATA_SEQ ? '{"edition":"morning"}' : null,
        offline_push_info: null,
        options: '{}',
        online_only: 0,
        content_hash: contentHash(JSON.stringify(body), undefined, false),
        recalled: seq === RECALLED_SEQ ? 1 : 0,
        recall_reason: seq === RECALLED_SEQ ? 'oops' : null,
        recall_time: seq === RECALLED_SEQ ? time + 5 : null,
        state: 0,
      };
    }),
  );
  await store.transfer.finishImport();
}

// ---------------------------------------------------------------------------------------------
// Statement traces. In this process (Herald) the driver prototypes are wrapped directly; the
// floor child gets the same wrapping from a preload that appends each statement to a file.

const TRACE_PRELOAD = `
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(process.env.FLOOR_TRACE_FROM);
const ids = new WeakMap();
let next = 0;
const connection = (owner) => {
  if (!ids.has(owner)) ids.set(owner, next++);
  return ids.get(owner);
};
const note = (owner, text) =>
  appendFileSync(process.env.FLOOR_TRACE_FILE, connection(owner) + '\\t' + text.replace(/\\s+/g, ' ') + '\\n');
const Database = require('better-sqlite3');
const probe = new Database(':memory:');
const proto = Object.getPrototypeOf(probe.prepare('select 1'));
probe.close();
for (const method of ['get', 'all', 'run', 'iterate']) {
  const original = proto[method];
  proto[method] = function (...args) { note(this.database, this.source); return original.apply(this, args); };
}
const pg = require('pg');
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  note(this, typeof config === 'string' ? config : config.text);
  return query.call(this, config, ...rest);
};
`;

let tracing = false;
let heraldTrace: string[] = [];
const connectionIds = new WeakMap<object, number>();
let connections = 0;
/** A trace line: the connection's number (a better-sqlite3 database, a node-postgres client), a tab, the text. */
const note = (owner: object, text: string) => {
  if (!tracing) return;
  if (!connectionIds.has(owner)) connectionIds.set(owner, connections++);
  heraldTrace.push(`${connectionIds.get(owner)}\t${text.replace(/\s+/g, ' ')}`);
};
{
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  for (const method of ['get', 'all', 'run', 'iterate']) {
    const original = proto[method] as (...a: unknown[]) => unknown;
    proto[method] = function (this: { source: string; database: object }, ...args: unknown[]) {
      note(this.database, this.source);
      return original.apply(this, args);
    };
  }
  const client = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const query = client.query;
  client.query = function (this: object, config: unknown, ...rest: unknown[]) {
    note(this, typeof config === 'string' ? config : String((config as { text?: unknown }).text));
    return query.call(this, config, ...rest);
  };
}

/** What runs beside the requests in Herald (app registry refresh, settler, dispatcher, presence) or in a checkpointer. */
const BACKGROUND = /^pragma|"apps"|webhook_outbox|presence|from messages where state = 1/i;
/** Herald's realtime doorbell: work the floor leaves out, reported apart. */
const DOORBELL = /pg_notify/;

/**
 * The statements of the request, in order: background statements dropped, and with them a
 * transaction that held nothing else on its connection (the dispatcher's claim, whose begin and
 * commit would otherwise land between a request's statements now and then).
 */
function split(trace: string[]): { statements: string[]; doorbells: number } {
  const lines = trace.map((line) => {
    const tab = line.indexOf('\t');
    return { connection: line.slice(0, tab), text: line.slice(tab + 1) };
  });
  const dropped = new Set<number>();
  lines.forEach(({ connection, text }, i) => {
    if (!/^begin/i.test(text)) return;
    const mine: number[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j] as { connection: string; text: string };
      if (line.connection !== connection) continue;
      if (/^(commit|rollback)/i.test(line.text)) {
        if (mine.length > 0 && mine.every((k) => BACKGROUND.test(lines[k]?.text ?? ''))) {
          for (const k of [i, ...mine, j]) dropped.add(k);
        }
        return;
      }
      mine.push(j);
    }
  });
  const kept = lines.flatMap((line, i) => (dropped.has(i) ? [] : [line.text]));
  return {
    statements: kept.filter((t) => !BACKGROUND.test(t) && !DOORBELL.test(t)),
    doorbells: kept.filter((t) => DOORBELL.test(t)).length,
  };
}

// ---------------------------------------------------------------------------------------------
// The two servers

interface Answer {
  status: number;
  type: string | null;
  text: string;
  statements: string[];
  doorbells: number;
}

interface Servers {
  call(server: 'herald' | 'floor', command: string, body: unknown): Promise<Answer>;
  /** Stops both; answers the floor's exit code. */
  close(): Promise<number | null>;
}

async function startServers(kind: StoreKind, location: string, work: string): Promise<Servers> {
  const herald = await startHerald({
    ...(kind === 'sqlite' ? { dataDir: location } : { databaseUrl: location }),
    port: 0,
    logLevel: 'silent',
    rateLimit: 0,
    sendPerSecond: 0,
    sendPerHour: 0,
    apps: [{ sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN] }],
  });

  const port = await freePort();
  const traceFile = join(work, `floor-trace-${kind}.log`);
  writeFileSync(traceFile, '');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_')));
  const child = spawn(
    process.execPath,
    [`--import=data:text/javascript,${encodeURIComponent(TRACE_PRELOAD)}`, join(ROOT, 'bench', 'floor-server.mjs')],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...env,
        BENCH_PORT: String(port),
        BENCH_FLOOR_STORE: kind,
        ...(kind === 'sqlite' ? { HERALD_DATA: location } : { HERALD_DATABASE_URL: location }),
        FLOOR_TRACE_FILE: traceFile,
        FLOOR_TRACE_FROM: join(ROOT, 'bench', 'floor-server.mjs'),
      },
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while ((await readyz(port)) !== 200) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await herald.close();
      throw new Error('the floor server did not become ready');
    }
    await new Promise((r) => setTimeout(r, 20));
  }

  const usersig = new Api(SDKAPPID, SECRET_KEY).genUserSig(ADMIN, 3600);
  const query = `?sdkappid=${SDKAPPID}&identifier=${ADMIN}&usersig=${usersig}&random=1&contenttype=json`;
  let traced = statSync(traceFile).size;
  const floorTrace = (): string[] => {
    const text = readFileSync(traceFile);
    const fresh = text.subarray(traced).toString('utf8');
    traced = text.length;
    return fresh.split('\n').filter(Boolean);
  };

  return {
    async call(server, command, body) {
      const base = server === 'herald' ? herald.url : `http://127.0.0.1:${port}`;
      floorTrace();
      heraldTrace = [];
      tracing = server === 'herald';
      try {
        const res = await fetch(`${base}/v4/${command}${query}`, { method: 'POST', body: JSON.stringify(body) });
        const text = await res.text();
        const trace = server === 'herald' ? heraldTrace : floorTrace();
        return { status: res.status, type: res.headers.get('content-type'), text, ...split(trace) };
      } finally {
        tracing = false;
      }
    },
    async close() {
      child.kill('SIGTERM');
      const code = await exited;
      await herald.close();
      return code;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The cases

const OA = 'official_account_open_http_svc';
const INFO = `${OA}/get_official_account_info`;
const SUBS = `${OA}/get_subscriber_info`;
const HISTORY = `${OA}/official_account_msg_get_simple`;
const CREATE = `${OA}/create_official_account`;
const ADD = `${OA}/add_subscriber`;
const SEND = `${OA}/send_official_account_msg`;
const IMPORT = 'im_open_login_svc/account_import';

const infoOf = (ids: readonly string[]) => ({
  OfficialAccountIdList: ids.map((Official_Account) => ({ Official_Account })),
});
const cursor = (subSeq: number) => Buffer.from(`s${subSeq}`).toString('base64url');
const usersFrom = (first: number, n: number) => Array.from({ length: n }, (_, i) => userId(first + i));
const addBody = (account: string, users: readonly string[]) => ({
  Official_Account: account,
  SubscriberList: users.map((Subscriber_Account) => ({ Subscriber_Account })),
});

/** The same request to both: the answers must be the same bytes. */
interface SameCase {
  name: string;
  command: string;
  body: unknown;
}

/**
 * Equivalent writes: Herald gets `herald`, the floor `floor` (other IDs, so both succeed); `pairs`
 * are the IDs that stand for each other, and `tables` the rows to compare afterwards.
 */
interface PairCase {
  name: string;
  command: string;
  herald: unknown;
  floor: unknown;
  pairs: [string, string][];
  tables: Table[];
}

type Table = 'official_accounts' | 'subscriptions' | 'messages' | 'accounts';
const KEY_OF: Record<Table, [string, string]> = {
  official_accounts: ['id', 'id'],
  subscriptions: ['oa_id', 'sub_seq'],
  messages: ['oa_id', 'seq'],
  accounts: ['user_id', 'user_id'],
};

const [H_ADD, F_ADD, H_SEND, F_SEND] = ADD_TARGETS as [string, string, string, string];

function cases(): (SameCase | PairCase)[] {
  const text = (t: string) => ({ MsgBody: textBody(t) });
  /** Sent to each server with its own target (`to`), the answers compared with the targets named alike. */
  const paired = (
    name: string,
    command: string,
    [herald, floor]: [string, string],
    body: (to: string) => unknown,
    tables: Table[],
  ): PairCase => ({ name, command, herald: body(herald), floor: body(floor), pairs: [[herald, floor]], tables });
  return [
    // Reads: the bench's bodies, twice where SQLite's account cache makes the second call differ.
    { name: 'info_1', command: INFO, body: infoOf([BIG]) },
    { name: 'info_1 (cached)', command: INFO, body: infoOf([BIG]) },
    { name: 'info_50', command: INFO, body: infoOf(INFO_50) },
    { name: 'info_50 (cached)', command: INFO, body: infoOf(INFO_50) },
    {
      name: 'info, unknown ID, repeats, filter',
      command: INFO,
      body: {
        ...infoOf([BIG, '@TOA#_nope', SMALL, BIG, '@TOA#_nope']),
        ResponseFilter: { OfficialAccountBaseInfoFilter: ['SubscriberNum', 'Name', 'MaxSubscriberNum', 'Bogus'] },
      },
    },
    { name: 'info of the write targets', command: INFO, body: infoOf([H_ADD, F_ADD, H_SEND, F_SEND]) },
    { name: 'subs_first_page', command: SUBS, body: { Official_Account: BIG, Limit: 100 } },
    {
      name: 'subs_deep_page',
      command: SUBS,
      body: { Official_Account: BIG, Limit: 100, Next: cursor(Math.floor(BIG_SUBSCRIBERS * 0.9)) },
    },
    { name: 'subs, middle page', command: SUBS, body: { Official_Account: BIG, Limit: 100, Next: cursor(100) } },
    { name: 'subs, no Limit', command: SUBS, body: { Official_Account: MID } },
    { name: 'subs, unknown account', command: SUBS, body: { Official_Account: '@TOA#_nope', Limit: 100 } },
    { name: 'msg_get_simple', command: HISTORY, body: { Official_Account: BIG, ReqMsgNumber: 20 } },
    {
      name: 'msg_get_simple, LastMsgKey',
      command: HISTORY,
      body: { Official_Account: BIG, ReqMsgNumber: 20, LastMsgKey: '11_1_0' },
    },
    {
      name: 'msg_get_simple, 25 with recalled',
      command: HISTORY,
      body: { Official_Account: BIG, ReqMsgNumber: 25, WithRecalledMsg: 1 },
    },
    {
      name: 'msg_get_simple, unknown account',
      command: HISTORY,
      body: { Official_Account: '@TOA#_nope', ReqMsgNumber: 20 },
    },

    // Writes.
    paired('account_import', IMPORT, ['imp_h_1', 'imp_f_1'], (to) => ({ UserID: to, Nick: 'bench 1' }), ['accounts']),
    paired(
      'account_import, again with FaceUrl',
      IMPORT,
      ['imp_h_1', 'imp_f_1'],
      (to) => ({ UserID: to, Nick: 'bench 1b', FaceUrl: 'https://example.com/f.png' }),
      ['accounts'],
    ),
    paired(
      'create_oa',
      CREATE,
      ['@TOA#_bc_h_0', '@TOA#_bc_f_0'],
      (to) => ({ Owner_Account: ADMIN, Name: 'Bench 0', OfficialAccountUserID: to }),
      ['official_accounts'],
    ),
    {
      name: 'create_oa, ID taken',
      command: CREATE,
      body: { Owner_Account: ADMIN, Name: 'Bench', OfficialAccountUserID: BIG },
    },
    {
      name: 'create_oa, owner not imported',
      command: CREATE,
      body: { Owner_Account: 'nobody', Name: 'Bench', OfficialAccountUserID: '@TOA#_bc_none' },
    },
    paired('add_subscriber_100', ADD, [H_ADD, F_ADD], (to) => addBody(to, usersFrom(0, 100)), [
      'official_accounts',
      'subscriptions',
    ]),
    paired(
      'add_subscriber, some subscribed, one unknown, one twice',
      ADD,
      [H_ADD, F_ADD],
      // 100 entries: a longer list is refused before the command runs.
      (to) => addBody(to, [...usersFrom(50, 97), 'nobody', userId(150), userId(150)]),
      ['official_accounts', 'subscriptions'],
    ),
    { name: 'add_subscriber, unknown account', command: ADD, body: addBody('@TOA#_nope', usersFrom(0, 3)) },
    paired('send', SEND, [H_SEND, F_SEND], (to) => ({ Official_Account: to, Random: 1, ...text('bench broadcast') }), [
      'official_accounts',
      'messages',
    ]),
    paired(
      'send, repeated within 5 minutes',
      SEND,
      [H_SEND, F_SEND],
      (to) => ({ Official_Account: to, Random: 1, ...text('bench broadcast') }),
      ['official_accounts', 'messages'],
    ),
    paired(
      'send, every stored option',
      SEND,
      [H_SEND, F_SEND],
      (to) => ({
        Official_Account: to,
        Random: 4_294_967_295,
        MsgBody: [{ MsgType: 'TIMCustomElem', MsgContent: { Data: 'x\u0000y', Desc: 'ü "q"' } }],
        CloudCustomData: '{"edition":"evening"}',
        OfflinePushInfo: { PushFlag: 0, Title: 'T' },
        ForbidCallbackControl: ['ForbidAfterSendMsgCallback'],
        SendMsgControl: ['NoUnread'],
        OnlineOnlyFlag: 1,
      }),
      ['official_accounts', 'messages'],
    ),
    paired(
      'send, with CloudCustomData',
      SEND,
      [H_SEND, F_SEND],
      (to) => ({ Official_Account: to, Random: 7, CloudCustomData: 'cc', ...text('second') }),
      ['official_accounts', 'messages'],
    ),
    { name: 'send, unknown account', command: SEND, body: { Official_Account: '@TOA#_nope', Random: 1, ...text('x') } },

    // What the writes left, as each server reads its own target back.
    {
      name: 'info after the writes',
      command: INFO,
      herald: infoOf([H_ADD, H_SEND, '@TOA#_bc_h_0']),
      floor: infoOf([F_ADD, F_SEND, '@TOA#_bc_f_0']),
      pairs: [
        [H_ADD, F_ADD],
        [H_SEND, F_SEND],
        ['@TOA#_bc_h_0', '@TOA#_bc_f_0'],
      ],
      tables: [],
    },
    paired('subs after the writes', SUBS, [H_ADD, F_ADD], (to) => ({ Official_Account: to, Limit: 100 }), []),
    paired(
      'msg_get_simple after the writes',
      HISTORY,
      [H_SEND, F_SEND],
      (to) => ({ Official_Account: to, ReqMsgNumber: 20 }),
      [],
    ),
  ];
}

/** Times of this hour, which two servers writing a moment apart need not agree on. */
function normalise(text: string, ids: readonly string[]): string {
  let out = text;
  ids.forEach((id, i) => {
    out = out.split(id).join(`<id${i}>`);
  });
  const now = Date.now() / 1000;
  return out.replace(/(?<!\d)\d{10}(?!\d)/g, (n) => (Math.abs(Number(n) - now) < 3600 ? '<now>' : n));
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const at = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 40), i + 60));
  return `at ${i}: herald ${at(a)}, floor ${at(b)}`;
}

async function rows(kind: StoreKind, location: string, table: Table, id: string): Promise<unknown[]> {
  const db = await openRawDb(kind, location);
  try {
    const [key, order] = KEY_OF[table];
    return await db.all(`SELECT * FROM ${table} WHERE sdkappid = ? AND ${key} = ? ORDER BY ${order}`, [SDKAPPID, id]);
  } finally {
    await db.close();
  }
}

async function scalar(kind: StoreKind, location: string, text: string): Promise<number> {
  const db = await openRawDb(kind, location);
  try {
    const [row] = await db.all<{ n: unknown }>(text);
    return Number(row?.n);
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// A run on one store

async function check(kind: StoreKind, location: string, work: string): Promise<boolean> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`== ${kind}`);
  const servers = await startServers(kind, location, work);
  let ok = true;
  let doorbells = 0;
  const slotCount = () =>
    scalar(kind, location, `SELECT official_account_count AS n FROM apps WHERE sdkappid = ${SDKAPPID}`);
  try {
    for (const c of cases()) {
      const pair = 'herald' in c;
      const slotsBefore = await slotCount();
      const h = await servers.call('herald', c.command, pair ? c.herald : c.body);
      const slotsBetween = await slotCount();
      const f = await servers.call('floor', c.command, pair ? c.floor : c.body);
      const slotsAfter = await slotCount();
      doorbells += h.doorbells;
      const problems: string[] = [];
      if (h.status !== f.status || h.type !== f.type)
        problems.push(`HTTP ${h.status} ${h.type} vs floor ${f.status} ${f.type}`);
      const ht = pair
        ? normalise(
            h.text,
            c.pairs.map((p) => p[0]),
          )
        : h.text;
      const ft = pair
        ? normalise(
            f.text,
            c.pairs.map((p) => p[1]),
          )
        : f.text;
      if (ht !== ft) problems.push(`answers differ ${firstDifference(ht, ft)}`);
      if (h.statements.join('\n') !== f.statements.join('\n')) {
        const i = h.statements.findIndex((s, n) => s !== f.statements[n]);
        const at = i === -1 ? h.statements.length : i;
        problems.push(
          `statements differ at #${at + 1}:\n      herald: ${h.statements[at] ?? '(none)'}\n      floor:  ${f.statements[at] ?? '(none)'}`,
        );
      }
      if (slotsBetween - slotsBefore !== slotsAfter - slotsBetween)
        problems.push(
          `apps.official_account_count moved ${slotsBetween - slotsBefore} (herald) and ${slotsAfter - slotsBetween} (floor)`,
        );
      if (pair) {
        for (const table of c.tables)
          for (const [hid, fid] of c.pairs) {
            const hr = normalise(JSON.stringify(await rows(kind, location, table, hid)), [hid]);
            const fr = normalise(JSON.stringify(await rows(kind, location, table, fid)), [fid]);
            if (hr !== fr) problems.push(`${table} rows differ ${firstDifference(hr, fr)}`);
          }
      }
      if (ok && problems.length > 0) ok = false;
      const what = `${h.text.length} bytes, ${h.statements.length} statements`;
      say(`  ${problems.length === 0 ? 'PASS' : 'FAIL'}  ${c.name} (${what})`);
      for (const p of problems) say(`        ${p}`);
    }
    const outbox = await scalar(kind, location, 'SELECT count(*) AS n FROM webhook_outbox');
    if (outbox !== 0) {
      ok = false;
      say(`  FAIL  webhook_outbox holds ${outbox} rows (no webhook is configured: Herald writes none)`);
    }
    if (doorbells > 0)
      say(`  note  Herald also sent ${doorbells} realtime doorbells (select pg_notify), left out of the floor`);
  } finally {
    const code = await servers.close();
    if (code !== 0) {
      ok = false;
      say(`  FAIL  the floor server exited with ${code} on SIGTERM`);
    }
  }
  say(`  ${kind}: ${ok ? 'PASS' : 'FAIL'}`);
  return ok;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'herald-floor-check-'));
  let ok = true;
  try {
    const dir = join(work, 'sqlite');
    const store = await openStore({ dataDir: dir });
    try {
      await seed(store);
    } finally {
      await store.close();
    }
    ok = (await check('sqlite', dir, work)) && ok;

    const base = process.env.HERALD_TEST_POSTGRES_URL;
    if (base) {
      const schema = `floor_check_${process.pid}`;
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
        const url = postgresUrl(base, schema);
        const pgStore = await openStore({ dataDir: null, databaseUrl: url, poolSize: 2 });
        try {
          await seed(pgStore);
        } finally {
          await pgStore.close();
        }
        ok = (await check('postgres', url, work)) && ok;
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
    } else {
      process.stdout.write('== postgres skipped: HERALD_TEST_POSTGRES_URL is not set\n');
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`floor-check: ${ok ? 'PASS' : 'FAIL'}\n`);
  process.exit(ok ? 0 : 1);
}

await main();
