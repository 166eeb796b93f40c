/**
 * Versioned migrations, in code, shared by every store. Kysely's Migrator records applied
 * versions and takes a lock, so several nodes starting at once apply each migration once.
 * Never edit a migration that has landed; add the next one.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './sql/statement.ts';

/** The migrations, for one dialect (only column types for auto-increment keys differ). */
const migrations = (dialect: Dialect): Record<string, Migration> => ({
  '0001_core': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('apps')
        .addColumn('sdkappid', 'bigint', (c) => c.primaryKey())
        .addColumn('secret_key', 'text', (c) => c.notNull())
        .addColumn('admins', 'text', (c) => c.notNull())
        .addColumn('official_account_enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('max_official_accounts', 'integer', (c) => c.notNull())
        .addColumn('rate_limits', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('accounts')
        .addColumn('sdkappid', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('nick', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('face_url', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('accounts_pk', ['sdkappid', 'user_id'])
        .execute();

      await db.schema
        .createTable('official_accounts')
        .addColumn('sdkappid', 'bigint', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('introduction', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('face_url', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('organization', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('custom_string', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('max_subscriber_num', 'integer', (c) => c.notNull())
        .addColumn('subscriber_num', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_msg_time', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .addColumn('next_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('official_accounts_pk', ['sdkappid', 'id'])
        .execute();
      await db.schema
        .createIndex('official_accounts_owner')
        .on('official_accounts')
        .columns(['sdkappid', 'owner'])
        .execute();
    },
  },
  '0002_subscriptions_and_messages': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('apps')
        .addColumn('send_per_second', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .alterTable('apps')
        .addColumn('send_per_hour', 'integer', (c) => c.notNull().defaultTo(2))
        .execute();
      await db.schema
        .alterTable('official_accounts')
        .addColumn('next_sub_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('subscriptions')
        .addColumn('sdkappid', 'bigint', (c) => c.notNull())
        .addColumn('oa_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('sub_seq', 'bigint', (c) => c.notNull())
        .addColumn('subscribe_time', 'bigint', (c) => c.notNull())
        .addColumn('custom_string', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('msg_flag', 'text', (c) => c.notNull().defaultTo('AcceptAndNotify'))
        .addColumn('last_send_msg_time', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('subscriptions_pk', ['sdkappid', 'oa_id', 'user_id'])
        .execute();
      // Keyset paging of an account's subscribers, and a user's subscriptions in subscribe order.
      await db.schema
        .createIndex('subscriptions_by_seq')
        .unique()
        .on('subscriptions')
        .columns(['sdkappid', 'oa_id', 'sub_seq'])
        .execute();
      await db.schema
        .createIndex('subscriptions_by_user')
        .on('subscriptions')
        .columns(['sdkappid', 'user_id', 'subscribe_time', 'oa_id'])
        .execute();

      await db.schema
        .createTable('messages')
        .addColumn('sdkappid', 'bigint', (c) => c.notNull())
        .addColumn('oa_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('msg_key', 'text', (c) => c.notNull())
        .addColumn('random', 'bigint', (c) => c.notNull())
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('from_account', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('cloud_custom_data', 'text')
        .addColumn('offline_push_info', 'text')
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('online_only', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('recalled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('recall_reason', 'text')
        .addColumn('recall_time', 'bigint')
        .addPrimaryKeyConstraint('messages_pk', ['sdkappid', 'oa_id', 'seq'])
        .execute();
      // Duplicate suppression looks up (account, Random) among recent messages.
      await db.schema
        .createIndex('messages_by_random')
        .on('messages')
        .columns(['sdkappid', 'oa_id', 'random'])
        .execute();
    },
  },
  '0003_webhooks': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('apps').addColumn('webhook_url', 'text').execute();
      await db.schema.alterTable('apps').addColumn('webhook_token', 'text').execute();
      await db.schema
        .alterTable('apps')
        .addColumn('webhook_off', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema
        .alterTable('apps')
        .addColumn('webhook_before_failure', 'text', (c) => c.notNull().defaultTo('allow'))
        .execute();
      // 0 sent; 1 pending: reserved while the before-send webhook decides; 2 discarded: dropped or
      // refused by it. Pending and discarded messages keep their Seq and are never shown.
      await db.schema
        .alterTable('messages')
        .addColumn('state', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('webhook_outbox')
        .$call((t) =>
          dialect === 'postgres'
            ? t.addColumn('id', 'bigserial', (c) => c.primaryKey())
            : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()),
        )
        .addColumn('sdkappid', 'bigint', (c) => c.notNull())
        .addColumn('oa_id', 'text', (c) => c.notNull())
        .addColumn('command', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('client_ip', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('delivered_at', 'bigint')
        .execute();
      // Head-of-line lookups: the oldest pending event of each account.
      await db.schema
        .createIndex('webhook_outbox_pending')
        .on('webhook_outbox')
        .columns(['status', 'sdkappid', 'oa_id', 'id'])
        .execute();
    },
  },
  '0004_pending_messages_index': {
    async up(db: Kysely<unknown>) {
      // Sends cut off mid-webhook are looked for every few seconds (settleAbandonedSends). Without
      // this index that was a scan of the whole message history, on the event loop for SQLite.
      // Partial: only pending rows are in it, so it stays tiny however long the history grows.
      await db.schema
        .createIndex('messages_pending')
        .on('messages')
        .column('time')
        .where(sql.ref('state'), '=', 1)
        .execute();
    },
  },
  '0005_official_account_count': {
    async up(db: Kysely<unknown>) {
      // The 130010 cap was checked with count(*) over the app's accounts under a lock of the app
      // row: O(accounts) per create, and creates one at a time on PostgreSQL. A counter beside
      // the app, moved in the create's and destroy's transactions, makes it O(1).
      await db.schema
        .alterTable('apps')
        .addColumn('official_account_count', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`update apps set official_account_count = (select count(*) from official_accounts o where o.sdkappid = apps.sdkappid)`.execute(
        db,
      );
    },
  },
  '0006_subscriber_channel': {
    async up(db: Kysely<unknown>) {
      const bigint = (table: string, column: string) =>
        db.schema
          .alterTable(table)
          .addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
          .execute();
      // Each account's timeline version: taken by every change a subscriber must see (a message
      // becoming visible, a recall), under the account's row lock, so versions commit in order.
      await bigint('official_accounts', 'next_version');
      // The version of a message's last change, and the one at which it became visible.
      await bigint('messages', 'version');
      await bigint('messages', 'sent_version');
      // A subscriber receives the messages that became visible after this version.
      await bigint('subscriptions', 'from_version');
      // UserSigs issued before this time (kick) no longer log the user in.
      await bigint('accounts', 'sig_not_before');
      // Messages stored before have their Seq as version (Seqs only grow), and the counter goes on from there.
      await sql`update messages set version = seq, sent_version = seq where state = 0`.execute(db);
      await sql`update official_accounts set next_version = next_seq`.execute(db);
      await sql`update subscriptions set from_version = (select o.next_version from official_accounts o where o.sdkappid = subscriptions.sdkappid and o.id = subscriptions.oa_id)`.execute(
        db,
      );
      await db.schema
        .createIndex('messages_by_version')
        .on('messages')
        .columns(['sdkappid', 'oa_id', 'version'])
        .execute();
      // Open subscriber connections of every node (when nodes share no Redis), and the nodes
      // alive: a connection counts only while its node keeps renewing alive_until.
      await db.schema
        .createTable('presence')
        .addColumn('sdkappid', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('connection_id', 'text', (c) => c.notNull())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('platform', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('presence_pk', ['sdkappid', 'user_id', 'connection_id'])
        .execute();
      await db.schema.createIndex('presence_by_node').on('presence').column('node_id').execute();
      await db.schema
        .createTable('presence_nodes')
        .addColumn('node_id', 'text', (c) => c.primaryKey())
        .addColumn('alive_until', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
});

/** Any fixed number: the PostgreSQL advisory lock that lets one starting node migrate at a time. */
const MIGRATION_LOCK_KEY = 7_360_441_201;

export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') return runMigrations(db, dialect, undefined);
  // Kysely's own lock tables are created check-then-create, which races when several nodes
  // start at once; a session advisory lock around the whole run makes it one node at a time.
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(conn);
      await runMigrations(conn, dialect, rows[0]?.schema);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}

async function runMigrations(db: Kysely<unknown>, dialect: Dialect, schema: string | undefined): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'herald_migrations',
    migrationLockTableName: 'herald_migration_lock',
    // The schema Herald works in (search_path), so other schemas' tables are never mistaken for ours.
    ...(schema !== undefined && { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
