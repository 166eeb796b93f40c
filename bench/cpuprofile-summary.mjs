// Summarises a V8 .cpuprofile (e.g. from BENCH_HERALD_NODE_ARGS="--cpu-prof --cpu-prof-dir=.bench-data/prof"):
// self time by package and by function.   node bench/cpuprofile-summary.mjs <file.cpuprofile> [top=30]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/cpuprofile-summary.mjs <file.cpuprofile> [top]');
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});
const byPackage = new Map();
const byFunction = new Map();
const add = (map, key, t) => map.set(key, (map.get(key) ?? 0) + t);
for (const [id, t] of self) {
  const { functionName, url, lineNumber } = nodes.get(id).callFrame;
  const inModules = url.split('node_modules/')[1];
  const pkg = inModules
    ? inModules
        .split('/')
        .slice(0, inModules.startsWith('@') ? 2 : 1)
        .join('/')
    : url.startsWith('node:')
      ? `node:${url.slice(5).split('/')[0]}`
      : url.includes('/dist/')
        ? `herald dist/${url.split('/dist/')[1].split('/')[0]}`
        : functionName || '(native)';
  add(byPackage, pkg, t);
  add(
    byFunction,
    `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${lineNumber}`,
    t,
  );
}
const show = (map) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
console.log(
  `${(total / 1e6).toFixed(1)} s sampled\n-- self time by package\n${show(byPackage)}\n-- self time by function\n${show(byFunction)}`,
);
