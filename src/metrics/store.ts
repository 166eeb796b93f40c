/**
 * The store's connections, read when scraped (no query): on PostgreSQL the node's pool (opened
 * lazily, up to HERALD_DATABASE_POOL_SIZE); on SQLite its one connection, which every query and
 * transaction takes in turn, so `waiting` is the queue in front of the database.
 */
import { Gauge, type Registry } from 'prom-client';
import type { ConnectionUse, Store } from '../store/store.ts';

export function registerStoreMetrics(registry: Registry, store: Pick<Store, 'connectionUse'>): void {
  const gauge = (name: string, help: string, read: (use: ConnectionUse) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(store.connectionUse()));
      },
    });
  gauge('herald_store_connections', 'Database connections open (SQLite: its one connection)', (use) => use.open);
  gauge('herald_store_idle_connections', 'Open database connections not running anything', (use) => use.idle);
  gauge(
    'herald_store_waiting_queries',
    'Queries and transactions waiting for a database connection',
    (use) => use.waiting,
  );
}
