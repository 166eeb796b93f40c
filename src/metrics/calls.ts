/**
 * REST calls: how many, by service, command and answered ErrorCode, and how long they took. The
 * service and command come from the URL, so only the names of real commands become label values;
 * anything else is counted as `unknown`, which keeps the number of series bounded whatever
 * callers send.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export const UNKNOWN = 'unknown';

/** Seconds; REST calls run from well under a millisecond (a cached refusal) to a 2 s before-webhook. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The series of one service/command pair, made once; one per ErrorCode as they occur (the catalog bounds them). */
interface CommandSeries {
  duration: Histogram.Internal<'service' | 'command'>;
  byCode: Map<number, Counter.Internal>;
  service: string;
  command: string;
}

export class CallMetrics {
  private readonly total: Counter<'service' | 'command' | 'code'>;
  private readonly duration: Histogram<'service' | 'command'>;
  /** service → command → series: two map lookups per call and no string built. */
  private readonly known = new Map<string, Map<string, CommandSeries>>();
  private readonly unknownService: CommandSeries;

  constructor(registry: Registry, commands: Iterable<{ service: string; name: string }>) {
    this.total = new Counter({
      name: 'herald_calls_total',
      help: 'REST calls answered, by service, command and ErrorCode (unknown: not a command Herald has)',
      labelNames: ['service', 'command', 'code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'herald_call_duration_seconds',
      help: 'Time from the request to its answer, by service and command',
      labelNames: ['service', 'command'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
    for (const { service, name } of commands) {
      let byCommand = this.known.get(service);
      if (!byCommand) {
        byCommand = new Map([[UNKNOWN, this.series(service, UNKNOWN)]]);
        this.known.set(service, byCommand);
      }
      byCommand.set(name, this.series(service, name));
    }
    this.unknownService = this.series(UNKNOWN, UNKNOWN);
  }

  /** One answered call, as its access-log line has it. Bound, so it can be handed around as a function. */
  readonly observe = (service: string, command: string, code: number, ms: number): void => {
    const byCommand = this.known.get(service);
    const series = byCommand
      ? (byCommand.get(command) ?? (byCommand.get(UNKNOWN) as CommandSeries))
      : this.unknownService;
    let counter = series.byCode.get(code);
    if (counter === undefined) {
      counter = this.total.labels(series.service, series.command, String(code));
      series.byCode.set(code, counter);
    }
    counter.inc();
    series.duration.observe(ms / 1000);
  };

  private series(service: string, command: string): CommandSeries {
    return { duration: this.duration.labels(service, command), byCode: new Map(), service, command };
  }
}
