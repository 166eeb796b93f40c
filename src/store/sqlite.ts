/**
 * The embedded store: better-sqlite3 in WAL mode. WAL with synchronous=NORMAL survives a
 * crash or SIGKILL of Herald without losing an acknowledged write (a power loss may drop the
 * last few transactions; docs/reliability.md). One connection: SQLite serialises writers anyway
 * and Kysely's driver queues transactions on it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { Database as Schema } from './schema.ts';
import { KyselyStore } from './kysely-store.ts';
import { migrateToLatest } from './migrations.ts';

export const SQLITE_FILE = 'herald.sqlite';

/** Opens (creating if needed) the database in `dataDir`, or an in-memory one for null. */
export async function openSqliteStore(dataDir: string | null): Promise<KyselyStore> {
  let file = ':memory:';
  if (dataDir !== null) {
    mkdirSync(dataDir, { recursive: true });
    file = join(dataDir, SQLITE_FILE);
  }
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Another process (the CLI) may hold the write lock for a moment; wait instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  if (process.env.XMMAP) sqlite.pragma('mmap_size = ' + process.env.XMMAP);
  const kysely = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  await migrateToLatest(kysely as Kysely<unknown>, 'sqlite');
  return new KyselyStore('sqlite', kysely);
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
