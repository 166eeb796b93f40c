/**
 * Statements on a Kysely database or transaction (the SQLite store): they share Kysely's one
 * connection, its queue and its transactions with the queries Kysely builds.
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../schema.ts';
import { SqlRunner, type StatementDatabase, type StatementResult } from './runner.ts';
import type { Dialect, Statement } from './statement.ts';

export class KyselyRunner extends SqlRunner {
  constructor(
    private readonly db: Kysely<Database> | Transaction<Database>,
    dialect: Dialect,
  ) {
    super(dialect);
  }

  async send<R>(statement: Statement, parameters: readonly unknown[]): Promise<StatementResult<R>> {
    const result = await this.db.executeQuery<R>(
      CompiledQuery.raw(statement.text(this.dialect), parameters as unknown[]),
    );
    return { rows: result.rows as R[], changes: Number(result.numAffectedRows ?? 0n) };
  }
}

export function kyselyStatements(kysely: Kysely<Database>, dialect: Dialect): StatementDatabase {
  return {
    autocommit: new KyselyRunner(kysely, dialect),
    transaction: (fn) => kysely.transaction().execute((trx) => fn(new KyselyRunner(trx, dialect))),
  };
}
