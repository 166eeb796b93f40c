/** GET /metrics: the registry in Prometheus' text format. */
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';

export const METRICS_PATH = '/metrics';

/** Serves the registries as one exposition (the process's and the server's). */
export function registerMetricsRoute(server: FastifyInstance, registries: Registry[]): void {
  server.get(METRICS_PATH, async (_request, reply) => {
    // Gauges that ask the store are read now, so a scrape sees the present.
    const texts = await Promise.all(registries.map((registry) => registry.metrics()));
    return reply.type(Registry.PROMETHEUS_CONTENT_TYPE).send(texts.join('\n'));
  });
}
