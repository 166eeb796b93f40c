/**
 * The store interface. Services depend on this and nothing below it; the SQLite and
 * PostgreSQL implementations satisfy it. Every command runs its writes inside one
 * `transaction`, so a failed command leaves nothing behind.
 */
import type {
  AccountInput,
  AppRecord,
  MessageOutcome,
  MessageRecord,
  NewMessage,
  NewOfficialAccount,
  NewOutboxEvent,
  OfficialAccountChanges,
  OfficialAccountRecord,
  OutboxEvent,
  OutboxFilter,
  SubscriberEntry,
  SubscriptionRecord,
} from './records.ts';

export type RowLock = 'none' | 'share' | 'update';

/** Tables in dependency order, with their key columns (the order rows are exported in). */
export const TABLE_KEYS = {
  apps: ['sdkappid'],
  accounts: ['sdkappid', 'user_id'],
  official_accounts: ['sdkappid', 'id'],
  subscriptions: ['sdkappid', 'oa_id', 'user_id'],
  messages: ['sdkappid', 'oa_id', 'seq'],
  webhook_outbox: ['id'],
} as const;

export type TableName = keyof typeof TABLE_KEYS;
export const TABLES = Object.keys(TABLE_KEYS) as TableName[];

export interface StoreTx {
  // accounts
  upsertAccounts(sdkappid: number, accounts: readonly AccountInput[], now: number): Promise<void>;
  /**
   * The subset of `userIds` that are imported accounts of the app. Inside a transaction on
   * PostgreSQL, 'share' keeps them from being deleted until commit and 'update' claims them for
   * deletion (rows are locked in UserID order, so concurrent callers cannot deadlock).
   */
  existingAccounts(sdkappid: number, userIds: readonly string[], lock?: RowLock): Promise<Set<string>>;
  deleteAccounts(sdkappid: number, userIds: readonly string[]): Promise<void>;

  // official accounts
  /** The app's official accounts, counted row by row (checks and tests; creates use the slot counter). */
  countOfficialAccounts(sdkappid: number): Promise<number>;
  /**
   * Counts one more official account for the app unless it already has `max`: false then (the
   * 130010 cap). A conditional increment of a counter kept on the app row, so a create costs the
   * same with 10 or 100,000 accounts; on PostgreSQL it row-locks the app until commit, so it is
   * the create transaction's last statement.
   */
  takeOfficialAccountSlot(sdkappid: number, max: number): Promise<boolean>;
  /** Inserts the account; false when the ID is already taken (nothing written then). */
  insertOfficialAccount(sdkappid: number, account: NewOfficialAccount): Promise<boolean>;
  getOfficialAccounts(sdkappid: number, ids: readonly string[]): Promise<Map<string, OfficialAccountRecord>>;
  /**
   * Reads one account for a change; on PostgreSQL the row stays locked until the transaction
   * ends, which serialises writers of one account across nodes (SQLite serialises all writers).
   */
  lockOfficialAccount(sdkappid: number, id: string): Promise<OfficialAccountRecord | undefined>;
  updateOfficialAccount(sdkappid: number, id: string, changes: OfficialAccountChanges): Promise<void>;
  /** Removes the account with its subscriptions and messages; false when it did not exist. */
  deleteOfficialAccount(sdkappid: number, id: string): Promise<boolean>;

  // subscriptions
  /** The subset of `userIds` subscribed to the account. */
  subscribedAmong(sdkappid: number, officialAccountId: string, userIds: readonly string[]): Promise<Set<string>>;
  /** Subscribes new users (none may be subscribed yet) and raises SubscriberNum by as many. */
  addSubscribers(sdkappid: number, officialAccountId: string, userIds: readonly string[], now: number): Promise<void>;
  /** Unsubscribes users (all must be subscribed) and lowers SubscriberNum by as many. */
  removeSubscribers(sdkappid: number, officialAccountId: string, userIds: readonly string[]): Promise<void>;
  /**
   * Removes every subscription of these users, keeping each account's SubscriberNum right;
   * answers which users each account lost.
   */
  removeUserSubscriptions(sdkappid: number, userIds: readonly string[]): Promise<Map<string, string[]>>;
  getSubscription(sdkappid: number, officialAccountId: string, userId: string): Promise<SubscriptionRecord | undefined>;
  setSubscriptionCustomString(
    sdkappid: number,
    officialAccountId: string,
    userId: string,
    customString: string,
  ): Promise<void>;
  /** Subscribers in subscription order with sub_seq > afterSeq. */
  listSubscribers(
    sdkappid: number,
    officialAccountId: string,
    afterSeq: number,
    limit: number,
  ): Promise<SubscriberEntry[]>;
  countUserSubscriptions(sdkappid: number, userId: string): Promise<number>;
  /** A user's subscriptions in subscribe order, with the accounts they belong to. */
  listUserSubscriptions(
    sdkappid: number,
    userId: string,
    offset: number,
    limit: number,
  ): Promise<{ subscription: SubscriptionRecord; account: OfficialAccountRecord }[]>;

  // messages
  /** Takes the account's next message Seq and moves LastMsgTime to `time` (0: leave it); never repeats a Seq. */
  takeMessageSeq(sdkappid: number, officialAccountId: string, time: number): Promise<number>;
  insertMessage(sdkappid: number, message: NewMessage): Promise<void>;
  /** Settles a message that is still pending; false when it was not (already settled). */
  settleMessage(sdkappid: number, officialAccountId: string, seq: number, outcome: MessageOutcome): Promise<boolean>;
  /** Sends still pending (reserved, before-send webhook unanswered) that were made before `sentBefore`. */
  listPendingMessages(sentBefore: number, limit: number): Promise<{ sdkappid: number; message: MessageRecord }[]>;
  /** Moves LastMsgTime forward (never back). */
  touchLastMsgTime(sdkappid: number, officialAccountId: string, time: number): Promise<void>;
  /** A message of the account (in any state) with this Random and content hash sent at or after `since`. */
  findDuplicateMessage(
    sdkappid: number,
    officialAccountId: string,
    random: number,
    contentHash: string,
    since: number,
  ): Promise<MessageRecord | undefined>;
  /** History, newest first, Seq below `beforeSeq` (all when null); online-only messages are never listed. */
  listMessages(
    sdkappid: number,
    officialAccountId: string,
    beforeSeq: number | null,
    limit: number,
    withRecalled: boolean,
  ): Promise<MessageRecord[]>;
  getMessages(
    sdkappid: number,
    officialAccountId: string,
    seqs: readonly number[],
  ): Promise<Map<number, MessageRecord>>;
  markRecalled(
    sdkappid: number,
    officialAccountId: string,
    seqs: readonly number[],
    reason: string,
    time: number,
  ): Promise<void>;

  // webhooks
  /** Writes an "after" event to the outbox; it commits (or not) with the change it reports. */
  enqueueWebhook(event: NewOutboxEvent): Promise<void>;
}

/** The durable outbox as the dispatcher sees it. Times are Unix milliseconds. */
export interface OutboxStore {
  /**
   * Takes up to `limit` due events, each the oldest pending event of its account, that no other
   * dispatcher holds, and holds them until `now + leaseMs`.
   */
  claimWebhooks(now: number, leaseMs: number, limit: number): Promise<OutboxEvent[]>;
  markWebhookDelivered(id: number, at: number): Promise<void>;
  markWebhookFailed(id: number, error: string, nextAttemptAt: number): Promise<void>;
  markWebhookCancelled(id: number, reason: string): Promise<void>;
  /** When the next pending event falls due (null when none is pending). */
  nextWebhookDue(): Promise<number | null>;
  listWebhooks(filter: OutboxFilter): Promise<OutboxEvent[]>;
  /** Deletes delivered and cancelled events older than `before`; answers how many. */
  pruneWebhooks(before: number): Promise<number>;
}

export interface Store extends StoreTx, OutboxStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Runs `fn` in one transaction; a throw rolls everything back. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;

  listApps(): Promise<AppRecord[]>;
  getApp(sdkappid: number): Promise<AppRecord | undefined>;
  /** Inserts the app, or replaces every setting of an existing one. */
  putApp(app: AppRecord): Promise<void>;

  /** Called after a transaction that wrote outbox events commits (the dispatcher's doorbell). */
  onWebhookEnqueued(listener: () => void): void;

  // bulk transfer (herald export / import)
  /** Every row of a table in key order, read in pages so memory stays flat. */
  exportRows(table: TableName, pageSize?: number): AsyncIterable<Record<string, unknown>>;
  /** Inserts raw rows (as exportRows gives them) in one transaction. */
  importRows(table: TableName, rows: readonly Record<string, unknown>[]): Promise<void>;
  countRows(table: TableName): Promise<number>;
  /** Empties a table: only for undoing a failed import into a store that was empty. */
  deleteAllRows(table: TableName): Promise<void>;
  /**
   * After a bulk import: generated ids continue after the largest imported one, and counters
   * kept beside the rows (each app's official-account count) are recounted from them.
   */
  finishImport(): Promise<void>;

  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
