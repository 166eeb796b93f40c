/**
 * `npm run bench:fanout`: one Herald node (the `herald serve` bundle, SQLite) and N subscribers of
 * one official account connected over WebSocket from a separate load process
 * (bench/fanout-clients.ts). Broadcasts go out at a steady rate through the REST API; every
 * delivery is counted and timed from the send's REST reply to the client's receipt. Then a
 * reconnect storm: every connection drops at once, messages are sent, every client comes back at
 * once with its cursor, and the time until every client has every missed message is measured.
 * Prints the figures and writes bench/results/fanout.json. Everything runs on 127.0.0.1.
 *
 * Flags: --subscribers n (10000) --rate per-second (5) --seconds s (20) --storm-messages n (20)
 *        --load-processes n (2: the subscribers are split between them, as devices would not share a CPU)
 * Env:   BENCH_HERALD_NODE_ARGS: extra node flags for the Herald process (e.g. --cpu-prof).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Api } from 'tls-sig-api-v2';
import { ADMIN, RESULTS_DIR, ROOT, SDKAPPID, SECRET_KEY, spawnHerald, textBody } from './common.ts';

const { values: flags } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '20' },
    'storm-messages': { type: 'string', default: '20' },
    'load-processes': { type: 'string', default: '2' },
  },
});
const SUBSCRIBERS = Number(flags.subscribers);
const RATE = Number(flags.rate);
const SECONDS = Number(flags.seconds);
const STORM_MESSAGES = Number(flags['storm-messages']);
const LOAD_PROCESSES = Number(flags['load-processes']);
const OA = '@TOA#_fanout';
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory and CPU seconds of a process, from /proc. */
function usage(pid: number): { rssMiB: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  return { rssMiB: rssKb / 1024, cpuSeconds: ticks / 100 };
}

const startHerald = (dataDir: string) => spawnHerald(dataDir, { HERALD_REALTIME_MAX_CONNECTIONS_PER_IP: '0' });

async function call(url: string, service: string, command: string, body: unknown): Promise<Record<string, unknown>> {
  const sig = new Api(SDKAPPID, SECRET_KEY).genUserSig(ADMIN, 86_400);
  const query = new URLSearchParams({
    sdkappid: String(SDKAPPID),
    identifier: ADMIN,
    usersig: sig,
    random: '1',
    contenttype: 'json',
  });
  const response = await fetch(`${url}/v4/${service}/${command}?${query}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (answer.ErrorCode !== 0) throw new Error(`${command}: ${JSON.stringify(answer).slice(0, 300)}`);
  return answer;
}

function ask<T>(child: ChildProcess, message: unknown, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (m: { t: string }) => {
      if (m.t !== reply) return;
      child.off('message', listener);
      resolve(m as T);
    };
    child.on('message', listener);
    child.send(message as never);
  });
}

interface Report {
  delivered: number;
  perMessage: Record<string, number>;
  spans: Record<string, [number, number]>;
  duplicates: number;
  histogram: number[];
  lastAt: number;
}

/** The load processes together: every command goes to all, and their reports are merged. */
class Load {
  constructor(readonly processes: ChildProcess[]) {}

  send(message: unknown): void {
    for (const p of this.processes) p.send(message as never);
  }

  async all<T>(message: unknown | ((i: number) => unknown), reply: string): Promise<T[]> {
    return Promise.all(
      this.processes.map((p, i) =>
        ask<T>(p, typeof message === 'function' ? (message as (i: number) => unknown)(i) : message, reply),
      ),
    );
  }

  async report(): Promise<Report & { p50: number; p99: number; max: number }> {
    const parts = await this.all<Report>({ t: 'report' }, 'report');
    const histogram: number[] = [];
    const spans: Record<string, [number, number]> = {};
    for (const part of parts) {
      for (const [ms, n] of part.histogram.entries()) histogram[ms] = (histogram[ms] ?? 0) + n;
      for (const [id, [first, last]] of Object.entries(part.spans)) {
        const seen = spans[id];
        spans[id] = seen ? [Math.min(seen[0], first), Math.max(seen[1], last)] : [first, last];
      }
    }
    const total = histogram.reduce((a, n) => a + (n ?? 0), 0);
    const quantile = (q: number) => {
      let seen = 0;
      for (let ms = 0; ms < histogram.length; ms++) {
        seen += histogram[ms] ?? 0;
        if (seen >= q * total) return ms;
      }
      return histogram.length;
    };
    return {
      delivered: parts.reduce((a, p) => a + p.delivered, 0),
      perMessage: {},
      spans,
      duplicates: parts.reduce((a, p) => a + p.duplicates, 0),
      histogram,
      lastAt: Math.max(...parts.map((p) => p.lastAt)),
      p50: quantile(0.5),
      p99: quantile(0.99),
      max: histogram.length - 1,
    };
  }

  cpuSeconds(): number {
    return this.processes.reduce((a, p) => a + usage(p.pid as number).cpuSeconds, 0);
  }

  kill(): void {
    for (const p of this.processes) p.kill();
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'herald-fanout-'));
const herald = await startHerald(dataDir);
const pid = herald.child.pid as number;
const clients = new Load(
  Array.from({ length: LOAD_PROCESSES }, () =>
    fork(join(ROOT, 'bench', 'fanout-clients.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  ),
);
try {
  const users = Array.from({ length: SUBSCRIBERS }, (_, i) => `fan${String(i).padStart(6, '0')}`);
  for (let i = 0; i < users.length; i += 100) {
    await call(herald.url, 'im_open_login_svc', 'multiaccount_import', { Accounts: users.slice(i, i + 100) });
  }
  await call(herald.url, 'official_account_open_http_svc', 'create_official_account', {
    Owner_Account: ADMIN,
    Name: 'Fan-out',
    OfficialAccountUserID: OA,
    MaxSubscriberNum: SUBSCRIBERS,
  });
  for (let i = 0; i < users.length; i += 100) {
    await call(herald.url, 'official_account_open_http_svc', 'add_subscriber', {
      Official_Account: OA,
      SubscriberList: users.slice(i, i + 100).map((Subscriber_Account) => ({ Subscriber_Account })),
    });
  }
  await sleep(1000);
  const idle = usage(pid);
  const share = Math.ceil(users.length / LOAD_PROCESSES);
  await clients.all(
    (i: number) => ({
      url: herald.url,
      sdkappid: SDKAPPID,
      key: SECRET_KEY,
      users: users.slice(i * share, (i + 1) * share),
      officialAccountId: OA,
    }),
    'ready',
  );
  const connected = {
    ms: Math.max(...(await clients.all<{ ms: number }>({ t: 'connect' }, 'connected')).map((c) => c.ms)),
  };
  await sleep(1000);
  const withConnections = usage(pid);
  console.log(`${SUBSCRIBERS} subscribers connected and logged in in ${(connected.ms / 1000).toFixed(1)} s`);

  let random = 1;
  const send = async (label: string) => {
    const answer = await call(herald.url, 'official_account_open_http_svc', 'send_official_account_msg', {
      Official_Account: OA,
      Random: random++,
      MsgBody: textBody(label),
    });
    clients.send({ t: 'ack', id: answer.MsgKey as string, at: now() });
    return answer.MsgKey as string;
  };

  // Steady broadcasts.
  const count = RATE * SECONDS;
  const cpuBefore = usage(pid).cpuSeconds;
  const loadCpuBefore = clients.cpuSeconds();
  const firstSend = now();
  let peakRss = withConnections.rssMiB;
  for (let i = 0; i < count; i++) {
    const due = firstSend + (i * 1000) / RATE;
    await sleep(Math.max(0, due - now()));
    await send(`broadcast ${i}`);
    peakRss = Math.max(peakRss, usage(pid).rssMiB);
  }
  const expected = count * SUBSCRIBERS;
  let steady = await clients.report();
  for (let waited = 0; steady.delivered < expected && waited < 30_000; waited += 500) {
    await sleep(500);
    steady = await clients.report();
  }
  const steadySeconds = (steady.lastAt - firstSend) / 1000;
  // How long each broadcast took to reach every subscriber (first to last receipt).
  const spreads = Object.values(steady.spans)
    .map(([first, last]) => last - first)
    .sort((a, b) => a - b);
  const medianSpread = spreads[Math.floor(spreads.length / 2)] ?? 0;
  const interval = 1000 / RATE;
  const keptUp = (spreads.at(-1) ?? 0) < interval;
  const cpu = usage(pid).cpuSeconds - cpuBefore;
  const loadCpu = clients.cpuSeconds() - loadCpuBefore;

  // Reconnect storm.
  await clients.all({ t: 'reset' }, 'reset');
  await clients.all({ t: 'drop' }, 'dropped');
  await sleep(500);
  for (let i = 0; i < STORM_MESSAGES; i++) await send(`while away ${i}`);
  const stormStart = now();
  await clients.all({ t: 'connect' }, 'connected');
  let storm = await clients.report();
  for (let waited = 0; storm.delivered < STORM_MESSAGES * SUBSCRIBERS && waited < 30_000; waited += 200) {
    await sleep(200);
    storm = await clients.report();
  }
  const stormSeconds = (storm.lastAt - stormStart) / 1000;

  const results = {
    at: new Date().toISOString(),
    subscribers: SUBSCRIBERS,
    broadcastsPerSecond: RATE,
    loadProcesses: LOAD_PROCESSES,
    seconds: SECONDS,
    connectSeconds: connected.ms / 1000,
    steady: {
      expected,
      delivered: steady.delivered,
      allArrived: steady.delivered === expected,
      /** Over the whole run, from the first send to the last receipt (the last broadcast's drain included). */
      deliveriesPerSecond: steady.delivered / steadySeconds,
      /** Every broadcast reached every subscriber before the next was sent. */
      keptUp,
      /** First to last receipt of one broadcast, ms. */
      spreadMs: { p50: medianSpread, max: spreads.at(-1) ?? 0 },
      /** Deliveries per second while a broadcast fans out (subscribers / median spread). */
      fanOutPerSecond: SUBSCRIBERS / (medianSpread / 1000),
      latencyMs: { p50: steady.p50, p99: steady.p99, max: steady.max },
      serverCpuSeconds: cpu,
      serverCpuShare: cpu / steadySeconds,
      /** The load processes' share of a core: their frame handling adds to the measured latency. */
      loadCpuShare: loadCpu / steadySeconds,
    },
    memory: {
      idleMiB: idle.rssMiB,
      connectedMiB: withConnections.rssMiB,
      peakMiB: peakRss,
      kbPerConnection: ((withConnections.rssMiB - idle.rssMiB) * 1024) / SUBSCRIBERS,
    },
    storm: {
      messages: STORM_MESSAGES,
      expected: STORM_MESSAGES * SUBSCRIBERS,
      recovered: storm.delivered,
      duplicates: storm.duplicates,
      seconds: stormSeconds,
    },
  };
  console.log(JSON.stringify(results, null, 2));
  const targets = [
    ['every delivery arrives', results.steady.allArrived],
    ['send-ack → receipt p99 ≤ 250 ms', results.steady.latencyMs.p99 <= 250],
    [
      '≥ 50,000 deliveries/s sustained (from the first send to the last receipt)',
      results.steady.deliveriesPerSecond >= 50_000,
    ],
    ['≤ 40 KB RSS per connection', results.memory.kbPerConnection <= 40],
    [
      'storm: every missed message, no duplicate, within 10 s',
      storm.delivered === results.storm.expected && storm.duplicates === 0 && stormSeconds <= 10,
    ],
  ] as const;
  for (const [name, met] of targets) console.log(`${met ? 'met    ' : 'MISSED '} ${name}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'fanout.json'), `${JSON.stringify({ ...results, targets }, null, 2)}\n`);
} finally {
  clients.kill();
  herald.child.kill('SIGTERM');
  await new Promise((resolve) => herald.child.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
