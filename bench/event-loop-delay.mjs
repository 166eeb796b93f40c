// Preload for a Herald child: prints the event-loop delay of every second to stderr (the child's
// log in .bench-data/logs/). Use:
//   BENCH_HERALD_NODE_ARGS="--import ./bench/event-loop-delay.mjs" npm run bench -- --servers sqlite --only add_subscriber_100
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
setInterval(() => {
  const ms = (ns) => (ns / 1e6).toFixed(1);
  process.stderr.write(
    `event-loop delay: max ${ms(histogram.max)} ms, p99 ${ms(histogram.percentile(99))} ms, mean ${ms(histogram.mean)} ms\n`,
  );
  histogram.reset();
}, 1000).unref();
