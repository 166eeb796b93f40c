/**
 * The PostgreSQL store, for several Herald nodes sharing one database: node-postgres pool, the
 * per-call statements straight on it (sql/pg-runner.ts), the same Kysely queries as SQLite off the
 * per-call path, and the same migrations (Kysely takes an advisory lock, so
 * nodes starting at once apply each migration once). Row locks (`FOR UPDATE`) serialise writers
 * of one official account across nodes; the outbox is claimed with `FOR UPDATE SKIP LOCKED`.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { pgStatements } from './sql/pg-runner.ts';
import type { Database as Schema } from './schema.ts';
import { SqlStore } from './sql-store.ts';
import { migrateToLatest } from './migrations.ts';

export interface PostgresOptions {
  url: string;
  /** Connections per node. */
  poolSize?: number;
  /** Any statement running longer is cancelled (the command fails cleanly and rolls back). */
  statementTimeoutMs?: number;
}

const INT8_OID = 20;

export async function openPostgresStore(options: PostgresOptions): Promise<SqlStore> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 5000,
    connectionTimeoutMillis: 5000,
    // bigint columns (times, sequences) as numbers: every value Herald stores is below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const kysely = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(kysely as Kysely<unknown>, 'postgres');
  } catch (e) {
    await kysely.destroy();
    throw e;
  }
  const { rows } = await sql<{
    db: string;
    schema: string;
  }>`select current_database() as db, current_schema() as schema`.execute(kysely);
  return new SqlStore(
    'postgres',
    kysely,
    `postgres:${rows[0]?.db}.${rows[0]?.schema}`,
    () => ({ open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async () => {},
    [],
    pgStatements(pool),
  );
}
