/**
 * The tables as Kysely sees them, each declared in its own module under tables/. Column names
 * are the SQL names (snake_case); both stores share them and one set of migrations. Booleans are
 * 0/1 integers so that the same statements run on SQLite and PostgreSQL.
 */
import type { AccountsTable } from './tables/accounts.ts';
import type { AppsTable } from './tables/apps.ts';
import type { MessagesTable } from './tables/messages.ts';
import type { OfficialAccountsTable } from './tables/official-accounts.ts';
import type { SubscriptionsTable } from './tables/subscriptions.ts';
import type { WebhookOutboxTable } from './tables/webhook-outbox.ts';

export interface Database {
  apps: AppsTable;
  accounts: AccountsTable;
  official_accounts: OfficialAccountsTable;
  subscriptions: SubscriptionsTable;
  messages: MessagesTable;
  webhook_outbox: WebhookOutboxTable;
}

/** Tables in dependency order, with their key columns (the order rows are exported in). */
export const TABLE_KEYS = {
  apps: ['sdkappid'],
  accounts: ['sdkappid', 'user_id'],
  official_accounts: ['sdkappid', 'id'],
  subscriptions: ['sdkappid', 'oa_id', 'user_id'],
  messages: ['sdkappid', 'oa_id', 'seq'],
  webhook_outbox: ['id'],
} as const satisfies { [T in keyof Database]: readonly (keyof Database[T])[] };

export type TableName = keyof typeof TABLE_KEYS;
export const TABLES = Object.keys(TABLE_KEYS) as TableName[];
