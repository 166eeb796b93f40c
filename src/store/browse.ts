/**
 * Listings and counts for the web console and herald_admin's browsing commands (store.browse).
 * Rare and never on a command's hot path, so built with Kysely. Pages are keyset-paged on the
 * primary key (the key after the cursor, in the database's order), so a page deep in a long list
 * costs what the first does. Searching compares lower(column) with lower(pattern) on both sides,
 * so it ignores letter case the same way on SQLite and PostgreSQL (SQLite folds ASCII letters only).
 */
import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { AccountRecord, AppCounts, BrowseQuery, OfficialAccountRecord, OutboxStatus } from './records.ts';
import type { Database } from './schema.ts';
import type { Browse } from './store.ts';
import { SENT } from './tables/messages.ts';
import { toRecord } from './tables/official-accounts.ts';

/** The LIKE pattern for "contains `search`": its own %, _ and \ match only themselves. */
export function containsPattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** lower(column) LIKE lower(pattern), with \ as the escape character in both dialects. */
function contains(column: 'user_id' | 'nick' | 'id' | 'name', pattern: string): Expression<SqlBool> {
  return sql<SqlBool>`lower(${sql.ref(column)}) like lower(${pattern}) escape ${sql.lit('\\')}`;
}

const OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'delivered', 'cancelled'];

export class SqlBrowse implements Browse {
  constructor(private readonly db: Kysely<Database>) {}

  async accounts(query: BrowseQuery): Promise<AccountRecord[]> {
    const { search, after } = query;
    const rows = await this.db
      .selectFrom('accounts')
      .select(['user_id', 'nick', 'face_url', 'created_at'])
      .where('sdkappid', '=', query.sdkappid)
      .$if(search !== undefined && search !== '', (qb) =>
        qb.where((eb) =>
          eb.or([
            contains('user_id', containsPattern(search as string)),
            contains('nick', containsPattern(search as string)),
          ]),
        ),
      )
      .$if(after !== undefined, (qb) => qb.where('user_id', '>', after as string))
      .orderBy('user_id')
      .limit(query.limit)
      .execute();
    return rows.map((row) => ({
      userId: row.user_id,
      nick: row.nick,
      faceUrl: row.face_url,
      createdAt: Number(row.created_at),
    }));
  }

  async officialAccounts(query: BrowseQuery): Promise<OfficialAccountRecord[]> {
    const { search, after } = query;
    const rows = await this.db
      .selectFrom('official_accounts')
      .selectAll()
      .where('sdkappid', '=', query.sdkappid)
      .$if(search !== undefined && search !== '', (qb) =>
        qb.where((eb) =>
          eb.or([
            contains('id', containsPattern(search as string)),
            contains('name', containsPattern(search as string)),
          ]),
        ),
      )
      .$if(after !== undefined, (qb) => qb.where('id', '>', after as string))
      .orderBy('id')
      .limit(query.limit)
      .execute();
    return rows.map(toRecord);
  }

  async counts(sdkappid: number): Promise<AppCounts> {
    const count = (table: 'accounts' | 'official_accounts' | 'subscriptions') =>
      this.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .where('sdkappid', '=', sdkappid)
        .executeTakeFirstOrThrow();
    const [accounts, officialAccounts, subscriptions] = [
      await count('accounts'),
      await count('official_accounts'),
      await count('subscriptions'),
    ];
    // A pending, discarded or refused send was never broadcast.
    const messages = await this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('sdkappid', '=', sdkappid)
      .where('state', '=', SENT)
      .executeTakeFirstOrThrow();
    // One count per status walks the (status, sdkappid, …) index instead of the whole outbox.
    const webhooks = {} as Record<OutboxStatus, number>;
    for (const status of OUTBOX_STATUSES) {
      const row = await this.db
        .selectFrom('webhook_outbox')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('status', '=', status)
        .where('sdkappid', '=', sdkappid)
        .executeTakeFirstOrThrow();
      webhooks[status] = Number(row.n);
    }
    return {
      accounts: Number(accounts.n),
      officialAccounts: Number(officialAccounts.n),
      subscriptions: Number(subscriptions.n),
      messages: Number(messages.n),
      webhooks,
    };
  }
}
