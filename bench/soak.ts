/**
 * `npm run soak`: about a minute of high concurrency against one Herald (a child process on a
 * fresh SQLite directory, or PostgreSQL with SOAK_DATABASE_URL), with the documented rate
 * limits ON. Every 5 s it records throughput, p50/p99 latency, RSS and the ErrorCodes seen.
 * It fails (exit 1) when any ErrorCode other than 0 or 60007 (rate limit) appears, when latency
 * or memory climbs (last window vs. the first windows), or when Herald dies.
 *
 * Flags: --seconds N (default 60), --connections N (default 100).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Api } from 'tls-sig-api-v2';

const SDKAPPID = 1400000000;
const KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
const ADMIN = 'administrator';
const CLI = fileURLToPath(new URL('../dist/herald.mjs', import.meta.url));
const WINDOW_SECONDS = 5;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
}

async function main(): Promise<void> {
  const seconds = flag('seconds', 60);
  const connections = flag('connections', 100);
  const dir = mkdtempSync(join(tmpdir(), 'herald-soak-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env,
      HERALD_DATA: dir,
      HERALD_PORT: String(port),
      HERALD_SDKAPPID: String(SDKAPPID),
      HERALD_SECRET_KEY: KEY,
      HERALD_LOG_LEVEL: 'warn',
      ...(process.env.SOAK_DATABASE_URL && { HERALD_DATABASE_URL: process.env.SOAK_DATABASE_URL }),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let died = false;
  child.on('exit', () => (died = true));
  const base = `http://127.0.0.1:${port}`;
  const sig = new Api(SDKAPPID, KEY).genUserSig(ADMIN, 86400);
  const url = (service: string, command: string) =>
    `/v4/${service}/${command}?sdkappid=${SDKAPPID}&identifier=${ADMIN}&usersig=${sig}&random=1&contenttype=json`;
  const call = async (service: string, command: string, body: unknown) =>
    (await (
      await fetch(base + url(service, command), { method: 'POST', body: JSON.stringify(body) })
    ).json()) as Record<string, unknown>;

  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/readyz`)).status === 200) break;
      } catch {
        if (i > 100 || died) throw new Error('Herald did not start');
      }
      await sleep(100);
    }
    // A few accounts to read, subscribe to and send from, and users to subscribe.
    await call('im_open_login_svc', 'multiaccount_import', {
      Accounts: Array.from({ length: 100 }, (_, i) => `s${i}`),
    });
    const accounts: string[] = [];
    for (let i = 0; i < 20; i++) {
      accounts.push(
        (
          await call('official_account_open_http_svc', 'create_official_account', {
            Owner_Account: ADMIN,
            Name: `soak ${i}`,
          })
        ).OfficialAccountUserID as string,
      );
    }

    const codes = new Map<number, number>();
    let n = 0;
    const requests: autocannon.Request[] = [
      {
        method: 'POST' as const,
        path: url('official_account_open_http_svc', 'get_official_account_info'),
        body: JSON.stringify({ OfficialAccountIdList: accounts.map((Official_Account) => ({ Official_Account })) }),
      },
      {
        method: 'POST' as const,
        path: url('official_account_open_http_svc', 'send_official_account_msg'),
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({
            Official_Account: accounts[n % accounts.length],
            Random: n++,
            MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `soak ${n}` } }],
          }),
        }),
      },
      {
        method: 'POST' as const,
        path: url('official_account_open_http_svc', 'add_subscriber'),
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({
            Official_Account: accounts[n++ % accounts.length],
            SubscriberList: [{ Subscriber_Account: `s${n % 100}` }],
          }),
        }),
      },
      {
        method: 'POST' as const,
        path: url('official_account_open_http_svc', 'official_account_msg_get_simple'),
        body: JSON.stringify({ Official_Account: accounts[0], ReqMsgNumber: 20 }),
      },
    ];

    const windows: { reqPerSec: number; p50: number; p99: number; rssMiB: number; errors: number }[] = [];
    const rounds = Math.max(1, Math.round(seconds / WINDOW_SECONDS));
    for (let round = 0; round < rounds && !died; round++) {
      const result = await autocannon({
        url: base,
        connections,
        duration: WINDOW_SECONDS,
        requests,
        setupClient: (client) => {
          client.on('body', (body: Buffer) => {
            const match = /"ErrorCode":(\d+)/.exec(body.toString());
            const code = match ? Number(match[1]) : -1;
            codes.set(code, (codes.get(code) ?? 0) + 1);
          });
        },
      });
      windows.push({
        reqPerSec: Math.round(result.requests.average),
        p50: result.latency.p50,
        p99: result.latency.p99,
        rssMiB: rssMiB(child.pid as number),
        errors: result.errors + result.timeouts + result.non2xx,
      });
      const w = windows.at(-1);
      console.log(
        `window ${round + 1}/${rounds}: ${w?.reqPerSec} req/s  p50 ${w?.p50} ms  p99 ${w?.p99} ms  RSS ${w?.rssMiB} MiB  transport errors ${w?.errors}`,
      );
    }

    const problems: string[] = [];
    if (died) problems.push('Herald died during the soak');
    const unexpected = [...codes].filter(([code]) => code !== 0 && code !== 60007);
    if (unexpected.length > 0) problems.push(`unexpected ErrorCodes: ${JSON.stringify(unexpected)}`);
    if (windows.some((w) => w.errors > 0)) problems.push('transport errors, timeouts or non-200 answers');
    const early = windows.slice(0, Math.min(3, windows.length));
    const last = windows.at(-1);
    if (last && early.length > 0) {
      const earlyP99 = Math.max(...early.map((w) => w.p99));
      const earlyRss = Math.max(...early.map((w) => w.rssMiB));
      if (last.p99 > Math.max(2 * earlyP99, earlyP99 + 10))
        problems.push(`p99 climbed from ${earlyP99} ms to ${last.p99} ms`);
      if (last.rssMiB > earlyRss + 64) problems.push(`RSS climbed from ${earlyRss} MiB to ${last.rssMiB} MiB`);
    }
    console.log(`ErrorCodes seen: ${JSON.stringify(Object.fromEntries(codes))}`);
    console.log(
      problems.length === 0
        ? 'soak passed: latency and memory flat, no errors but rate limits'
        : `soak FAILED:\n- ${problems.join('\n- ')}`,
    );
    process.exitCode = problems.length === 0 ? 0 : 1;
  } finally {
    child.kill('SIGTERM');
    await sleep(500);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
