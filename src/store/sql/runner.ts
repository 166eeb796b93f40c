/**
 * Runs hand-written statements (statement.ts) on a Kysely database or transaction, so they share
 * Kysely's connection handling and transactions with the queries it builds.
 */
import { CompiledQuery, type Kysely, type QueryResult, type Transaction } from 'kysely';
import type { Database } from '../schema.ts';
import type { Dialect, JsonRowsPair, JsonRowsStatement, Statement } from './statement.ts';

export type Db = Kysely<Database> | Transaction<Database>;

export class SqlRunner {
  constructor(
    readonly db: Db,
    readonly dialect: Dialect,
  ) {}

  private execute<R>(statement: Statement, parameters: readonly unknown[]): Promise<QueryResult<R>> {
    if (parameters.length !== statement.arity) {
      throw new Error(`${statement.name} takes ${statement.arity} parameters, got ${parameters.length}`);
    }
    return this.db.executeQuery<R>(CompiledQuery.raw(statement.text(this.dialect), parameters as unknown[]));
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
    return Number((await this.execute(statement, parameters)).numAffectedRows ?? 0n);
  }
}
