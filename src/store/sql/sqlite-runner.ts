/**
 * Statements straight on better-sqlite3 (the SQLite store), each run synchronously in its turn
 * on the one connection. Kysely's driver cost about 14 µs per statement here (a chain of promises
 * around a call that takes 3; `node --import tsx bench/statement-overhead.ts`), and a write
 * command runs three to five. The turns are the store's connection queue (sqlite.ts), which
 * Kysely's own queries wait in too, so a transaction never sees another caller's statement.
 */
import type { SqliteDatabase } from 'kysely';
import { SqlRunner, type StatementDatabase, type StatementResult } from './runner.ts';
import type { Statement } from './statement.ts';

/** The connection's queue: one holder at a time, in arrival order. */
export interface ConnectionTurns {
  /** Nobody holds the connection: a synchronous statement may run at once. */
  readonly free: boolean;
  acquire(): Promise<void>;
  release(): void;
}

/** better-sqlite3's answer to one statement, shaped as Kysely's SQLite driver shapes it. */
function execute<R>(db: SqliteDatabase, statement: Statement, parameters: readonly unknown[]): StatementResult<R> {
  const prepared = db.prepare(statement.text('sqlite'));
  if (prepared.reader) return { rows: prepared.all(parameters) as R[], changes: 0 };
  return { rows: [], changes: Number(prepared.run(parameters).changes) };
}

class SqliteRunner extends SqlRunner {
  /** `turns` null: the caller already holds the connection (inside a transaction). */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly turns: ConnectionTurns | null,
  ) {
    super('sqlite');
  }

  async send<R>(statement: Statement, parameters: readonly unknown[]): Promise<StatementResult<R>> {
    if (this.turns === null || this.turns.free) return execute<R>(this.db, statement, parameters);
    await this.turns.acquire();
    try {
      return execute<R>(this.db, statement, parameters);
    } finally {
      this.turns.release();
    }
  }
}

/**
 * A transaction takes the write lock when it begins. A deferred `begin` takes it at the first
 * write, and when another process (the CLI, a backup tool) has committed since this transaction's
 * first read, SQLite refuses that upgrade at once ("database is locked") instead of waiting out
 * busy_timeout. Herald's transactions are writes, and this process has the one connection.
 */
export const BEGIN = 'begin immediate';

/** `begin immediate`, the statements and `commit` in one turn. */
export function sqliteStatements(
  db: SqliteDatabase,
  turns: ConnectionTurns,
  inTransaction: () => boolean,
): StatementDatabase {
  const run = (sql: typeof BEGIN | 'commit' | 'rollback') => db.prepare(sql).run([]);
  return {
    autocommit: new SqliteRunner(db, turns),
    async transaction(fn) {
      await turns.acquire();
      try {
        run(BEGIN);
        try {
          const result = await fn(new SqliteRunner(db, null));
          run('commit');
          return result;
        } catch (e) {
          if (inTransaction()) run('rollback');
          throw e;
        }
      } finally {
        turns.release();
      }
    },
  };
}
