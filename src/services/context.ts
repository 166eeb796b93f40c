import type { AppRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';

/** What a command runs with: the app and admin it runs for, the store, and the clock. */
export interface ServiceContext {
  app: AppRecord;
  operator: string;
  store: Store;
  /** Unix seconds. */
  now(): number;
}
