/**
 * What services may ask of a store. Every change runs inside `transaction()`, whose `Tx` is the
 * only way to write rows; outside a transaction there is a short, named list of reads. The
 * outbox (for the dispatcher), apps (for start-up and the CLI) and bulk transfer (export/import)
 * are separate surfaces. How each path runs its SQL: src/store/README.md.
 */
import type {
  AccountInput,
  AccountRecord,
  AppCounts,
  AppRecord,
  BrowseQuery,
  MessageOutcome,
  MsgFlag,
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
import type { ClearedAppData } from './app-reset.ts';
import type { Dialect } from './sql/statement.ts';
import type { RowLock } from './tables/accounts.ts';
import type { TableName } from './schema.ts';

export type { RowLock } from './tables/accounts.ts';
export type { ClearedAppData } from './app-reset.ts';
export type { Dialect } from './sql/statement.ts';
export { TABLES, type TableName } from './schema.ts';

/** Work to run once the transaction has committed, or rolled back. */
export type TxHook = () => void | Promise<void>;

/** One transaction: everything written through it commits together or not at all. */
export interface Tx {
  /** Runs `hook` after a successful commit (e.g. ring a doorbell for what was written). */
  onCommit(hook: TxHook): void;
  /** Runs `hook` after a rollback (e.g. give back what was charged for the attempt). */
  onRollback(hook: TxHook): void;

  // accounts
  upsertAccounts(sdkappid: number, accounts: readonly AccountInput[], now: number): Promise<void>;
  /**
   * The subset of `userIds` that are imported accounts of the app. On PostgreSQL, 'share' keeps
   * them from being deleted until commit and 'update' claims them for deletion.
   */
  existingAccounts(sdkappid: number, userIds: readonly string[], lock?: RowLock): Promise<Set<string>>;
  deleteAccounts(sdkappid: number, userIds: readonly string[]): Promise<void>;
  /** Voids the user's UserSigs issued before `time` (kick); false when the user is not imported. */
  setSigNotBefore(sdkappid: number, userId: string, time: number): Promise<boolean>;

  // official accounts
  /** One more official account for the app unless it has `max` already (false: the 130010 cap). */
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
  subscribedAmong(sdkappid: number, officialAccountId: string, userIds: readonly string[]): Promise<Set<string>>;
  /**
   * Subscribes new users (none may be subscribed yet) and raises SubscriberNum by as many; answers
   * the timeline version they receive after.
   */
  addSubscribers(sdkappid: number, officialAccountId: string, userIds: readonly string[], now: number): Promise<number>;
  /** Unsubscribes users and lowers SubscriberNum by as many as were subscribed. */
  removeSubscribers(sdkappid: number, officialAccountId: string, userIds: readonly string[]): Promise<void>;
  /** Removes every subscription of these users, keeping each SubscriberNum right; answers who each account lost. */
  removeUserSubscriptions(sdkappid: number, userIds: readonly string[]): Promise<Map<string, string[]>>;
  getSubscription(sdkappid: number, officialAccountId: string, userId: string): Promise<SubscriptionRecord | undefined>;
  /** The receive option; from Discard back to receiving, the subscriber's timeline starts anew at `version`. */
  setSubscriptionMsgFlag(
    sdkappid: number,
    officialAccountId: string,
    userId: string,
    flag: MsgFlag,
    version: number,
  ): Promise<void>;
  setSubscriptionCustomString(
    sdkappid: number,
    officialAccountId: string,
    userId: string,
    customString: string,
  ): Promise<void>;
  countUserSubscriptions(sdkappid: number, userId: string): Promise<number>;
  /** A user's subscriptions in subscribe order, with the accounts they belong to. */
  listUserSubscriptions(
    sdkappid: number,
    userId: string,
    offset: number,
    limit: number,
  ): Promise<{ subscription: SubscriptionRecord; account: OfficialAccountRecord }[]>;

  // messages
  /**
   * Takes the account's next message Seq. With `sentAt` the message is visible at once: it also
   * takes a timeline version and moves LastMsgTime; with null it waits for markMessageSent.
   * Locks the account's row like lockOfficialAccount; undefined when there is no such account.
   */
  takeMessageSeq(
    sdkappid: number,
    officialAccountId: string,
    sentAt: number | null,
  ): Promise<{ seq: number; version: number } | undefined>;
  insertMessage(sdkappid: number, message: NewMessage): Promise<void>;
  /** Settles a message that is still pending; false when it was not (already settled). */
  settleMessage(sdkappid: number, officialAccountId: string, seq: number, outcome: MessageOutcome): Promise<boolean>;
  /** A settled message became visible: it takes a timeline version, LastMsgTime moves forward; answers the version. */
  markMessageSent(sdkappid: number, officialAccountId: string, seq: number, time: number): Promise<number>;
  findDuplicateMessage(
    sdkappid: number,
    officialAccountId: string,
    random: number,
    contentHash: string,
    since: number,
  ): Promise<MessageRecord | undefined>;
  getMessages(
    sdkappid: number,
    officialAccountId: string,
    seqs: readonly number[],
  ): Promise<Map<number, MessageRecord>>;
  /** Recalls messages, each taking a timeline version; answers the last version taken. */
  markRecalled(
    sdkappid: number,
    officialAccountId: string,
    seqs: readonly number[],
    reason: string,
    time: number,
  ): Promise<number>;

  // webhooks
  /** Writes an "after" event to the outbox; it commits (or not) with the change it reports. */
  enqueueWebhook(event: NewOutboxEvent): Promise<void>;
}

/**
 * Reads that run outside any transaction, each one statement on its own: checks made before a
 * "before" webhook is asked, pages that one statement reads whole, and background scans.
 */
export interface Reads extends Pick<Tx, 'subscribedAmong' | 'getMessages'> {
  /**
   * Cached on SQLite, where this process is the file's one writer: a row is dropped from memory
   * when a transaction that wrote it commits. Read through on PostgreSQL (other nodes write too).
   */
  officialAccountsCached(sdkappid: number, ids: readonly string[]): Promise<Map<string, OfficialAccountRecord>>;
  /**
   * Subscribers in subscription order with sub_seq > afterSeq, and their account (undefined when
   * there is none), read in one statement: the page and SubscriberNum agree.
   */
  subscriberPage(
    sdkappid: number,
    officialAccountId: string,
    afterSeq: number,
    limit: number,
  ): Promise<{ account: OfficialAccountRecord | undefined; subscribers: SubscriberEntry[] }>;
  /**
   * History, newest first, Seq below `beforeSeq` (all when null), online-only messages never
   * listed; with the account (undefined when there is none), read in one statement.
   */
  historyPage(
    sdkappid: number,
    officialAccountId: string,
    beforeSeq: number | null,
    limit: number,
    withRecalled: boolean,
  ): Promise<{ account: OfficialAccountRecord | undefined; messages: MessageRecord[] }>;
  /** The subset of `userIds` that are imported accounts of the app (no row locks outside a transaction). */
  existingAccounts(sdkappid: number, userIds: readonly string[]): Promise<Set<string>>;
  /** null when the user is not imported; else the time before which their UserSigs are void. */
  loginState(sdkappid: number, userId: string): Promise<{ sigNotBefore: number } | null>;
  /** What subscribers must be told after `afterVersion`: messages that became visible or were recalled, oldest first. */
  timelineChanges(
    sdkappid: number,
    officialAccountId: string,
    afterVersion: number,
    limit: number,
  ): Promise<MessageRecord[]>;
  /** Every subscription of the user with its account, read in one statement. */
  subscriptionsOfUser(
    sdkappid: number,
    userId: string,
  ): Promise<{ subscription: SubscriptionRecord; account: OfficialAccountRecord }[]>;
  /** The timeline versions of these accounts (those that exist). */
  accountVersions(sdkappid: number, ids: readonly string[]): Promise<Map<string, number>>;
  /** Sends still pending (before-send webhook unanswered) made before `sentBefore`, in every app. */
  pendingMessages(sentBefore: number, limit: number): Promise<{ sdkappid: number; message: MessageRecord }[]>;
}

/** The durable outbox as the dispatcher and the inspection API see it. Times are Unix milliseconds. */
export interface Outbox {
  /** Takes up to `limit` due events, each the oldest pending one of its account, and leases them. */
  claim(now: number, leaseMs: number, limit: number): Promise<OutboxEvent[]>;
  markDelivered(id: number, at: number): Promise<void>;
  markFailed(id: number, error: string, nextAttemptAt: number): Promise<void>;
  markCancelled(id: number, reason: string): Promise<void>;
  /** When the next pending event falls due (null when none is pending). */
  nextDue(): Promise<number | null>;
  /** How many events wait for delivery (one count over the pending index). */
  countPending(): Promise<number>;
  list(filter: OutboxFilter): Promise<OutboxEvent[]>;
  /** Deletes delivered and cancelled events older than `before`; answers how many. */
  prune(before: number): Promise<number>;
  /** Called after a transaction that wrote outbox events commits (the dispatcher's doorbell). */
  onEnqueued(listener: () => void): void;
}

export interface Apps {
  list(): Promise<AppRecord[]>;
  get(sdkappid: number): Promise<AppRecord | undefined>;
  /** Inserts the app, or replaces every setting of an existing one. */
  put(app: AppRecord): Promise<void>;
  /** Empties the app's data in one transaction, keeping the app and `keepAccounts` (its admins). */
  clearData(sdkappid: number, keepAccounts: readonly string[]): Promise<ClearedAppData>;
}

/**
 * Listings and counts for the web console and herald_admin's browsing commands: rare and off the
 * per-call path, so built with Kysely. Pages are keyset-paged on the key, in the database's order.
 */
export interface Browse {
  accounts(query: BrowseQuery): Promise<AccountRecord[]>;
  officialAccounts(query: BrowseQuery): Promise<OfficialAccountRecord[]>;
  counts(sdkappid: number): Promise<AppCounts>;
}

/**
 * Open subscriber connections of every node sharing this database (used when the nodes share no
 * Redis). Times are Unix milliseconds. Not exported: connections do not outlive their node.
 */
export interface PresenceStore {
  add(sdkappid: number, userId: string, connectionId: string, nodeId: string, platform: string): Promise<void>;
  remove(sdkappid: number, userId: string, connectionId: string): Promise<void>;
  /** Per user, the platforms of their connections on nodes alive at `now`. */
  platforms(sdkappid: number, userIds: readonly string[], now: number): Promise<Map<string, string[]>>;
  /** How many users of the app have a connection on a node alive at `now`. */
  countUsers(sdkappid: number, now: number): Promise<number>;
  /** The node is alive until `until`. */
  heartbeat(nodeId: string, until: number): Promise<void>;
  /** Forgets nodes (and their connections) that stopped renewing before `now`, and `alsoNode`. */
  forgetDeadNodes(now: number, alsoNode?: string): Promise<void>;
}

/** Whole tables in and out (herald export / import). */
export interface BulkTransfer {
  /** Every row of a table in key order, read in pages so memory stays flat. */
  exportRows(table: TableName, pageSize?: number): AsyncIterable<Record<string, unknown>>;
  /** Inserts raw rows (as exportRows gives them) in one transaction. */
  importRows(table: TableName, rows: readonly Record<string, unknown>[]): Promise<void>;
  countRows(table: TableName): Promise<number>;
  /** Empties a table: only for undoing a failed import into a store that was empty. */
  deleteAllRows(table: TableName): Promise<void>;
  /** After an import: generated ids continue after the largest imported one; counters are recounted. */
  finishImport(): Promise<void>;
}

/**
 * The connections queries run on: PostgreSQL's pool, or SQLite's one connection (open 1), whose
 * callers wait their turn in a queue.
 */
export interface ConnectionUse {
  open: number;
  idle: number;
  /** Queries and transactions waiting for a connection. */
  waiting: number;
}

export interface Store {
  readonly kind: Dialect;
  /**
   * What tells this deployment's data apart from another's on shared infrastructure (a SQLite
   * file; a PostgreSQL database and schema): nodes with the same namespace serve the same data.
   */
  readonly namespace: string;
  /**
   * Runs `fn` in one transaction; a throw rolls everything back. A PostgreSQL deadlock victim is
   * run again (at most three attempts), so `fn` must not have effects outside the transaction
   * except through onCommit/onRollback hooks.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * As `transaction`, for a change that is one statement: it runs on its own (a statement is
   * atomic), without begin and commit around it (two round trips fewer on PostgreSQL). A second
   * statement is refused with an error before it runs.
   */
  oneStatement<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  readonly reads: Reads;
  readonly outbox: Outbox;
  readonly apps: Apps;
  readonly transfer: BulkTransfer;
  readonly browse: Browse;
  readonly presence: PresenceStore;
  /** How the store's connections are used right now, without asking the database. */
  connectionUse(): ConnectionUse;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  /**
   * Throws, saying why, unless a write would go through now: the store's files can be written
   * and the database grants a write (nothing is written: the probe is rolled back).
   */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}
