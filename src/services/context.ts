import type { AppRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';

/** Per-official-account send limits; answers why a send is refused, or null to allow it. */
export interface SendLimiter {
  allow(app: AppRecord, officialAccountId: string): Promise<string | null>;
}

/** What a command runs with: the app and admin it runs for, the store, the clock and limits. */
export interface ServiceContext {
  app: AppRecord;
  operator: string;
  store: Store;
  sendLimits: SendLimiter;
  /** Unix seconds. */
  now(): number;
}
