/**
 * Process metrics (CPU, memory, event-loop lag, GC, handles) with Node's usual names, collected
 * once per process: they describe the process, not one server, and prom-client's collectors
 * (an event-loop delay monitor, a GC observer) cannot be stopped, so one per started server would
 * pile up in a process that starts many (tests).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

let registry: Registry | undefined;

export function processRegistry(): Registry {
  if (registry === undefined) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
