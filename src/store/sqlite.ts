/**
 * The embedded store: better-sqlite3 in WAL mode. WAL with synchronous=NORMAL survives a
 * crash or SIGKILL of Herald without losing an acknowledged write (a power loss may drop the
 * last few transactions; docs/reliability.md). One connection serves: SQLite serialises writers
 * anyway and Kysely's driver queues transactions on it. A second one, on a worker thread, only
 * checkpoints the WAL (sqlite-checkpointer.ts).
 */
import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  Kysely,
  SqliteAdapter,
  SqliteDriver,
  CompiledQuery,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type SqliteDatabase,
  type SqliteStatement,
} from 'kysely';
import type { Database as Schema } from './schema.ts';
import { SqlStore } from './sql-store.ts';
import { migrateToLatest } from './migrations.ts';
import { BackgroundCheckpointer } from './sqlite-checkpointer.ts';
import { BEGIN, type ConnectionTurns, sqliteStatements } from './sql/sqlite-runner.ts';
import type { ConnectionUse } from './store.ts';

export const SQLITE_FILE = 'herald.sqlite';

/**
 * Opens (creating if needed, unless `mustExist`) the database in `dataDir`, or an in-memory one
 * for null.
 */
export async function openSqliteStore(
  dataDir: string | null,
  options: { mustExist?: boolean } = {},
): Promise<SqlStore> {
  let file = ':memory:';
  if (dataDir !== null) {
    if (!options.mustExist) mkdirSync(dataDir, { recursive: true });
    file = join(dataDir, SQLITE_FILE);
  }
  const sqlite = new Database(file, { fileMustExist: options.mustExist === true });
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    // Another process (the CLI) may hold the write lock for a moment; wait instead of failing.
    sqlite.pragma('busy_timeout = 5000');
  } catch (error) {
    // Not a database, or damaged: the first read of its header says so.
    sqlite.close();
    throw error;
  }
  const checkpointer = dataDir === null ? null : BackgroundCheckpointer.start(file, sqlite);
  const database = withStatementCache(sqlite);
  const driver = new FairSqliteDriver(database, checkpointer);
  const kysely = new Kysely<Schema>({ dialect: fairSqliteDialect(driver) });
  try {
    await migrateToLatest(kysely as Kysely<unknown>, 'sqlite');
  } catch (error) {
    await kysely.destroy();
    throw error;
  }
  // A file has one serving process; an in-memory store is this process's alone.
  return new SqlStore(
    'sqlite',
    kysely,
    file === ':memory:' ? `sqlite:memory:${randomUUID()}` : `sqlite:${resolve(file)}`,
    () => driver.use(),
    async () => {},
    file === ':memory:'
      ? []
      : [
          { path: resolve(file), required: true },
          { path: `${resolve(file)}-wal`, required: false },
        ],
    sqliteStatements(database, driver, () => sqlite.inTransaction),
  );
}

/**
 * Kysely prepares every query it runs; preparing is a large share of a small query's cost in
 * better-sqlite3. Herald's queries come from a fixed set of shapes, so prepared statements are
 * kept by SQL text (bounded, in case of shapes built from long IN lists).
 */
function withStatementCache(sqlite: Database.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = sqlite.prepare(sql) as unknown as SqliteStatement;
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

/**
 * Callers take turns on the one connection in arrival order. Kysely's own SqliteDriver guards it
 * with a lock that wakes every waiter on release and lets whichever runs first (or a newcomer)
 * take it, so under many concurrent writers one caller could be passed over again and again.
 * Here a FIFO queue hands the connection to the longest waiter, so Kysely's inner lock is never
 * contended. (It did not change the add_subscriber latency tail in BENCHMARKS.md, which arises
 * outside the request handler; it removes a way to starve that the code made possible.)
 */
class FairSqliteDriver extends SqliteDriver implements ConnectionTurns {
  private readonly waiting: (() => void)[] = [];
  private held = false;

  constructor(
    database: SqliteDatabase,
    private readonly checkpointer: BackgroundCheckpointer | null,
  ) {
    super({ database });
  }

  get free(): boolean {
    return !this.held;
  }

  /** Waits for the connection (the store's own statements take their turns here too: sql/sqlite-runner.ts). */
  async acquire(): Promise<void> {
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.held = true;
  }

  release(): void {
    const next = this.waiting.shift();
    // Handed over while still held: nobody can slip in between.
    if (next) next();
    else this.held = false;
  }

  /** Kysely's transactions (the outbox, import, reset) take the write lock at once too. */
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(BEGIN));
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.acquire();
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.release();
  }

  /** The one connection, and the callers queued for it. */
  use(): ConnectionUse {
    return { open: 1, idle: this.held ? 0 : 1, waiting: this.waiting.length };
  }

  override async destroy(): Promise<void> {
    await this.checkpointer?.stop();
    await super.destroy();
  }
}

function fairSqliteDialect(driver: FairSqliteDriver): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => driver,
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}
