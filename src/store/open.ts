import type { Store } from './store.ts';
import { openPostgresStore } from './postgres.ts';
import { openSqliteStore } from './sqlite.ts';

export interface StoreOptions {
  /** Directory of the SQLite database (null: in memory). Ignored when databaseUrl is set. */
  dataDir: string | null;
  /** postgres://… selects PostgreSQL. */
  databaseUrl?: string | null | undefined;
  poolSize?: number | undefined;
  statementTimeoutMs?: number | undefined;
  /** SQLite: open only a database that exists, creating nothing (commands that only read). */
  mustExist?: boolean | undefined;
}

/** Opens the store the configuration selects. */
export function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    return openPostgresStore({
      url: options.databaseUrl,
      poolSize: options.poolSize,
      statementTimeoutMs: options.statementTimeoutMs,
    });
  }
  return openSqliteStore(options.dataDir, { mustExist: options.mustExist === true });
}
