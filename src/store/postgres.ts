/**
 * The PostgreSQL store, for several Herald nodes sharing one database: node-postgres pool,
 * the same Kysely queries as SQLite, and the same migrations (Kysely takes an advisory lock, so
 * nodes starting at once apply each migration once). Row locks (`FOR UPDATE`) serialise writers
 * of one official account across nodes; the outbox is claimed with `FOR UPDATE SKIP LOCKED`.
 */
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, sql } from 'kysely';
import pg from 'pg';
import { preparedName } from './sql/statement.ts';
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
  const kysely = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
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
  return new SqlStore('postgres', kysely, `postgres:${rows[0]?.db}.${rows[0]?.schema}`, () => ({
    open: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
  }));
}

/**
 * Kysely sends every query as `client.query(text, values)`, which PostgreSQL parses and plans
 * anew each time. A text that carries a statement name (sql/statement.ts) goes out named
 * instead: node-postgres prepares it once per connection and afterwards only binds and executes it.
 */
function preparingPool(pool: pg.Pool): PostgresPool {
  const wrap = (client: pg.PoolClient): PostgresPoolClient => ({
    query: ((text: unknown, values?: unknown[]) => {
      const name = typeof text === 'string' ? preparedName(text) : undefined;
      if (name === undefined) return (client.query as (...args: unknown[]) => unknown)(text, values);
      return client.query({ name, text: text as string, values: values ?? [] });
    }) as PostgresPoolClient['query'],
    release: () => client.release(),
  });
  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
