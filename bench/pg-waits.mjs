// Samples, every 100 ms for a while, what the PostgreSQL backends serving one process (matched
// by its client ports) are doing or waiting on, and prints the most frequent states.
//   node bench/pg-waits.mjs <pid of the Herald child> [seconds=10] [postgres://… of the server]
// (the pid is printed by npm run bench: "postgres: ready in … (pid N)").
import { execFileSync } from 'node:child_process';
import pg from 'pg';

const [pid, secondsArg, url = 'postgres://postgres@127.0.0.1:5432/test'] = process.argv.slice(2);
if (!pid) throw new Error('usage: node bench/pg-waits.mjs <pid> [seconds] [url]');
const client = new pg.Client({ connectionString: url });
await client.connect();
const counts = new Map();
let samples = 0;
const end = Date.now() + Number(secondsArg ?? 10) * 1000;
while (Date.now() < end) {
  const sockets = execFileSync('ss', ['-tnpH', 'state', 'established', '( dport = :5432 )']).toString();
  const ports = sockets
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => Number(l.trim().split(/\s+/)[2].split(':').pop()));
  if (ports.length > 0) {
    const { rows } = await client.query(
      `select state, coalesce(wait_event_type, '-') as type, coalesce(wait_event, '-') as event, left(query, 70) as query
       from pg_stat_activity where client_port = any($1)`,
      [ports],
    );
    samples++;
    for (const r of rows) {
      const key = `${r.state} ${r.type}/${r.event}${r.state === 'active' ? ` :: ${r.query}` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await client.end();
console.log(`${samples} samples`);
for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(String(n).padStart(6), key);
