/**
 * The store interface. Services depend on this and nothing below it; the SQLite and
 * PostgreSQL implementations satisfy it. Every command runs its writes inside one
 * `transaction`, so a failed command leaves nothing behind.
 */
import type { AccountInput, AppRecord, NewOfficialAccount, OfficialAccountRecord } from './records.ts';

export interface StoreTx {
  // accounts
  upsertAccounts(sdkappid: number, accounts: readonly AccountInput[], now: number): Promise<void>;
  /** The subset of `userIds` that are imported accounts of the app. */
  existingAccounts(sdkappid: number, userIds: readonly string[]): Promise<Set<string>>;
  deleteAccounts(sdkappid: number, userIds: readonly string[]): Promise<void>;

  // official accounts
  countOfficialAccounts(sdkappid: number): Promise<number>;
  /** Inserts the account; false when the ID is already taken (nothing written then). */
  insertOfficialAccount(sdkappid: number, account: NewOfficialAccount): Promise<boolean>;
  getOfficialAccounts(sdkappid: number, ids: readonly string[]): Promise<Map<string, OfficialAccountRecord>>;
}

export interface Store extends StoreTx {
  readonly kind: 'sqlite' | 'postgres';
  /** Runs `fn` in one transaction; a throw rolls everything back. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;

  listApps(): Promise<AppRecord[]>;
  getApp(sdkappid: number): Promise<AppRecord | undefined>;
  /** Inserts the app, or replaces every setting of an existing one. */
  putApp(app: AppRecord): Promise<void>;

  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
