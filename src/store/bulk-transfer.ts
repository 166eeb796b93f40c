/**
 * Whole tables in and out, for herald export / import: Kysely queries over a table chosen from
 * the fixed list, keyset-paged on the primary key so a page deep in millions of rows costs what
 * the first does.
 */
import { type Kysely, sql } from 'kysely';
import type { OfficialAccountCache } from './account-cache.ts';
import { type Database, TABLE_KEYS, type TableName } from './schema.ts';
import type { Dialect } from './sql/statement.ts';
import type { BulkTransfer } from './store.ts';

type AnyTables = Kysely<Record<string, Record<string, unknown>>>;

export class SqlBulkTransfer implements BulkTransfer {
  private readonly db: AnyTables;

  constructor(
    private readonly kysely: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly cache: OfficialAccountCache | null,
  ) {
    this.db = kysely as unknown as AnyTables;
  }

  async *exportRows(table: TableName, pageSize = 2000): AsyncIterable<Record<string, unknown>> {
    const keys = TABLE_KEYS[table] as readonly string[];
    let last: unknown[] | null = null;
    for (;;) {
      let query = this.db.selectFrom(table).selectAll();
      if (last !== null) {
        const after = last;
        query = query.where((eb) =>
          eb(eb.refTuple(...(keys as [string, string])), '>', eb.tuple(...(after as [unknown, unknown]))),
        );
      }
      for (const key of keys) query = query.orderBy(key);
      const rows = await query.limit(pageSize).execute();
      for (const row of rows) yield row;
      if (rows.length < pageSize) return;
      const tail = rows[rows.length - 1] as Record<string, unknown>;
      last = keys.map((k) => tail[k]);
    }
  }

  async importRows(table: TableName, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const columns = Object.keys(rows[0] as object).length;
    // Stay under SQLite's 32766 bound parameters per statement (PostgreSQL allows 65535).
    const chunk = Math.max(1, Math.floor(30_000 / columns));
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += chunk) {
        await trx
          .insertInto(table)
          .values(rows.slice(i, i + chunk) as Record<string, unknown>[])
          .execute();
      }
    });
    this.cache?.clear();
  }

  async countRows(table: TableName): Promise<number> {
    const row = await this.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async deleteAllRows(table: TableName): Promise<void> {
    await this.db.deleteFrom(table).execute();
    this.cache?.clear();
  }

  async finishImport(): Promise<void> {
    await sql`update apps set official_account_count = (select count(*) from official_accounts o where o.sdkappid = apps.sdkappid)`.execute(
      this.kysely,
    );
    if (this.dialect !== 'postgres') return; // SQLite's AUTOINCREMENT follows the largest id by itself
    await sql`select setval(pg_get_serial_sequence('webhook_outbox', 'id'), coalesce((select max(id) from webhook_outbox), 0) + 1, false)`.execute(
      this.kysely,
    );
  }
}
