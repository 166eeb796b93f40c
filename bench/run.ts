/**
 * `npm run bench`: Herald on SQLite and on PostgreSQL over the 1,000,000-subscription data set, the
 * floor server of each store (bench/floor-server.mjs: node:http, the same driver, the same SQL, the
 * same answer bytes, nothing else: the fastest honest implementation of the work) and a bare
 * Fastify server answering a fixed envelope, each in its own child process, driven in turn by
 * autocannon from this process over keep-alive HTTP with the same connections and duration
 * (workload by workload, each on every server in turn). Prints one table (workload × server →
 * req/s, p50, p99, ratio to the floor and to bare, CPU ms/req of the server and of PostgreSQL), the
 * RSS and start-up time of Herald on the data set, checks the targets, writes
 * bench/results/latest.json (a partial run: partial.json) and adds the run to BENCHMARKS.md as its newest (bench/report.ts); a full
 * run also rewrites the REST rows of the summary there.
 *
 * Flags: --duration s (10) --warmup s (1) --connections n (50) --only w1,w2
 *        --servers bare,floor-sqlite,sqlite,floor-postgres,postgres
 *        --scale f (data set size, 1 = 1M) --check-every n (full check of every nth body, 10)
 *        --startups n (cold starts timed per Herald server, 3) --rounds n (repeat every workload on every
 *        server n times; the round with the median req/s is reported, 1) --no-build --no-append
 * Env:   BENCH_SKIP_GENERATE=1 reuses a data set generated before (reset to its generated state
 *        and verified; regenerated if it does not match). BENCH_POSTGRES_URL, BENCH_POSTGRES_SCHEMA.
 *        BENCH_HERALD_NODE_ARGS: extra node flags for the Herald children (e.g. --cpu-prof);
 *        BENCH_FLOOR_NODE_ARGS the same for the floor servers; BENCH_FLOOR_SPIN_US adds that much
 *        spun CPU to each floor answer (what extra work per call costs here). BENCH_HERALD_CLI: another herald.mjs to
 *        measure (an older commit's bundle, for an A/B; pass --no-build).
 *        BENCH_HERALD_LOG_LEVEL: the Herald children's log level (warn; info writes the access log with
 *        each call's handler time to .bench-data/logs/).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Api } from 'tls-sig-api-v2';
import {
  ADD_TARGETS,
  ADMIN,
  BIG,
  CREATED_OA_PREFIX,
  DATA_ROOT,
  IMPORTED_USER_PREFIX,
  INFO_50,
  MID,
  POSTGRES_SCHEMA,
  RESULTS_DIR,
  ROOT,
  SDKAPPID,
  SECRET_KEY,
  SMALL,
  SQLITE_DIR,
  addSubscriberRequest,
  freePort,
  openRawDb,
  postgresUrl,
  readyz,
  resetMutable,
  textBody,
  userId,
  verifyDataSet,
  type DataShape,
  type StoreKind,
} from './common.ts';
import { markerFile, scaledShape, type GenerateResult } from './generate.ts';
import { anchor, emptyReport, firstHeadingAnchor, insertRun, summaryRows, WHY_HEADING } from './report.ts';

// ---------------------------------------------------------------------------------------------
// options

type FloorName = `floor-${StoreKind}`;
type ServerName = 'bare' | FloorName | StoreKind;
/** In the order they run within a workload: each Herald right after its floor. */
const ALL_SERVERS: readonly ServerName[] = ['bare', 'floor-sqlite', 'sqlite', 'floor-postgres', 'postgres'];
const isHerald = (name: ServerName): name is StoreKind => name === 'sqlite' || name === 'postgres';
const isFloor = (name: ServerName): name is FloorName => name.startsWith('floor-');
/** The data set a server works on (a floor shares its store's), or null for the bare server. */
const storeOf = (name: ServerName): StoreKind | null =>
  isHerald(name) ? name : isFloor(name) ? (name.slice('floor-'.length) as StoreKind) : null;

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    servers: { type: 'string', default: ALL_SERVERS.join(',') },
    scale: { type: 'string', default: '1' },
    'check-every': { type: 'string', default: '10' },
    startups: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '1' },
    'no-build': { type: 'boolean', default: false },
    'no-append': { type: 'boolean', default: false },
  },
});

function positive(name: string, raw: string, allowZero = false): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
    throw new Error(`--${name} must be a positive number, got "${raw}"`);
  return n;
}

const DURATION = positive('duration', flags.duration);
const WARMUP = positive('warmup', flags.warmup, true);
const CONNECTIONS = Math.round(positive('connections', flags.connections));
const CHECK_EVERY = Math.round(positive('check-every', flags['check-every']));
const STARTUPS = Math.round(positive('startups', flags.startups));
const ROUNDS = Math.round(positive('rounds', flags.rounds));
const SCALE = positive('scale', flags.scale);
const SHAPE: DataShape = scaledShape(SCALE);
const SKIP_GENERATE = process.env.BENCH_SKIP_GENERATE === '1';
/** Extra node flags for the Herald children, e.g. BENCH_HERALD_NODE_ARGS="--cpu-prof --cpu-prof-dir=.bench-data/prof". */
const HERALD_NODE_ARGS = (process.env.BENCH_HERALD_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** The same for the floor servers (BENCH_FLOOR_NODE_ARGS), to profile the floor the same way. */
const FLOOR_NODE_ARGS = (process.env.BENCH_FLOOR_NODE_ARGS ?? '').split(' ').filter(Boolean);

const SERVERS = flags.servers
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean) as ServerName[];
for (const s of SERVERS)
  if (!ALL_SERVERS.includes(s as ServerName))
    throw new Error(`--servers: unknown server "${s}" (known: ${ALL_SERVERS.join(', ')})`);

/** BENCH_HERALD_CLI: another build of herald.mjs to measure (e.g. an older commit's, for an A/B). */
const HERALD_CLI = process.env.BENCH_HERALD_CLI ?? join(ROOT, 'dist', 'herald.mjs');
const BARE_SERVER = join(ROOT, 'bench', 'bare-server.mjs');
const FLOOR_SERVER = join(ROOT, 'bench', 'floor-server.mjs');
/** Connections of the second latency measurement of every read (the p99 ≤ 10 ms target). */
const LOW_CONNECTIONS = 10;
const LOG_DIR = join(DATA_ROOT, 'logs');
const PG_URL = postgresUrl();

const say = (line = '') => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// workloads

interface Workload {
  name: string;
  /** Targets: reads ≥ 0.6 × bare, writes ≥ 0.3 × bare. */
  kind: 'read' | 'write';
  service: string;
  command: string;
  /** Body of request n (numbered from 0 per server, warm-up included); fixed when it ignores n. */
  body: (n: number) => unknown;
  varies: boolean;
  /** Item-level check of a Herald answer (top-level ErrorCode is checked for every answer). */
  check?: (answer: Record<string, unknown>, n: number) => string | null;
  note: string;
}

const OA = 'official_account_open_http_svc';
const runTag = Date.now().toString(36).slice(-6);
const deepPosition = Math.floor(SHAPE.bigSubscribers * 0.9);
const cursor = (subSeq: number) => Buffer.from(`s${subSeq}`).toString('base64url');
const list = (answer: Record<string, unknown>, field: string): Record<string, unknown>[] =>
  Array.isArray(answer[field]) ? (answer[field] as Record<string, unknown>[]) : [];

function page(first: number) {
  return (answer: Record<string, unknown>): string | null => {
    const items = list(answer, 'SubscriberList');
    if (items.length !== Math.min(100, SHAPE.bigSubscribers - first)) return `page of ${items.length} subscribers`;
    if (items[0]?.Subscriber_Account !== userId(first))
      return `page starts at ${String(items[0]?.Subscriber_Account)}, expected ${userId(first)}`;
    if (answer.SubscriberNum !== SHAPE.bigSubscribers) return `SubscriberNum ${String(answer.SubscriberNum)}`;
    return null;
  };
}

const WORKLOADS: Workload[] = [
  {
    name: 'info_1',
    kind: 'read',
    service: OA,
    command: 'get_official_account_info',
    varies: false,
    body: () => ({ OfficialAccountIdList: [{ Official_Account: BIG }] }),
    check: (a) =>
      list(a, 'OfficialAccountInfoList').length === 1 &&
      list(a, 'OfficialAccountInfoList').every((i) => i.ErrorCode === 0)
        ? null
        : 'item failed',
    note: 'get_official_account_info, 1 ID',
  },
  {
    name: 'info_50',
    kind: 'read',
    service: OA,
    command: 'get_official_account_info',
    varies: false,
    body: () => ({ OfficialAccountIdList: INFO_50.map((Official_Account) => ({ Official_Account })) }),
    check: (a) => {
      const items = list(a, 'OfficialAccountInfoList');
      return items.length === 50 && items.every((i) => i.ErrorCode === 0)
        ? null
        : `${items.filter((i) => i.ErrorCode !== 0).length} of ${items.length} items failed`;
    },
    note: 'get_official_account_info, 50 IDs',
  },
  {
    name: 'subs_first_page',
    kind: 'read',
    service: OA,
    command: 'get_subscriber_info',
    varies: false,
    body: () => ({ Official_Account: BIG, Limit: 100 }),
    check: page(0),
    note: 'get_subscriber_info, Limit 100, first page of the 1M-subscriber account',
  },
  {
    name: 'subs_deep_page',
    kind: 'read',
    service: OA,
    command: 'get_subscriber_info',
    varies: false,
    body: () => ({ Official_Account: BIG, Limit: 100, Next: cursor(deepPosition) }),
    check: page(deepPosition),
    note: `get_subscriber_info, Limit 100, Next at position ${deepPosition.toLocaleString('en-US')}`,
  },
  {
    name: 'msg_get_simple',
    kind: 'read',
    service: OA,
    command: 'official_account_msg_get_simple',
    varies: false,
    body: () => ({ Official_Account: BIG, ReqMsgNumber: 20 }),
    check: (a) => {
      const n = list(a, 'RspMsgList').length;
      return n === Math.min(20, SHAPE.messages) ? null : `${n} messages`;
    },
    note: `official_account_msg_get_simple, newest 20 of ${SHAPE.messages.toLocaleString('en-US')}`,
  },
  {
    name: 'create_oa',
    kind: 'write',
    service: OA,
    command: 'create_official_account',
    varies: true,
    body: (n) => ({
      Owner_Account: ADMIN,
      Name: `Bench ${n}`,
      OfficialAccountUserID: `${CREATED_OA_PREFIX}${runTag}_${n}`,
    }),
    check: (a, n) =>
      a.OfficialAccountUserID === `${CREATED_OA_PREFIX}${runTag}_${n}`
        ? null
        : `OfficialAccountUserID ${String(a.OfficialAccountUserID)}`,
    note: 'create_official_account, a new custom ID each request',
  },
  {
    name: 'add_subscriber_100',
    kind: 'write',
    service: OA,
    command: 'add_subscriber',
    varies: true,
    body: (n) => {
      const { account, users } = addSubscriberRequest(n, SHAPE);
      return { Official_Account: account, SubscriberList: users.map((Subscriber_Account) => ({ Subscriber_Account })) };
    },
    check: (a) => {
      const items = list(a, 'SubscriberList');
      const bad = items.filter((i) => i.Result !== 1).length;
      return items.length === 100 && bad === 0 ? null : `${bad} of ${items.length} users not added (Result ≠ 1)`;
    },
    note: `add_subscriber, 100 users never subscribed to that account before, round robin over ${ADD_TARGETS.length} accounts`,
  },
  {
    name: 'send_10',
    kind: 'write',
    service: OA,
    command: 'send_official_account_msg',
    varies: true,
    body: (n) => ({ Official_Account: SMALL, Random: n, MsgBody: textBody('bench broadcast') }),
    check: (a) => (typeof a.MsgKey === 'string' && a.MsgKey !== '' ? null : 'no MsgKey'),
    note: `send_official_account_msg to an account with ${SHAPE.smallSubscribers} subscribers, distinct Random`,
  },
  {
    name: 'send_100k',
    kind: 'write',
    service: OA,
    command: 'send_official_account_msg',
    varies: true,
    body: (n) => ({ Official_Account: MID, Random: n, MsgBody: textBody('bench broadcast') }),
    check: (a) => (typeof a.MsgKey === 'string' && a.MsgKey !== '' ? null : 'no MsgKey'),
    note: `send_official_account_msg to an account with ${SHAPE.midSubscribers.toLocaleString('en-US')} subscribers, distinct Random`,
  },
  {
    name: 'account_import',
    kind: 'write',
    service: 'im_open_login_svc',
    command: 'account_import',
    varies: true,
    body: (n) => ({ UserID: `${IMPORTED_USER_PREFIX}${runTag}_${n}`, Nick: `bench ${n}` }),
    note: 'account_import, a new UserID each request',
  },
];

const ONLY = flags.only
  ?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
if (ONLY)
  for (const w of ONLY)
    if (!WORKLOADS.some((x) => x.name === w))
      throw new Error(`--only: unknown workload "${w}" (known: ${WORKLOADS.map((x) => x.name).join(', ')})`);
const SELECTED = ONLY ? WORKLOADS.filter((w) => ONLY.includes(w.name)) : WORKLOADS;

// ---------------------------------------------------------------------------------------------
// processes

interface Running {
  name: ServerName;
  child: ChildProcess;
  port: number;
  url: string;
  startupMs: number;
  exited: Promise<number | null>;
  logFile: string;
}

function heraldEnv(kind: StoreKind, port: number): NodeJS.ProcessEnv {
  // Nothing of the caller's HERALD_* configuration (webhooks, Redis, …) leaks into the bench.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_')));
  return {
    ...env,
    HERALD_HOST: '127.0.0.1',
    HERALD_PORT: String(port),
    HERALD_SDKAPPID: String(SDKAPPID),
    HERALD_SECRET_KEY: SECRET_KEY,
    HERALD_ADMIN: ADMIN,
    HERALD_LOG_LEVEL: process.env.BENCH_HERALD_LOG_LEVEL ?? 'warn',
    HERALD_RATE_LIMIT: '0',
    HERALD_SEND_PER_SECOND: '0',
    HERALD_SEND_PER_HOUR: '0',
    ...(kind === 'sqlite'
      ? { HERALD_DATA: SQLITE_DIR }
      : { HERALD_DATABASE_URL: PG_URL, HERALD_DATA: join(DATA_ROOT, 'unused') }),
  };
}

/** The floor server on `kind`'s data set, with Herald's pool size on PostgreSQL. */
function floorEnv(kind: StoreKind, port: number): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_')));
  return {
    ...env,
    BENCH_PORT: String(port),
    BENCH_FLOOR_STORE: kind,
    ...(kind === 'sqlite'
      ? { HERALD_DATA: SQLITE_DIR }
      : { HERALD_DATABASE_URL: PG_URL, HERALD_DATABASE_POOL_SIZE: '10' }),
  };
}

function command(name: ServerName, port: number): [string, string[], NodeJS.ProcessEnv] {
  if (name === 'bare') return [process.execPath, [BARE_SERVER], { ...process.env, BENCH_PORT: String(port) }];
  if (isFloor(name))
    return [process.execPath, [...FLOOR_NODE_ARGS, FLOOR_SERVER], floorEnv(storeOf(name) as StoreKind, port)];
  return [process.execPath, [...HERALD_NODE_ARGS, HERALD_CLI, 'serve'], heraldEnv(name, port)];
}

async function start(name: ServerName, attempt: string): Promise<Running> {
  const port = await freePort();
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `${name}-${attempt}.log`);
  const log = createWriteStream(logFile);
  const [program, args, env] = command(name, port);
  const began = performance.now();
  const child = spawn(program, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      log.end();
      resolve(code);
    }),
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = began + 120_000;
  for (;;) {
    if (gone) throw new Error(`${name} exited before it was ready; see ${logFile}:\n${tail(logFile)}`);
    if ((await readyz(port)) === 200) break;
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within 120 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const startupMs = performance.now() - began;
  return { name, child, port, url: `http://127.0.0.1:${port}`, startupMs, exited, logFile };
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

async function stop(server: Running): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
  await server.exited;
  clearTimeout(timer);
}

/** VmRSS and VmHWM (peak) of a process, in MiB. */
function memory(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/**
 * Where a Herald's resident memory is, from its own /metrics: the V8 heap (allocated, and in use
 * by live and not yet collected objects) and memory held outside it (SQLite's page cache, 16 MB
 * per connection in better-sqlite3's build, buffers, code and the allocator's retained pages).
 */
async function heapShare(url: string): Promise<{ heapTotalMiB: number; heapUsedMiB: number } | null> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
    return { heapTotalMiB: value('nodejs_heap_size_total_bytes'), heapUsedMiB: value('nodejs_heap_size_used_bytes') };
  } catch {
    return null;
  }
}

/** Cores the machine spends on work other than this process over one second. */
async function backgroundCores(): Promise<number> {
  const before = cpuMark(process.pid);
  await new Promise((r) => setTimeout(r, 1000));
  const after = cpuMark(process.pid);
  return Math.max(0, (after.machine - before.machine - (after.loadgen - before.loadgen)) / (after.at - before.at));
}

// ---------------------------------------------------------------------------------------------
// load

interface Phase {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /** Answers with a non-zero top-level ErrorCode, non-2xx, unparseable, plus connection errors/timeouts. */
  errors: number;
  errorCodes: Record<string, number>;
  transportErrors: number;
  timeouts: number;
  non2xx: number;
  /** Bodies fully checked, and those whose items were wrong (e.g. add_subscriber Result ≠ 1). */
  checked: number;
  itemFailures: number;
  firstProblem: string | null;
  /** CPU time of the server process per answered request (ms): robust to other load on the machine. */
  serverCpuMsPerReq: number;
  /** CPU time of every PostgreSQL process per answered request (ms), for servers on PostgreSQL; NaN otherwise. */
  dbCpuMsPerReq: number;
  /** Connections the load generator held open. */
  connections: number;
  /** Cores used during the phase: by the server process, by this load generator, and by everything else (PostgreSQL included). */
  serverCores: number;
  loadgenCores: number;
  otherCores: number;
}

/** The top-level ErrorCode: Herald writes ActionStatus, ErrorInfo, ErrorCode before any other field. */
function topLevelCode(body: string): number | null {
  const at = body.indexOf('"ErrorCode":');
  if (at < 0) return null;
  let i = at + 12;
  let sign = 1;
  if (body.charCodeAt(i) === 45) {
    sign = -1;
    i++;
  }
  let value = 0;
  let digits = 0;
  for (; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c < 48 || c > 57) break;
    value = value * 10 + c - 48;
    digits++;
  }
  return digits > 0 ? sign * value : null;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

interface Counter {
  n: number;
}

const TICK_MS = 10; // CLK_TCK 100 (Linux default)

/** utime + stime of a process, ms. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}

/**
 * CPU time of PostgreSQL on this machine, ms: utime + stime of every postgres process, plus the
 * postmaster's cutime + cstime, where the CPU of backends that have exited is added (a pool
 * closing idle connections would otherwise take their CPU out of the sum, and a phase's figure
 * could go negative).
 */
function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    // The postmaster is the postgres process whose parent is not one; it reaps the backends.
    const parent = fields[1] ?? '';
    let parentIsPostgres = false;
    try {
      parentIsPostgres = readFileSync(`/proc/${parent}/comm`, 'utf8').trim() === 'postgres';
    } catch {
      // no parent to read: not the postmaster's child
    }
    if (!parentIsPostgres) total += (Number(fields[13]) + Number(fields[14])) * TICK_MS;
  }
  return total;
}

/** Busy CPU time of the whole machine (all cores), ms. */
function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return (total - (v[3] ?? 0) - (v[4] ?? 0)) * TICK_MS;
}

interface CpuMark {
  at: number;
  server: number;
  loadgen: number;
  machine: number;
}

function cpuMark(pid: number): CpuMark {
  const own = process.cpuUsage();
  return {
    at: performance.now(),
    server: processCpuMs(pid),
    loadgen: (own.user + own.system) / 1000,
    machine: machineBusyMs(),
  };
}

async function drive(
  server: Running,
  workload: Workload,
  seconds: number,
  counter: Counter,
  herald: boolean,
  connections = CONNECTIONS,
): Promise<Phase> {
  const query = `sdkappid=${SDKAPPID}&identifier=${ADMIN}&usersig=${USERSIG}&random=1&contenttype=json`;
  const path = `/v4/${workload.service}/${workload.command}?${query}`;
  const headers = { 'content-type': 'application/json' };
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const phase: Phase = {
    requests: 0,
    seconds: 0,
    rps: 0,
    p50: 0,
    p90: 0,
    p99: 0,
    max: 0,
    mean: 0,
    errors: 0,
    errorCodes: {},
    transportErrors: 0,
    timeouts: 0,
    non2xx: 0,
    checked: 0,
    itemFailures: 0,
    firstProblem: null,
    serverCpuMsPerReq: NaN,
    dbCpuMsPerReq: NaN,
    connections,
    serverCores: NaN,
    loadgenCores: NaN,
    otherCores: NaN,
  };
  const pid = server.child.pid as number;
  const onPostgres = storeOf(server.name) === 'postgres';
  const dbBefore = onPostgres ? postgresCpuMs() : NaN;
  const before = cpuMark(pid);
  const problem = (text: string) => {
    phase.firstProblem ??= text;
  };
  // autocannon hands setupRequest and onResponse the same context object for one request (a fresh
  // one per request when the request list has one entry), so it carries the request's number.
  const request: autocannon.Request = {
    method: 'POST',
    path,
    headers,
    ...(workload.varies
      ? {
          setupRequest: (req: autocannon.Request, context: object) => {
            const n = counter.n++;
            (context as { n?: number }).n = n;
            return { ...req, body: JSON.stringify(workload.body(n)) };
          },
        }
      : { body: JSON.stringify(workload.body(0)) }),
    onResponse: (status: number, body: string, context: object) => {
      const n = workload.varies ? ((context as { n?: number }).n ?? -1) : 0;
      if (status < 200 || status > 299) return; // counted by autocannon as non2xx
      const code = topLevelCode(body);
      if (code !== 0) {
        phase.errors++;
        const key = code === null ? 'unparseable' : String(code);
        phase.errorCodes[key] = (phase.errorCodes[key] ?? 0) + 1;
        problem(`ErrorCode ${key}: ${body.slice(0, 300)}`);
        return;
      }
      if (herald && workload.check && ++checkTick % CHECK_EVERY === 0) {
        phase.checked++;
        let failure: string | null;
        try {
          failure = workload.check(JSON.parse(body) as Record<string, unknown>, n);
        } catch (e) {
          failure = `unparseable body: ${String(e)}`;
        }
        if (failure !== null) {
          phase.itemFailures++;
          problem(failure);
        }
      }
    },
  };
  let checkTick = 0;
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: server.url,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 10,
        requests: [request],
      },
      (err, result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)),
    );
  });
  instance?.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = ms;
  });
  const result = await finished;
  const after = cpuMark(pid);
  const dbMs = onPostgres ? postgresCpuMs() - dbBefore : NaN;
  const wall = after.at - before.at;
  const serverMs = after.server - before.server;
  const loadgenMs = after.loadgen - before.loadgen;
  phase.serverCores = serverMs / wall;
  phase.loadgenCores = loadgenMs / wall;
  phase.otherCores = Math.max(0, (after.machine - before.machine - serverMs - loadgenMs) / wall);
  const sorted = latencies.subarray(0, count).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  phase.requests = count;
  phase.seconds = result.duration;
  phase.rps = count / result.duration;
  phase.p50 = percentile(sorted, 50);
  phase.p90 = percentile(sorted, 90);
  phase.p99 = percentile(sorted, 99);
  phase.max = sorted.length > 0 ? (sorted[sorted.length - 1] as number) : NaN;
  phase.mean = count > 0 ? sum / count : NaN;
  phase.serverCpuMsPerReq = count > 0 ? serverMs / count : NaN;
  phase.dbCpuMsPerReq = count > 0 ? dbMs / count : NaN;
  phase.transportErrors = result.errors;
  phase.timeouts = result.timeouts;
  phase.non2xx = result.non2xx;
  phase.errors += result.errors + result.non2xx;
  if (result.errors > 0) problem(`${result.errors} connection errors (${result.timeouts} timeouts)`);
  if (result.non2xx > 0) problem(`${result.non2xx} non-2xx answers`);
  return phase;
}

// ---------------------------------------------------------------------------------------------
// data

function runChild(label: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l) => `  [${label}] ${l}`)
        .join('\n');
    child.stdout.on('data', (c: Buffer) => say(prefix(c)));
    child.stderr.on('data', (c: Buffer) => say(prefix(c)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${label} failed (${signal ?? `exit ${String(code)}`})`));
    });
  });
}

function sameShape(a: DataShape, b: DataShape): boolean {
  return (Object.keys(b) as (keyof DataShape)[]).every((k) => a[k] === b[k]);
}

async function prepareData(kinds: StoreKind[]): Promise<Record<string, GenerateResult & { reused: boolean }>> {
  const reuse = new Set<StoreKind>();
  if (SKIP_GENERATE) {
    for (const kind of kinds) {
      const file = markerFile(kind);
      if (!existsSync(file)) continue;
      const marker = JSON.parse(readFileSync(file, 'utf8')) as GenerateResult;
      if (!sameShape(marker.shape, SHAPE)) continue;
      const location = kind === 'sqlite' ? SQLITE_DIR : PG_URL;
      try {
        await resetMutable(kind, location);
        const problems = await verifyDataSet(kind, location, SHAPE);
        if (problems.length === 0) reuse.add(kind);
        else say(`${kind}: the data set on disk does not match (${problems[0]}); generating it again`);
      } catch (e) {
        say(`${kind}: cannot reuse the data set (${e instanceof Error ? e.message : String(e)}); generating it again`);
      }
    }
  }
  const generate = kinds.filter((k) => !reuse.has(k));
  if (generate.length > 0) {
    say(
      `Generating the data set (${SHAPE.bigSubscribers.toLocaleString('en-US')} + ${SHAPE.midSubscribers.toLocaleString('en-US')} + ${SHAPE.smallSubscribers} subscriptions, ` +
        `${SHAPE.users.toLocaleString('en-US')} users, ${SHAPE.messages.toLocaleString('en-US')} messages) for ${generate.join(' and ')}, in parallel …`,
    );
    await Promise.all(
      generate.map((kind) =>
        runChild(
          `generate ${kind}`,
          ['--import', 'tsx', join(ROOT, 'bench', 'generate.ts'), '--store', kind, '--scale', String(SCALE)],
          30 * 60_000,
        ),
      ),
    );
  }
  const out: Record<string, GenerateResult & { reused: boolean }> = {};
  for (const kind of kinds) {
    out[kind] = { ...(JSON.parse(readFileSync(markerFile(kind), 'utf8')) as GenerateResult), reused: reuse.has(kind) };
    if (reuse.has(kind))
      say(`${kind}: reusing the data set generated before (reset to its generated state and verified)`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// report

interface ServerResult {
  server: ServerName;
  startupMs: number[];
  idle: { rssMiB: number; peakMiB: number } | null;
  after: { rssMiB: number; peakMiB: number; heapTotalMiB?: number; heapUsedMiB?: number } | null;
  /** Cores busy with other work during 1 s before the first workload on this server (other sessions' tests, …). */
  backgroundCores: number;
  /** measured: the reported round (median req/s of `rounds`); errors of every round are in `rounds`. */
  workloads: Record<string, { warmup: Phase | null; measured: Phase; rounds: Phase[] }>;
  /** The compared pairs (ALTERNATED), measured in alternating short slices: key `a/b`. */
  alternated: Record<string, Alternation>;
  /** Reads measured again at LOW_CONNECTIONS connections (Herald only), for their p99. */
  lowConcurrency: Record<string, Phase>;
}

/**
 * Two targets compare one workload with another on the same server: the deep page with the first,
 * and the send to 100,000 subscribers with the send to 10. Windows taken ~20 s apart differ by up
 * to ±50 % on a shared machine even for the bare server, whose work is the same for both, so these
 * pairs are also measured in alternating slices of a few seconds (a b, b a, a b, …), which drift
 * hits evenly, and the targets use those.
 */
const ALTERNATED: readonly (readonly [string, string])[] = [
  ['subs_first_page', 'subs_deep_page'],
  ['send_10', 'send_100k'],
];
const SLICE_SECONDS = 2;
/** Length of each read's measurement at LOW_CONNECTIONS connections. */
const LOW_SECONDS = 5;
const SLICE_PAIRS = 6;

interface Alternation {
  a: string;
  b: string;
  slices: { a: Phase; b: Phase }[];
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : '–');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};

function machine() {
  const sh = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : 'unknown';
  };
  return {
    date: new Date().toISOString(),
    nproc: sh('nproc', []),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: sh('uname', ['-sr']),
    commit: sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
    dirty: sh('git', ['-C', ROOT, 'status', '--porcelain']) !== '',
  };
}

/**
 * The median of ratios a target is judged on: the mean of the middle two for an even count, so it
 * favours no side of the target (`median` above picks a real round, the lower middle one).
 */
function trueMedian(xs: number[]): number {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = sorted.length / 2;
  return Number.isInteger(mid)
    ? ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
    : (sorted[Math.floor(mid)] as number);
}

/**
 * Median over rounds of f(round i of `a`, round i of `b`). Round i of two workloads (or of a
 * server and the bare one) was taken seconds apart, so pairing them cancels most of the host's
 * drift, which on a shared machine moves req/s by up to 2× between rounds; each side's own
 * median round may come from different moments. Falls back to the reported rounds when the
 * counts differ.
 */
function pairedMedian(
  a: { rounds: Phase[]; measured: Phase },
  b: { rounds: Phase[]; measured: Phase },
  f: (x: Phase, y: Phase) => number,
): { median: number; each: number[] } {
  if (a.rounds.length !== b.rounds.length)
    return { median: f(a.measured, b.measured), each: [f(a.measured, b.measured)] };
  const each = a.rounds.map((x, i) => f(x, b.rounds[i] as Phase));
  return { median: trueMedian(each), each };
}

/** b against a over alternating slices: req/s over all slices, and the median of per-pair p50 ratios. */
function alternationTotals(alt: Alternation): {
  aRps: number;
  bRps: number;
  rpsRatio: number;
  p50Ratio: number;
  p50Each: number[];
} {
  const sum = (f: (x: { a: Phase; b: Phase }) => number) => alt.slices.reduce((n, x) => n + f(x), 0);
  const aRps = sum((x) => x.a.requests) / sum((x) => x.a.seconds);
  const bRps = sum((x) => x.b.requests) / sum((x) => x.b.seconds);
  const p50Each = alt.slices.map((x) => x.b.p50 / x.a.p50);
  return { aRps, bRps, rpsRatio: bRps / aRps, p50Ratio: trueMedian(p50Each), p50Each };
}

function alternationErrors(alt: Alternation): number {
  return alt.slices.reduce((n, x) => n + x.a.errors + x.a.itemFailures + x.b.errors + x.b.itemFailures, 0);
}

/** req/s of `server` over `other`'s for one workload, paired round by round (NaN if either is missing). */
function ratioTo(other: ServerResult | undefined, server: ServerResult, workload: string): number {
  const base = other?.workloads[workload];
  const entry = server.workloads[workload];
  if (!base || !entry) return NaN;
  return pairedMedian(entry, base, (x, y) => x.rps / y.rps).median;
}

const find = (results: ServerResult[], name: ServerName) => results.find((r) => r.server === name);

/** A Herald's (or a floor's) req/s over the bare server's. */
function bareRatio(results: ServerResult[], server: ServerResult, workload: string): number {
  return ratioTo(find(results, 'bare'), server, workload);
}

/** A Herald's req/s over its store's floor server's; NaN for the others. */
function floorRatio(results: ServerResult[], server: ServerResult, workload: string): number {
  return isHerald(server.server) ? ratioTo(find(results, `floor-${server.server}`), server, workload) : NaN;
}

function rows(results: ServerResult[]) {
  const out: {
    workload: string;
    server: ServerName;
    phase: Phase;
    floor: number;
    bare: number;
    errors: Phase;
  }[] = [];
  for (const w of SELECTED) {
    for (const r of results) {
      const entry = r.workloads[w.name];
      if (entry)
        out.push({
          workload: w.name,
          server: r.server,
          phase: entry.measured,
          floor: floorRatio(results, r, w.name),
          bare: bareRatio(results, r, w.name),
          errors: sumErrors(entry.rounds),
        });
    }
  }
  return out;
}

/** Errors of every round together (a round that failed is never hidden behind the median one). */
function sumErrors(rounds: Phase[]): Phase {
  const first = rounds[0] as Phase;
  const total: Phase = { ...first, errors: 0, errorCodes: {}, checked: 0, itemFailures: 0 };
  for (const p of rounds) {
    total.errors += p.errors;
    total.checked += p.checked;
    total.itemFailures += p.itemFailures;
    for (const [code, n] of Object.entries(p.errorCodes)) total.errorCodes[code] = (total.errorCodes[code] ?? 0) + n;
  }
  return total;
}

function errorCell(p: Phase): string {
  const parts = [String(p.errors)];
  const codes = Object.entries(p.errorCodes).map(([c, n]) => `${c}×${n}`);
  if (codes.length > 0) parts.push(`(${codes.join(' ')})`);
  if (p.itemFailures > 0) parts.push(`+${p.itemFailures}/${p.checked} items`);
  return parts.join(' ');
}

const cpu = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : '–');

function table(results: ServerResult[]): { text: string; markdown: string } {
  const header = [
    'workload',
    'server',
    'req/s',
    'p50 ms',
    'p99 ms',
    '× floor',
    '× bare',
    'errors',
    'CPU ms/req',
    'PG CPU ms/req',
    'other cores',
  ];
  const body = rows(results).map((r) => [
    r.workload,
    r.server,
    fmt(r.phase.rps),
    ms(r.phase.p50),
    ms(r.phase.p99),
    isHerald(r.server) ? fmt(r.floor, 2) : '',
    r.server === 'bare' ? '1.00' : fmt(r.bare, 2),
    errorCell(r.errors),
    cpu(r.phase.serverCpuMsPerReq),
    cpu(r.phase.dbCpuMsPerReq),
    r.phase.otherCores.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const right = new Set([2, 3, 4, 5, 6, 8, 9, 10]);
  const line = (row: string[]) =>
    row.map((c, i) => (right.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ');
  const text = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
  const markdown = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (right.has(i) ? '---:' : '---')).join('|')}|`,
    ...body.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
  return { text, markdown };
}

/**
 * The summary's workload table: per workload and store, Herald's req/s, its ratio to the floor
 * and to bare, p50/p99, CPU ms/req (Herald, and PostgreSQL's own), and whether its ratio target is met.
 */
function workloadSummary(results: ServerResult[]): string[] {
  const lines = [
    '| workload | store | req/s | × floor | × bare | p50 / p99 ms | p99 ms at 10 conn. | CPU ms/req | PG CPU ms/req | ratio target | met |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const w of SELECTED) {
    for (const store of ['sqlite', 'postgres'] as const) {
      const r = find(results, store);
      const entry = r?.workloads[w.name];
      if (!r || !entry) continue;
      const ratio = floorRatio(results, r, w.name);
      const target = floorTarget(store, w.kind);
      const low = r.lowConcurrency[w.name];
      lines.push(
        `| ${w.name} | ${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${fmt(entry.measured.rps)} | ${fmt(ratio, 2)} | ${fmt(bareRatio(results, r, w.name), 2)} | ` +
          `${ms(entry.measured.p50)} / ${ms(entry.measured.p99)} | ${low ? ms(low.p99) : '–'} | ${cpu(entry.measured.serverCpuMsPerReq)} | ${cpu(entry.measured.dbCpuMsPerReq)} | ` +
          `≥ ${target} | ${Number.isFinite(ratio) ? (ratio >= target ? 'yes' : 'no') : '–'} |`,
      );
    }
  }
  return lines;
}

interface TargetCheck {
  target: string;
  server: StoreKind;
  value: string;
  pass: boolean | null;
}

/** Herald ÷ floor req/s a workload must reach: SQLite reads 0.85, SQLite writes 0.75, PostgreSQL 0.75. */
function floorTarget(store: StoreKind, kind: 'read' | 'write'): number {
  return store === 'sqlite' && kind === 'read' ? 0.85 : 0.75;
}

function targets(results: ServerResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const r of results) {
    if (!isHerald(r.server)) continue;
    const server = r.server;
    const m = (name: string) => r.workloads[name]?.measured;
    const floorServer = find(results, `floor-${server}`);
    const kinds = server === 'sqlite' ? (['read', 'write'] as const) : ([null] as const);
    for (const kind of kinds) {
      const target = floorTarget(server, kind ?? 'write');
      const ratios = SELECTED.filter(
        (w) => (kind === null || w.kind === kind) && m(w.name) && floorServer?.workloads[w.name],
      ).map((w) => ({ name: w.name, ratio: floorRatio(results, r, w.name) }));
      if (ratios.length === 0) continue;
      const worst = ratios.reduce((a, b) => (b.ratio < a.ratio ? b : a));
      checks.push({
        target:
          kind === null
            ? `every workload ≥ ${target} × its floor's req/s (PostgreSQL)`
            : `${kind === 'read' ? 'reads' : 'writes'} ≥ ${target} × their floor's req/s (SQLite)`,
        server,
        value: `worst ${worst.name} ${worst.ratio.toFixed(2)}; ${ratios.filter((x) => x.ratio >= target).length}/${ratios.length} meet it`,
        pass: ratios.every((x) => x.ratio >= target),
      });
    }
    const reads = SELECTED.filter((w) => w.kind === 'read' && r.lowConcurrency[w.name]).map((w) => ({
      name: w.name,
      p99: (r.lowConcurrency[w.name] as Phase).p99,
    }));
    if (reads.length > 0) {
      const worst = reads.reduce((a, b) => (b.p99 > a.p99 ? b : a));
      checks.push({
        target: `read p99 ≤ 10 ms at ${LOW_CONNECTIONS} connections`,
        server,
        value: `worst ${worst.name} ${ms(worst.p99)} ms; ${reads.filter((x) => x.p99 <= 10).length}/${reads.length} meet it`,
        pass: reads.every((x) => x.p99 <= 10),
      });
    }
    const measured = SELECTED.filter((w) => m(w.name)).map((w) => ({ name: w.name, p99: (m(w.name) as Phase).p99 }));
    if (measured.length > 0) {
      const worst = measured.reduce((a, b) => (b.p99 > a.p99 ? b : a));
      checks.push({
        target: `p99 at ${CONNECTIONS} connections (reported)`,
        server,
        value: `worst ${worst.name} ${ms(worst.p99)} ms; ${measured.filter((x) => x.p99 <= 10).length}/${measured.length} within 10 ms`,
        pass: null,
      });
    }
    if (server === 'postgres') {
      const sqlite = find(results, 'sqlite');
      const pairs = SELECTED.flatMap((w) => {
        const pg = m(w.name);
        const lite = sqlite?.workloads[w.name]?.measured;
        return pg && lite ? [{ name: w.name, ratio: pg.serverCpuMsPerReq / lite.serverCpuMsPerReq }] : [];
      });
      if (pairs.length > 0) {
        const worst = pairs.reduce((a, b) => (b.ratio > a.ratio ? b : a));
        checks.push({
          target: "Herald's CPU per request on PostgreSQL ≤ 2 × on SQLite",
          server,
          value: `worst ${worst.name} ${worst.ratio.toFixed(2)} ×; ${pairs.filter((x) => x.ratio <= 2).length}/${pairs.length} meet it`,
          pass: pairs.every((x) => x.ratio <= 2),
        });
      }
    }
    const sends = r.alternated['send_10/send_100k'];
    if (sends) {
      const t = alternationTotals(sends);
      checks.push({
        target: 'send p50 latency, 100,000 subscribers ≤ 1.2 × 10 subscribers',
        server,
        value: `alternating ${SLICE_SECONDS} s slices: median p50 ratio ${t.p50Ratio.toFixed(2)} (pairs ${t.p50Each.map((x) => x.toFixed(2)).join(', ')}); req/s ${fmt(t.bRps)} / ${fmt(t.aRps)}`,
        pass: t.p50Ratio <= 1.2 && alternationErrors(sends) === 0,
      });
    }
    const pages = r.alternated['subs_first_page/subs_deep_page'];
    if (pages) {
      const t = alternationTotals(pages);
      checks.push({
        target: 'deep page req/s within ±20 % of first page',
        server,
        value: `alternating ${SLICE_SECONDS} s slices: ${fmt(t.bRps)} / ${fmt(t.aRps)} req/s = ${t.rpsRatio.toFixed(2)}`,
        pass: Math.abs(t.rpsRatio - 1) <= 0.2 && alternationErrors(pages) === 0,
      });
    }
    if (r.after) {
      checks.push({
        target: `RSS ≤ 200 MB with the ${SHAPE.bigSubscribers.toLocaleString('en-US')}-subscription data set`,
        server,
        value:
          `${fmt(r.after.rssMiB)} MiB after the run (peak ${fmt(r.after.peakMiB)}, idle ${fmt(r.idle?.rssMiB ?? NaN)}` +
          `${r.after.heapTotalMiB !== undefined ? `; V8 heap ${fmt(r.after.heapTotalMiB)}, ${fmt(r.after.heapUsedMiB ?? NaN)} of it in use` : ''})`,
        pass: r.after.rssMiB * 1.048576 <= 200,
      });
    }
    if (r.startupMs.length > 0) {
      checks.push({
        target: 'start-up to ready < 1 s',
        server,
        value: `median ${fmt(median(r.startupMs))} ms (${r.startupMs.map((x) => fmt(x)).join(', ')})`,
        pass: median(r.startupMs) < 1000,
      });
    }
  }
  return checks;
}

function targetsText(checks: TargetCheck[]): { text: string; markdown: string } {
  const mark = (p: boolean | null) => (p === null ? 'INFO' : p ? 'PASS' : 'FAIL');
  const text = checks
    .map((c) => `${mark(c.pass).padEnd(4)}  ${c.server.padEnd(8)}  ${c.target}: ${c.value}`)
    .join('\n');
  const markdown = [
    '| target | server | measured | met |',
    '|---|---|---|---|',
    ...checks.map(
      (c) => `| ${c.target} | ${c.server} | ${c.value} | ${c.pass === null ? 'reported' : c.pass ? 'yes' : 'no'} |`,
    ),
  ].join('\n');
  return { text, markdown };
}

/** BENCHMARKS.md's introduction, for a new file (bench/report.ts adds the summary, workloads and runs). */
const BENCHMARKS_INTRO = `# Herald benchmarks

What Herald sustains on one machine, measured against the real limit of the work it does.
\`npm run bench\` (bench/run.ts) drives the REST API over a generated data set of 1,000,000 users
who all subscribe one official account (plus accounts of 100,000 and 10 subscribers, and 100,000
messages of history), on five servers, each in its own process:

- **Herald** on SQLite and on PostgreSQL (the \`herald serve\` bundle);
- the **floor server** of each store (bench/floor-server.mjs): \`node:http\`, the same driver
  (better-sqlite3 / pg), the same SQL statements in the same transactions against the same data,
  and an answer byte-for-byte equal to Herald's, with nothing else (no framework, no UserSig
  check, no validation, no limits, no logging, no doorbell to subscribers): the fastest honest
  implementation of each workload's work on this machine. \`npm run bench:floor-check\` proves the
  equality (answers, statements in order, rows written) on both stores;
- a **bare** Fastify server answering a fixed envelope (the cost of HTTP alone, for context).

autocannon in the parent process drives them over keep-alive HTTP with the same connections and
duration, workload by workload and each server in turn, so the figures of one workload are taken
seconds apart; Herald's ratio to its floor is the median of per-round ratios. Every answer's
top-level ErrorCode is checked (errors are counted, never mistaken for speed) and every 10th
answer item by item, floors included. CPU time per answer is recorded for each server process and,
on PostgreSQL, for the database's own processes: on a shared machine req/s and latency move with
the neighbours, CPU ms per request much less. Reads are measured again at 10 connections for
their p99. Data: \`bench/generate.ts\` (bulk \`importRows\`); write workloads never repeat a request
(a floor and its Herald share the request numbering) and run against data reset to the generated
state. Raw results of the latest run: \`bench/results/latest.json\`. \`npm run bench:fanout\`
measures delivery to WebSocket subscribers (\`bench/results/fanout.json\`), \`npm run bench:console\`
the web console's first paint and size in Chromium (\`bench/results/console.json\`), \`npm run soak\`
a minute of mixed load with the documented rate limits on.

Run: \`npm run bench\` (about 15 minutes at the defaults, 1–2 of them generating the data);
\`BENCH_SKIP_GENERATE=1 npm run bench -- --duration 5\` reuses the data set;
\`npm run bench -- --only info_1,send_10 --servers floor-sqlite,sqlite\` for a subset;
\`npm run bench:floors\` for what the read and subscribe work costs inside one process with no HTTP
(bench/floors.ts). Each run is added below as the newest; a full run (every workload on all five
servers, the default data set and 50 connections) also rewrites the summary's workload table and
the REST rows of its targets.
Diagnostics: \`BENCH_HERALD_NODE_ARGS="--cpu-prof --cpu-prof-dir=.bench-data/prof"\` then
\`node bench/cpuprofile-summary.mjs <file>\`; \`BENCH_HERALD_NODE_ARGS="--import ./bench/event-loop-delay.mjs"\`
(event-loop delay per second in .bench-data/logs/); \`node bench/pg-waits.mjs <pid>\` during a
PostgreSQL run. \`--cpu-prof\` charges time spent in the kernel to the JavaScript frame that made the
system call; for the split between kernel, SQLite and JavaScript use
\`BENCH_HERALD_NODE_ARGS=--perf-basic-prof\` and \`perf record -g -p <pid>\` (Debian's \`linux-perf\`).`;

// ---------------------------------------------------------------------------------------------
// main

const USERSIG: string = new Api(SDKAPPID, SECRET_KEY).genUserSig(ADMIN, 7 * 24 * 3600);

async function main(): Promise<void> {
  const started = Date.now();
  if (!flags['no-build'] && SERVERS.some(isHerald)) {
    say('Building dist/ (npm run build) so Herald runs without a TypeScript loader …');
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0)
      throw new Error('npm run build failed; fix the build or pass --no-build to use the existing dist/');
  }
  if (!existsSync(HERALD_CLI) && SERVERS.some(isHerald)) throw new Error(`${HERALD_CLI} is missing: run npm run build`);

  const stores = [...new Set(SERVERS.map(storeOf).filter((s): s is StoreKind => s !== null))];
  const data = stores.length > 0 ? await prepareData(stores) : {};

  const results: ServerResult[] = [];
  const order: ServerName[] = ALL_SERVERS.filter((s) => SERVERS.includes(s));
  const running: Running[] = [];
  try {
    // Start-up first, one server at a time: cold starts (the whole process: node, modules, the
    // migrations check, the app seed) until /readyz answers; the last start is the one measured.
    for (const name of order) {
      const herald = isHerald(name);
      const startupMs: number[] = [];
      for (let i = 1; herald && i < STARTUPS; i++) {
        const s = await start(name, `startup${i}`);
        startupMs.push(s.startupMs);
        await stop(s);
      }
      const server = await start(name, 'run');
      running.push(server);
      startupMs.push(server.startupMs);
      const idle = herald ? memory(server.child.pid as number) : null;
      say(
        `${name}: ready in ${startupMs.map((x) => fmt(x)).join(', ')} ms at ${server.url} (pid ${server.child.pid}${idle ? `, RSS ${fmt(idle.rssMiB)} MiB` : ''})`,
      );
      results.push({
        server: name,
        startupMs,
        idle,
        after: null,
        backgroundCores: NaN,
        workloads: {},
        alternated: {},
        lowConcurrency: {},
      });
    }
    // Then workload by workload, every server in turn, so that a workload's figures for the bare
    // server and for Herald are taken within seconds of each other (neighbours on a shared machine
    // come and go). Idle servers wait meanwhile; each keeps its own data and request numbering.
    // Request numbers of a workload go on across rounds and slices, and are shared by the servers
    // of one data set (a floor and its Herald), so write workloads never repeat a request: every
    // create is a new ID, every add_subscriber a block of users not yet subscribed.
    const counters = new Map<string, Counter>();
    const counterFor = (server: number, workload: string): Counter => {
      const name = (running[server] as Running).name;
      const key = `${storeOf(name) ?? name}/${workload}`;
      const counter = counters.get(key) ?? { n: 0 };
      counters.set(key, counter);
      return counter;
    };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const w of SELECTED) {
        say(`\n== ${w.name}${ROUNDS > 1 ? ` (round ${round} of ${ROUNDS})` : ''}: ${w.note}`);
        for (const [i, server] of running.entries()) {
          const result = results[i] as ServerResult;
          // Floors answer what Herald answers, so their answers are checked the same way.
          const herald = storeOf(server.name) !== null;
          if (Number.isNaN(result.backgroundCores)) result.backgroundCores = await backgroundCores();
          const counter = counterFor(i, w.name);
          const warmup = WARMUP > 0 ? await drive(server, w, WARMUP, counter, herald) : null;
          const measured = await drive(server, w, DURATION, counter, herald);
          const entry = result.workloads[w.name] ?? { warmup, measured, rounds: [] };
          entry.rounds.push(measured);
          // Report the round with the median req/s (the lower middle one for an even count).
          const sorted = [...entry.rounds].sort((a, b) => a.rps - b.rps);
          entry.measured = sorted[Math.floor((sorted.length - 1) / 2)] as Phase;
          if (warmup && warmup.errors > 0) entry.warmup = warmup;
          result.workloads[w.name] = entry;
          const warn =
            warmup && warmup.errors > 0 ? `  (warm-up errors ${warmup.errors}: ${warmup.firstProblem ?? ''})` : '';
          say(
            `   ${server.name.padEnd(9)} ${fmt(measured.rps).padStart(7)} req/s  p50 ${ms(measured.p50).padStart(6)}  p99 ${ms(measured.p99).padStart(6)} ms  ` +
              `errors ${errorCell(measured)}  cores: server ${measured.serverCores.toFixed(2)} loadgen ${measured.loadgenCores.toFixed(2)} other ${measured.otherCores.toFixed(2)}${warn}`,
          );
          if (measured.firstProblem) say(`      first problem: ${measured.firstProblem.slice(0, 300)}`);
          if (server.child.exitCode !== null)
            throw new Error(`${server.name} exited during ${w.name}; see ${server.logFile}`);
        }
      }
    }
    for (const [a, b] of ALTERNATED) {
      const wa = SELECTED.find((w) => w.name === a);
      const wb = SELECTED.find((w) => w.name === b);
      if (!wa || !wb) continue;
      say(`\n== ${a} / ${b}: ${SLICE_PAIRS} pairs of ${SLICE_SECONDS} s slices, alternating`);
      for (const [i, server] of running.entries()) {
        if (!isHerald(server.name)) continue;
        const slices: Alternation['slices'] = [];
        for (let k = 0; k < SLICE_PAIRS; k++) {
          const order = k % 2 === 0 ? [wa, wb] : [wb, wa];
          const got: Record<string, Phase> = {};
          for (const w of order) got[w.name] = await drive(server, w, SLICE_SECONDS, counterFor(i, w.name), true);
          slices.push({ a: got[a] as Phase, b: got[b] as Phase });
        }
        const alternation: Alternation = { a, b, slices };
        (results[i] as ServerResult).alternated[`${a}/${b}`] = alternation;
        const t = alternationTotals(alternation);
        say(
          `   ${server.name.padEnd(9)} ${a} ${fmt(t.aRps)} req/s, ${b} ${fmt(t.bRps)} req/s (× ${t.rpsRatio.toFixed(2)}); p50 ratio ${t.p50Ratio.toFixed(2)}; ` +
            `errors ${alternationErrors(alternation)}`,
        );
      }
    }
    const reads = SELECTED.filter((w) => w.kind === 'read');
    if (reads.length > 0 && CONNECTIONS !== LOW_CONNECTIONS) {
      say(`\n== reads at ${LOW_CONNECTIONS} connections (latency): ${LOW_SECONDS} s each`);
      for (const w of reads) {
        for (const [i, server] of running.entries()) {
          if (!isHerald(server.name)) continue;
          const phase = await drive(server, w, LOW_SECONDS, counterFor(i, w.name), true, LOW_CONNECTIONS);
          (results[i] as ServerResult).lowConcurrency[w.name] = phase;
          say(
            `   ${w.name.padEnd(16)} ${server.name.padEnd(9)} ${fmt(phase.rps).padStart(7)} req/s  p50 ${ms(phase.p50).padStart(6)}  p99 ${ms(phase.p99).padStart(6)} ms  errors ${errorCell(phase)}`,
          );
        }
      }
    }
    for (const [i, server] of running.entries()) {
      const result = results[i] as ServerResult;
      if (!isHerald(server.name)) continue;
      result.after = { ...memory(server.child.pid as number), ...(await heapShare(server.url)) };
      say(`${server.name}: RSS after the run ${fmt(result.after.rssMiB)} MiB (peak ${fmt(result.after.peakMiB)} MiB)`);
    }
  } finally {
    for (const server of running) await stop(server);
  }

  const info = machine();
  const serverVersion = async (kind: StoreKind, location: string, query: string): Promise<string | null> => {
    if (!stores.includes(kind)) return null;
    const db = await openRawDb(kind, location);
    try {
      return String((await db.all<{ v: string }>(query))[0]?.v);
    } finally {
      await db.close();
    }
  };
  const sqliteVersion = await serverVersion('sqlite', SQLITE_DIR, 'select sqlite_version() as v');
  const postgresVersion = await serverVersion('postgres', PG_URL, "select current_setting('server_version') as v");

  const t = table(results);
  const checks = targets(results);
  const tt = targetsText(checks);
  say(`\n${t.text}`);
  say('\nTargets');
  say(tt.text);
  say(
    `\nMachine: ${info.nproc} cores (${info.cpu}), ${info.memoryGiB} GiB, Node ${info.node}; PostgreSQL ${postgresVersion ?? '–'} and the load generator on the same machine.`,
  );

  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = {
    machine: { ...info, sqlite: sqliteVersion, postgres: postgresVersion },
    options: {
      duration: DURATION,
      warmup: WARMUP,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      servers: order,
      workloads: SELECTED.map((w) => w.name),
      scale: SCALE,
      checkEvery: CHECK_EVERY,
    },
    shape: SHAPE,
    data,
    workloads: SELECTED.map((w) => ({
      name: w.name,
      kind: w.kind,
      service: w.service,
      command: w.command,
      note: w.note,
    })),
    servers: results,
    targets: checks,
    elapsedSeconds: (Date.now() - started) / 1000,
  };
  // Only a full run replaces latest.json (the raw figures behind the summary); a subset, an A/B
  // or a profiling run goes to partial.json, which git ignores.
  const fullRun = !ONLY && order.length === ALL_SERVERS.length && SCALE === 1 && CONNECTIONS === 50;
  const rawFile = fullRun ? 'latest.json' : 'partial.json';
  writeFileSync(join(RESULTS_DIR, rawFile), `${JSON.stringify(json, null, 2)}\n`);
  say(`\nWrote bench/results/${rawFile}`);

  if (!flags['no-append']) {
    const file = join(ROOT, 'BENCHMARKS.md');
    const before = existsSync(file)
      ? readFileSync(file, 'utf8')
      : emptyReport(
          BENCHMARKS_INTRO,
          WORKLOADS.map((w) => `| ${w.name} | ${w.kind} | ${w.note} |`),
        );
    const subset = [
      ONLY ? `only ${SELECTED.map((w) => w.name).join(', ')}` : '',
      SERVERS.length < ALL_SERVERS.length ? `servers ${order.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    const gen = Object.values(data)
      .map(
        (d) =>
          `${d.kind} ${d.reused ? 'reused (generated earlier at' : 'generated at'} ${fmt(d.rowsPerSecond)} rows/s` +
          ` (${fmt(d.totalRows)} rows in ${d.seconds.toFixed(0)} s)${d.reused ? ')' : ''}`,
      )
      .join('; ');
    const startup = results
      .filter((r) => isHerald(r.server))
      .map(
        (r) =>
          `${r.server}: start-up to ready median ${fmt(median(r.startupMs))} ms (${r.startupMs.map((x) => fmt(x)).join(', ')}); ` +
          `RSS idle ${fmt(r.idle?.rssMiB ?? NaN)} MiB, after the run ${fmt(r.after?.rssMiB ?? NaN)} MiB (peak ${fmt(r.after?.peakMiB ?? NaN)} MiB)`,
      )
      .join('  \n');
    // On PostgreSQL "other" includes the database's own backends, so only the other servers tell.
    const otherDuring = results
      .filter((r) => storeOf(r.server) !== 'postgres')
      .flatMap((r) => Object.values(r.workloads).map((w) => w.measured.otherCores));
    const contended = results.some((r) => r.backgroundCores > 0.3) || otherDuring.some((c) => c > 0.3);
    const when = `${info.date.slice(0, 16).replace('T', ' ')} UTC`;
    const heading = `REST API — ${when} — ${info.commit}${info.dirty ? ' (uncommitted changes)' : ''}${subset ? ` — partial run (${subset})` : ''}`;
    const section = `
## ${heading}

Machine: \`nproc\` ${info.nproc} (${info.cpu}), ${info.memoryGiB} GiB RAM, Node ${info.node}, ${info.kernel};
SQLite ${sqliteVersion ?? '–'}, PostgreSQL ${postgresVersion ?? '–'} (same machine, schema \`${POSTGRES_SCHEMA}\`, Herald's default pool of 10).
Load: autocannon in the parent process, ${CONNECTIONS} connections, ${DURATION} s per workload and server after ${WARMUP} s of warm-up${ROUNDS > 1 ? `, ${ROUNDS} rounds (the median round by req/s is shown; × bare and the ratios in the targets are medians of per-round ratios, each round's figures taken seconds apart; errors are summed over all rounds)` : ''}; the
load generator, the server and PostgreSQL share the ${info.nproc} cores.
Data: ${fmt(SHAPE.bigSubscribers + SHAPE.midSubscribers + SHAPE.smallSubscribers)} subscriptions, ${fmt(SHAPE.users)} users, ${fmt(SHAPE.messages)} messages; ${gen || 'no store'}.
Background: ${results.map((r) => `${r.server} ${r.backgroundCores.toFixed(2)}`).join(', ')} cores busy with other work in the second before each server's first workload${contended ? ' — **the machine was shared with other work during this run: req/s and latencies are depressed and noisy; CPU ms/req is the steadier figure**' : ''}.
Columns: errors (all rounds) = answers with a non-zero ErrorCode (codes × count), non-2xx and connection errors ("+k/n items": of n answers checked item by item, k were wrong);
× floor = Herald's req/s over its store's floor server's (bench/floor-server.mjs: the same SQL and answer bytes with nothing else), × bare = over the bare Fastify server's, each the median of per-round ratios;
CPU ms/req = CPU time of the server process per answer; PG CPU ms/req = CPU time of all PostgreSQL processes per answer (servers on PostgreSQL); other cores = CPU used during the workload by everything except the server and the load generator (PostgreSQL's backends included).

${t.markdown}

${workloadSummary(results).join('\n')}

${startup}

${tt.markdown}
`;
    // Only a full run at the targets' conditions speaks for the summary; a partial one adds its section only.
    const full = fullRun;
    const summary = full
      ? summaryRows(checks, { label: when, anchor: anchor(heading) }, firstHeadingAnchor(before, WHY_HEADING))
      : undefined;
    const workloads = full
      ? [`From the [${when} run](#${anchor(heading)}):`, '', ...workloadSummary(results)]
      : undefined;
    writeFileSync(file, insertRun(before, section, summary, workloads));
    say(`Added the run to BENCHMARKS.md as the newest${full ? ' and rewrote the REST rows of its summary' : ''}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
