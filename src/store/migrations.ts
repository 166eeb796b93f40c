/**
 * Versioned migrations, in code, shared by every store. Kysely's Migrator records applied
 * versions and takes a lock, so several nodes starting at once apply each migration once.
 * Never edit a migration that has landed; add the next one.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const migrations: Record<string, Migration> = {
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
      await db.schema.createIndex('official_accounts_owner').on('official_accounts').columns(['sdkappid', 'owner']).execute();
    },
  },
};

const provider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'herald_migrations', migrationLockTableName: 'herald_migration_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
