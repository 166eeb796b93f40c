/**
 * One Herald server's metrics: a registry of its own (several servers may share a process, so
 * prom-client's global registry is never used), the observers the other layers are given, and
 * the route that serves them. Made by startHerald() only when HERALD_METRICS is on.
 */
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { Store } from '../store/store.ts';
import { CallMetrics } from './calls.ts';
import { processRegistry } from './process.ts';
import { registerMetricsRoute } from './route.ts';
import { registerStoreMetrics } from './store.ts';
import { SubscriberMetrics } from './subscribers.ts';
import { WebhookMetrics } from './webhooks.ts';

export interface MetricsDeps {
  store: Pick<Store, 'outbox' | 'connectionUse'>;
  /** Every REST command (service and name): the only values the call labels take besides `unknown`. */
  commands: Iterable<{ service: string; name: string }>;
}

export class HeraldMetrics {
  readonly registry = new Registry();
  readonly calls: CallMetrics;
  readonly webhooks: WebhookMetrics;
  readonly subscribers: SubscriberMetrics;

  constructor(deps: MetricsDeps) {
    // Collected in this order on a scrape: the connections are read before the outbox count
    // takes one of them.
    registerStoreMetrics(this.registry, deps.store);
    this.calls = new CallMetrics(this.registry, deps.commands);
    this.webhooks = new WebhookMetrics(this.registry, deps.store.outbox);
    this.subscribers = new SubscriberMetrics(this.registry);
  }

  /** Serves GET /metrics on the server (before it listens). */
  serve(server: FastifyInstance): void {
    registerMetricsRoute(server, [processRegistry(), this.registry]);
  }
}
