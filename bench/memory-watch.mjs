// Where a running Herald's resident memory is, sampled from its /metrics while something loads it:
// RSS, the V8 heap (allocated, and in use by live and not yet collected objects) and what lies
// outside the heap (SQLite's page cache, buffers, code, the allocator's retained pages).
//
//   node bench/memory-watch.mjs http://127.0.0.1:PORT [interval ms = 500]
//
// `npm run bench` prints each Herald's URL in its "ready" line. Prints one line per sample and,
// on Ctrl-C, the peaks.
const [url, intervalArg] = process.argv.slice(2);
if (!url) throw new Error('usage: node bench/memory-watch.mjs http://127.0.0.1:PORT [interval ms]');
const interval = Number(intervalArg ?? 500);
const MiB = 1024 * 1024;
const peak = { rss: 0, heapTotal: 0, heapUsed: 0, outside: 0 };

async function sample() {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) / MiB;
  const rss = value('process_resident_memory_bytes');
  const heapTotal = value('nodejs_heap_size_total_bytes');
  const heapUsed = value('nodejs_heap_size_used_bytes');
  const now = { rss, heapTotal, heapUsed, outside: rss - heapTotal };
  for (const key of Object.keys(peak)) peak[key] = Math.max(peak[key], now[key]);
  const f = (x) => x.toFixed(0).padStart(4);
  console.log(
    `${new Date().toISOString().slice(11, 19)}  RSS ${f(rss)} MiB  V8 heap ${f(heapTotal)} (in use ${f(heapUsed)})  outside the heap ${f(now.outside)}`,
  );
}

process.on('SIGINT', () => {
  const f = (x) => x.toFixed(0);
  console.log(
    `peaks: RSS ${f(peak.rss)} MiB, V8 heap ${f(peak.heapTotal)} (in use ${f(peak.heapUsed)}), outside the heap ${f(peak.outside)}`,
  );
  process.exit(0);
});
for (;;) {
  await sample().catch((e) => console.log(`no sample: ${e.message}`));
  await new Promise((resolve) => setTimeout(resolve, interval));
}
