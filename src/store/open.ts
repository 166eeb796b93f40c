import type { Store } from './store.ts';
import { openSqliteStore } from './sqlite.ts';

export interface StoreOptions {
  dataDir: string | null;
}

/** Opens the store the configuration selects. */
export function openStore(options: StoreOptions): Promise<Store> {
  return openSqliteStore(options.dataDir);
}
