/**
 * The Store, written once for SQLite and PostgreSQL: sqlite.ts and postgres.ts only connect and
 * hand over a Kysely instance. Transactions run their hooks here; the SQLite store also keeps
 * the official-account read cache (account-cache.ts).
 */
import { type Kysely, sql } from 'kysely';
import { OfficialAccountCache } from './account-cache.ts';
import { clearAppData } from './app-reset.ts';
import { SqlBrowse } from './browse.ts';
import { SqlBulkTransfer } from './bulk-transfer.ts';
import { checkFilesWritable, type StoreFile } from './files-writable.ts';
import { SqlReads } from './reads.ts';
import type { OutboxFilter } from './records.ts';
import type { Database } from './schema.ts';
import { OneStatementRunner, type SqlRunner, type StatementDatabase } from './sql/runner.ts';
import type { Dialect } from './sql/statement.ts';
import { SqlTx, type TxEffects } from './sql-tx.ts';
import type { Apps, Browse, ConnectionUse, Outbox, PresenceStore, Store, Tx } from './store.ts';
import * as apps from './tables/apps.ts';
import * as presence from './tables/presence.ts';
import * as outbox from './tables/webhook-outbox.ts';

/** Deadlock detected / serialization failure: the transaction was rolled back and can be run again. */
function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

const MAX_ATTEMPTS = 3;
/** Thrown to end checkWritable's transaction with a rollback. */
const ROLLED_BACK = Symbol('rolled back');

export class SqlStore implements Store {
  readonly reads: SqlReads;
  readonly outbox: Outbox;
  readonly apps: Apps;
  readonly transfer: SqlBulkTransfer;
  readonly browse: Browse;
  readonly presence: PresenceStore;
  private readonly effects: TxEffects;
  private readonly outboxListeners: (() => void)[] = [];

  constructor(
    readonly kind: Dialect,
    private readonly kysely: Kysely<Database>,
    readonly namespace: string,
    /** Read from the driver (SQLite) or the pool (PostgreSQL) that sqlite.ts / postgres.ts made. */
    readonly connectionUse: () => ConnectionUse,
    private readonly onClose: () => Promise<void>,
    /** The files the store writes (SQLite's database and WAL), for checkWritable. */
    private readonly files: readonly StoreFile[],
    /** Where the per-call statements run (store/README.md): straight on the driver of each store. */
    private readonly statements: StatementDatabase,
  ) {
    const cache = kind === 'sqlite' ? new OfficialAccountCache() : null;
    this.effects = {
      forgetAccounts: cache && ((keys) => cache.invalidate(keys)),
      outboxWritten: () => {
        for (const listener of this.outboxListeners) listener();
      },
    };
    const runner = statements.autocommit;
    this.reads = new SqlReads(runner, cache);
    this.presence = {
      add: (sdkappid, userId, connectionId, nodeId, platform) =>
        presence.add(runner, sdkappid, userId, connectionId, nodeId, platform),
      remove: (sdkappid, userId, connectionId) => presence.remove(runner, sdkappid, userId, connectionId),
      platforms: (sdkappid, userIds, now) => presence.platforms(runner, sdkappid, userIds, now),
      countUsers: (sdkappid, now) => presence.countUsers(runner, sdkappid, now),
      heartbeat: (nodeId, until) => presence.heartbeat(runner, nodeId, until),
      forgetDeadNodes: (now, alsoNode) => presence.forgetDeadNodes(runner, now, alsoNode),
    };
    this.transfer = new SqlBulkTransfer(kysely, kind, cache);
    this.browse = new SqlBrowse(kysely);
    this.apps = {
      list: () => apps.list(kysely),
      get: (sdkappid) => apps.get(kysely, sdkappid),
      put: (app) => apps.put(kysely, app),
      clearData: async (sdkappid, keepAccounts) => {
        const cleared = await clearAppData(kysely, sdkappid, keepAccounts);
        cache?.clear();
        return cleared;
      },
    };
    this.outbox = {
      claim: (now, leaseMs, limit) => outbox.claim(kysely, kind === 'postgres', now, leaseMs, limit),
      markDelivered: (id, at) => outbox.markDelivered(kysely, id, at),
      markFailed: (id, error, nextAttemptAt) => outbox.markFailed(kysely, id, error, nextAttemptAt),
      markCancelled: (id, reason) => outbox.markCancelled(kysely, id, reason),
      nextDue: () => outbox.nextDue(kysely),
      countPending: () => outbox.countPending(kysely),
      list: (filter: OutboxFilter) => outbox.list(kysely, filter),
      prune: (before) => outbox.prune(kysely, before),
      onEnqueued: (listener) => {
        this.outboxListeners.push(listener);
      },
    };
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.run(fn, (body) => this.statements.transaction(body));
  }

  oneStatement<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.run(fn, (body) => body(new OneStatementRunner(this.statements.autocommit)));
  }

  /** Runs `fn` on what `open` gives it, then its hooks; a deadlock victim runs again. */
  private async run<T>(
    fn: (tx: Tx) => Promise<T>,
    open: (body: (runner: SqlRunner) => Promise<T>) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let tx: SqlTx | undefined;
      let result: T;
      try {
        result = await open((runner) => {
          tx = new SqlTx(runner, this.effects);
          return fn(tx);
        });
      } catch (e) {
        // The original failure is what the caller sees; a failing rollback hook does not replace it.
        await tx?.settled(false);
        // PostgreSQL may pick this transaction as a deadlock victim; it is safe to run again.
        if (attempt < MAX_ATTEMPTS && isRetryable(e)) continue;
        throw e;
      }
      const hookFailure = await (tx as SqlTx).settled(true);
      if (hookFailure !== undefined) throw hookFailure;
      return result;
    }
  }

  async ping(): Promise<void> {
    await this.kysely.selectFrom('apps').select('sdkappid').limit(1).execute();
  }

  async checkWritable(): Promise<void> {
    await checkFilesWritable(this.files);
    try {
      await this.kysely.transaction().execute(async (trx) => {
        // Deletes nothing, yet needs what every write needs: SQLite's write lock (another
        // process may hold it), a read-write PostgreSQL session (a standby or a database set
        // read-only refuses) and the right to write.
        await trx.deleteFrom('apps').where(sql<boolean>`1 = 0`).execute();
        throw ROLLED_BACK;
      });
    } catch (e) {
      if (e !== ROLLED_BACK) throw new Error(`the database refuses writes (${e instanceof Error ? e.message : e})`);
    }
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
    await this.onClose();
  }
}
