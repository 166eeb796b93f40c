/**
 * Floors behind the ratio targets (BENCHMARKS.md, "Where the targets stand"): what the read and
 * subscribe workloads cost with no HTTP at all, warm, in a loop, on the generated SQLite data set.
 * Herald runs in this process on that data set; the store is called directly, and the answers
 * the bench's requests get are fetched once and serialised again in a loop.
 *
 *   npm run bench:generate   (once)
 *   node --import tsx bench/floors.ts [--loops n]
 *
 * The data set is put back as generated first (resetMutable), so the add_subscriber floor always
 * subscribes users who are not subscribed yet; the bench resets what it wrote before its next run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Api } from 'tls-sig-api-v2';
import { startHerald } from '../src/server.ts';
import { ADD_TARGETS, ADMIN, BIG, INFO_50, SDKAPPID, SECRET_KEY, SQLITE_DIR, resetMutable, userId } from './common.ts';

const { values: flags } = parseArgs({ options: { loops: { type: 'string', default: '3000' } } });
const LOOPS = Number(flags.loops);
if (!Number.isInteger(LOOPS) || LOOPS < 1) throw new Error(`--loops must be a positive integer, got "${flags.loops}"`);
if (!existsSync(join(SQLITE_DIR, 'herald.sqlite')))
  throw new Error(`no data set in ${SQLITE_DIR}: run npm run bench:generate first`);

await resetMutable('sqlite', SQLITE_DIR);
const herald = await startHerald({
  dataDir: SQLITE_DIR,
  port: 0,
  logLevel: 'warn',
  rateLimit: 0,
  sendPerSecond: 0,
  sendPerHour: 0,
});
const { store } = herald;
const usersig = new Api(SDKAPPID, SECRET_KEY).genUserSig(ADMIN, 3600);

/** Mean µs per call over `loops` calls, after a tenth as many to warm up. */
async function perCall(f: () => unknown, loops = LOOPS): Promise<number> {
  for (let i = 0; i < Math.ceil(loops / 10); i++) await f();
  const started = process.hrtime.bigint();
  for (let i = 0; i < loops; i++) await f();
  return Number(process.hrtime.bigint() - started) / 1e3 / loops;
}

async function answer(command: string, body: unknown): Promise<{ text: string; value: unknown }> {
  const url = `${herald.url}/v4/official_account_open_http_svc/${command}?sdkappid=${SDKAPPID}&identifier=${ADMIN}&usersig=${usersig}&random=1&contenttype=json`;
  const text = await (await fetch(url, { method: 'POST', body: JSON.stringify(body) })).text();
  const value = JSON.parse(text) as { ErrorCode?: number };
  if (value.ErrorCode !== 0) throw new Error(`${command} answered ${text.slice(0, 200)}`);
  return { text, value };
}

const lines: [string, number][] = [];
try {
  lines.push([
    'store: subscriber page with its account, first (101 rows)',
    await perCall(() => store.reads.subscriberPage(SDKAPPID, BIG, 0, 101)),
  ]);
  lines.push([
    'store: subscriber page with its account at 900,000 (101 rows)',
    await perCall(() => store.reads.subscriberPage(SDKAPPID, BIG, 900_000, 101)),
  ]);
  lines.push([
    'store: newest 21 messages with their account',
    await perCall(() => store.reads.historyPage(SDKAPPID, BIG, null, 21, false)),
  ]);
  lines.push([
    'store: 50 official accounts (cached)',
    await perCall(() => store.reads.officialAccountsCached(SDKAPPID, INFO_50)),
  ]);
  for (const [label, command, body] of [
    [
      'info_50',
      'get_official_account_info',
      { OfficialAccountIdList: INFO_50.map((Official_Account) => ({ Official_Account })) },
    ],
    ['subscriber page', 'get_subscriber_info', { Official_Account: BIG, Limit: 100 }],
    ['msg_get_simple', 'official_account_msg_get_simple', { Official_Account: BIG, ReqMsgNumber: 20 }],
  ] as const) {
    const { text, value } = await answer(command, body);
    lines.push([
      `JSON.stringify of the ${label} answer (${text.length.toLocaleString('en-US')} B)`,
      await perCall(() => JSON.stringify(value)),
    ]);
  }
  // add_subscriber's store work for 100 new users, as the service does it, in one transaction each.
  const target = ADD_TARGETS[ADD_TARGETS.length - 1] as string;
  let next = 0;
  const subscribe = async () => {
    const users = Array.from({ length: 100 }, () => userId(next++));
    await store.transaction(async (tx) => {
      await tx.lockOfficialAccount(SDKAPPID, target);
      const already = await tx.subscribedAmong(SDKAPPID, target, users);
      const imported = await tx.existingAccounts(
        SDKAPPID,
        users.filter((u) => !already.has(u)),
        'share',
      );
      await tx.addSubscribers(
        SDKAPPID,
        target,
        users.filter((u) => imported.has(u) && !already.has(u)),
        Math.floor(Date.now() / 1000),
      );
    });
  };
  // At most 2,200 calls of 100 users: the data set has 1,000,000 users to subscribe.
  lines.push([
    'store: add_subscriber of 100 new users (one transaction)',
    await perCall(subscribe, Math.min(LOOPS, 2000)),
  ]);
} finally {
  await herald.close();
}
for (const [label, us] of lines) process.stdout.write(`${label.padEnd(62)} ${us.toFixed(1).padStart(8)} µs\n`);
