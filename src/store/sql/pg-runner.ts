/**
 * Statements straight on node-postgres (the PostgreSQL store). Through Kysely's driver each one
 * cost about 90 µs more of Herald's CPU, and a transaction about 150 µs more (BENCHMARKS.md);
 * Kysely still builds and runs the queries off the per-call path, on the same pool. A statement
 * that carries a name (sql/statement.ts) goes out named: node-postgres prepares it once per
 * connection and afterwards only binds and executes it.
 */
import type pg from 'pg';
import { SqlRunner, type StatementDatabase, type StatementResult } from './runner.ts';
import type { Statement } from './statement.ts';

export class PgRunner extends SqlRunner {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {
    super('postgres');
  }

  async send<R>(statement: Statement, parameters: readonly unknown[]): Promise<StatementResult<R>> {
    const text = statement.text('postgres');
    const values = parameters as unknown[];
    const name = statement.postgresName;
    const result = await this.db.query(name === undefined ? { text, values } : { name, text, values });
    return { rows: result.rows as R[], changes: result.rowCount ?? 0 };
  }
}

/**
 * `begin`, the statements, `commit` on one pooled connection, as Kysely runs a transaction: a
 * COMMIT that PostgreSQL answers with ROLLBACK (an earlier error aborted the transaction) fails
 * the call, and a connection whose rollback failed is not given back to the pool.
 */
async function transaction<T>(pool: pg.Pool, fn: (runner: SqlRunner) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin');
    const result = await fn(new PgRunner(client));
    const done = await client.query('commit');
    if (done.command === 'ROLLBACK') throw new Error('the transaction was aborted by an earlier error and rolled back');
    return result;
  } catch (e) {
    try {
      await client.query('rollback');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw e;
  } finally {
    client.release(broken);
  }
}

export function pgStatements(pool: pg.Pool): StatementDatabase {
  return { autocommit: new PgRunner(pool), transaction: (fn) => transaction(pool, fn) };
}
