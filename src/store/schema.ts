/**
 * Table shapes as Kysely sees them. Column names are the SQL names (snake_case); both stores
 * share them and one set of migrations. Booleans are stored as 0/1 integers so that the same
 * queries run on SQLite and PostgreSQL.
 */
import type { Generated } from 'kysely';

export interface AppsTable {
  sdkappid: number;
  secret_key: string;
  /** JSON array of identifiers. */
  admins: string;
  official_account_enabled: number;
  max_official_accounts: number;
  /** JSON object: "service/command" or "*" → calls per second (0 = unlimited). */
  rate_limits: string;
  created_at: number;
}

export interface AccountsTable {
  sdkappid: number;
  user_id: string;
  nick: string;
  face_url: string;
  created_at: number;
}

export interface OfficialAccountsTable {
  sdkappid: number;
  id: string;
  owner: string;
  name: string;
  introduction: string;
  face_url: string;
  organization: string;
  custom_string: string;
  max_subscriber_num: number;
  subscriber_num: Generated<number>;
  last_msg_time: Generated<number>;
  create_time: number;
  next_seq: Generated<number>;
}

export interface Database {
  apps: AppsTable;
  accounts: AccountsTable;
  official_accounts: OfficialAccountsTable;
}
