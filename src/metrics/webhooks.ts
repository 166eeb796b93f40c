/**
 * Webhooks: how "after" deliveries end (counted by the dispatcher), how many events wait in the
 * outbox (counted in the store when scraped, since other nodes write and deliver too), and the
 * synchronous "before" calls, which hold up the REST call that asked.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Outbox } from '../store/store.ts';
import type { DeliveryResult } from '../webhooks/dispatcher.ts';

const RESULTS: readonly DeliveryResult[] = ['ok', 'retry', 'failed', 'cancelled'];

/** Seconds; a before-webhook may take up to its timeout (2 s by default, at most 60 s). */
const BEFORE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

export class WebhookMetrics {
  private readonly deliveries: Record<DeliveryResult, Counter.Internal>;
  private readonly beforeOk: Counter.Internal;
  private readonly beforeFailed: Counter.Internal;
  private readonly beforeDuration: Histogram;

  constructor(registry: Registry, outbox: Pick<Outbox, 'countPending'>) {
    const deliveries = new Counter({
      name: 'herald_webhook_deliveries_total',
      help: 'After-webhook delivery attempts, by result: ok, retry (failed, tried again), failed (given up), cancelled',
      labelNames: ['result'],
      registers: [registry],
    });
    // Every result is shown from the start (at 0), so a rate over the first failure is right.
    this.deliveries = Object.fromEntries(RESULTS.map((r) => [r, deliveries.labels(r)])) as typeof this.deliveries;
    for (const child of Object.values(this.deliveries)) child.inc(0);

    new Gauge({
      name: 'herald_webhook_outbox_pending',
      help: 'After-webhook events waiting for delivery in the store (all nodes); NaN when the store did not answer',
      registers: [registry],
      async collect() {
        try {
          this.set(await outbox.countPending());
        } catch {
          this.set(Number.NaN);
        }
      },
    });

    const before = new Counter({
      name: 'herald_webhook_before_calls_total',
      help: 'Before-webhook calls, by result: ok (the app answered) or failed (timeout, HTTP error, not JSON)',
      labelNames: ['result'],
      registers: [registry],
    });
    this.beforeOk = before.labels('ok');
    this.beforeFailed = before.labels('failed');
    this.beforeOk.inc(0);
    this.beforeFailed.inc(0);
    this.beforeDuration = new Histogram({
      name: 'herald_webhook_before_duration_seconds',
      help: 'How long before-webhook calls took',
      buckets: BEFORE_BUCKETS,
      registers: [registry],
    });
  }

  /** The dispatcher's report of one delivery attempt. */
  readonly delivered = (result: DeliveryResult): void => {
    this.deliveries[result].inc();
  };

  /** The gateway's report of one before-webhook call. */
  readonly beforeCall = (ok: boolean, seconds: number): void => {
    (ok ? this.beforeOk : this.beforeFailed).inc();
    this.beforeDuration.observe(seconds);
  };
}
