/**
 * Runs hand-written statements (statement.ts): checks each call's parameters against the
 * statement and shapes what comes back. Where they run is the subclass's business: straight on
 * better-sqlite3 in the connection's turn (sqlite-runner.ts) or on node-postgres (pg-runner.ts).
 */
import type { Dialect, JsonRowsPair, JsonRowsStatement, Statement } from './statement.ts';

/** A statement's rows, and for a write how many rows it changed. */
export interface StatementResult<R> {
  rows: R[];
  changes: number;
}

export abstract class SqlRunner {
  constructor(readonly dialect: Dialect) {}

  /** Sends the statement's text for this dialect with these parameters (unchecked: callers use the methods below). */
  abstract send<R>(statement: Statement, parameters: readonly unknown[]): Promise<StatementResult<R>>;

  private execute<R>(statement: Statement, parameters: readonly unknown[]): Promise<StatementResult<R>> {
    if (parameters.length !== statement.arity) {
      throw new Error(`${statement.name} takes ${statement.arity} parameters, got ${parameters.length}`);
    }
    return this.send<R>(statement, parameters);
  }

  async rows<R>(statement: Statement, parameters: readonly unknown[]): Promise<R[]> {
    return (await this.execute<R>(statement, parameters)).rows;
  }

  /** Rows of a statement that reads them as one JSON value. */
  async jsonRows<R>(statement: JsonRowsStatement, parameters: readonly unknown[]): Promise<R[]> {
    const result = await this.execute<{ rows: unknown }>(statement, parameters);
    return statement.decode<R>(result.rows[0]?.rows);
  }

  /** The rows of both statements of a pair, from its one round trip. */
  async jsonRowsPair<A, B>(statement: JsonRowsPair, parameters: readonly unknown[]): Promise<[A[], B[]]> {
    const result = await this.execute<{ first_rows: unknown; second_rows: unknown }>(statement, parameters);
    const row = result.rows[0];
    return [statement.first.decode<A>(row?.first_rows), statement.second.decode<B>(row?.second_rows)];
  }

  /** Runs a write; answers how many rows it changed. */
  async changes(statement: Statement, parameters: readonly unknown[]): Promise<number> {
    return (await this.execute(statement, parameters)).changes;
  }
}

/** Where per-call statements run: in autocommit, or all of `fn` in one transaction on one connection. */
export interface StatementDatabase {
  readonly autocommit: SqlRunner;
  transaction<T>(fn: (runner: SqlRunner) => Promise<T>): Promise<T>;
}

/**
 * A runner that lets one statement through, on `inner`: what a one-statement change runs on in
 * autocommit. A second statement would run outside any transaction with the first, so it fails.
 */
export class OneStatementRunner extends SqlRunner {
  private used = false;

  constructor(private readonly inner: SqlRunner) {
    super(inner.dialect);
  }

  send<R>(statement: Statement, parameters: readonly unknown[]): Promise<StatementResult<R>> {
    if (this.used) throw new Error(`${statement.name}: a one-statement change ran a second statement`);
    this.used = true;
    return this.inner.send<R>(statement, parameters);
  }
}
