/**
 * `npm run bench:console`: how fast the web console paints and how much it ships. One Herald node
 * (the `herald serve` bundle, SQLite) with 200 official accounts; Debian's Chromium (headless,
 * playwright-core) opens /console in a fresh browser context each round (empty cache), then again
 * in the same context (cached), and once more signed in, until the first screen lists the
 * official accounts. Reports first-contentful-paint and time to a usable screen (median and
 * worst over the rounds), and the gzipped size of the script and stylesheet. Writes
 * bench/results/console.json and adds a section to BENCHMARKS.md. Everything runs on 127.0.0.1.
 *
 * Flags: --rounds n (20)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { Api } from 'tls-sig-api-v2';
import { insertRun } from './report.ts';
import { ADMIN, RESULTS_DIR, ROOT, SDKAPPID, SECRET_KEY, spawnHerald } from './common.ts';

const { values: flags } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const ROUNDS = Number(flags.rounds);
const CHROMIUM = process.env.HERALD_TEST_CHROMIUM ?? '/usr/bin/chromium';

const startHerald = (dataDir: string) => spawnHerald(dataDir);

async function createAccounts(url: string, count: number): Promise<void> {
  const sig = new Api(SDKAPPID, SECRET_KEY).genUserSig(ADMIN, 86_400);
  for (let i = 0; i < count; i++) {
    const query = new URLSearchParams({
      sdkappid: String(SDKAPPID),
      identifier: ADMIN,
      usersig: sig,
      random: String(i),
    });
    const response = await fetch(`${url}/v4/official_account_open_http_svc/create_official_account?${query}`, {
      method: 'POST',
      body: JSON.stringify({ Owner_Account: ADMIN, OfficialAccountUserID: `@TOA#_c${i}`, Name: `Channel ${i}` }),
    });
    const answer = (await response.json()) as { ErrorCode: number };
    if (answer.ErrorCode !== 0) throw new Error(`create_official_account answered ${JSON.stringify(answer)}`);
  }
}

/** First-contentful-paint and the time `ready` resolved, both from the navigation's start, in ms. */
async function timedLoad(page: Page, url: string, ready: (page: Page) => Promise<unknown>) {
  await page.goto(url);
  await ready(page);
  return page.evaluate(() => ({
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
    ready: performance.now(),
  }));
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const round1 = (n: number) => Math.round(n * 10) / 10;
const summary = (values: number[]) => ({ median: round1(median(values)), max: round1(Math.max(...values)) });

const dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-console-'));
const { child, url } = await startHerald(dataDir);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
try {
  await createAccounts(url, 200);
  const signInReady = (page: Page) => page.getByLabel('Secret key or admin UserSig').waitFor();
  const listReady = (page: Page) => page.getByRole('link', { name: 'Channel 0', exact: true }).waitFor();
  const cold = { fcp: [] as number[], ready: [] as number[] };
  const warm = { fcp: [] as number[], ready: [] as number[] };
  const signedIn = { fcp: [] as number[], ready: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const first = await timedLoad(page, `${url}/console`, signInReady);
    cold.fcp.push(first.fcp);
    cold.ready.push(first.ready);
    const again = await timedLoad(page, `${url}/console?again`, signInReady);
    warm.fcp.push(again.fcp);
    warm.ready.push(again.ready);
    await page.getByLabel('Secret key or admin UserSig').fill(SECRET_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await listReady(page);
    const inside = await timedLoad(page, `${url}/console?in#/official-accounts`, listReady);
    signedIn.fcp.push(inside.fcp);
    signedIn.ready.push(inside.ready);
    await context.close();
  }
  const assets = join(ROOT, 'dist', 'console-assets');
  const sizes = Object.fromEntries(
    ['app.js', 'app.css'].map((name) => {
      const bytes = readFileSync(join(assets, name));
      return [name, { bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length }];
    }),
  );
  const results = {
    date: new Date().toISOString(),
    rounds: ROUNDS,
    officialAccounts: 200,
    sizes,
    coldSignIn: { fcpMs: summary(cold.fcp), readyMs: summary(cold.ready) },
    cachedSignIn: { fcpMs: summary(warm.fcp), readyMs: summary(warm.ready) },
    signedInList: { fcpMs: summary(signedIn.fcp), readyMs: summary(signedIn.ready) },
  };
  console.log(JSON.stringify(results, null, 2));
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'console.json'), `${JSON.stringify(results, null, 2)}\n`);

  const stamp = results.date.slice(0, 16).replace('T', ' ');
  const js = sizes['app.js'] as { bytes: number; gzipBytes: number };
  const css = sizes['app.css'] as { bytes: number; gzipBytes: number };
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const row = (what: string, r: { fcpMs: { median: number; max: number }; readyMs: { median: number; max: number } }) =>
    `| ${what} | ${r.fcpMs.median} ms (worst ${r.fcpMs.max}) | ${r.readyMs.median} ms (worst ${r.readyMs.max}) |`;
  const section = [
    `## Web console — ${stamp} UTC (\`npm run bench:console\`)`,
    '',
    `One Herald node (the \`herald serve\` bundle, SQLite) holding 200 official accounts; Debian's Chromium,`,
    `headless, on the same machine. ${ROUNDS} rounds, each in a fresh browser context: the page with an`,
    'empty cache, again with the cache, then signed in until the first screen lists the official',
    'accounts. Times run from the start of the navigation. Raw results: `bench/results/console.json`.',
    '',
    '| load | first contentful paint (median) | usable (median) |',
    '|---|---|---|',
    row('sign-in page, empty cache', results.coldSignIn),
    row('sign-in page, cached', results.cachedSignIn),
    row('signed in: official accounts listed', results.signedInList),
    '',
    `Shipped: script ${kb(js.bytes)} (${kb(js.gzipBytes)} gzipped), stylesheet ${kb(css.bytes)} (${kb(css.gzipBytes)} gzipped);`,
    `targets: under 150 KB of script gzipped (${js.gzipBytes < 150 * 1024 ? 'met' : 'missed'}), first paint under 300 ms`,
    `(${results.coldSignIn.fcpMs.median < 300 ? 'met' : 'missed'} on the median of the empty-cache loads).`,
  ].join('\n');
  const file = join(ROOT, 'BENCHMARKS.md');
  writeFileSync(file, insertRun(readFileSync(file, 'utf8'), section));
} finally {
  await browser.close();
  child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
