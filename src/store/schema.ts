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
  /** Per official account: messages per second and per hour (0 = unlimited). */
  send_per_second: number;
  send_per_hour: number;
  webhook_url: string | null;
  webhook_token: string | null;
  /** JSON array of CallbackCommands switched off. */
  webhook_off: string;
  /** What a failed "before" webhook means: 'allow' (go ahead) or 'reject' (80003). */
  webhook_before_failure: string;
  created_at: number;
  /** Rows in official_accounts of this app, kept by create and destroy (the 130010 cap). */
  official_account_count: Generated<number>;
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
  next_sub_seq: Generated<number>;
}

export interface SubscriptionsTable {
  sdkappid: number;
  oa_id: string;
  user_id: string;
  /** Per-account, ever-increasing: the stable order and cursor of get_subscriber_info. */
  sub_seq: number;
  subscribe_time: number;
  custom_string: Generated<string>;
  msg_flag: Generated<string>;
  last_send_msg_time: Generated<number>;
}

export interface MessagesTable {
  sdkappid: number;
  oa_id: string;
  seq: number;
  msg_key: string;
  random: number;
  time: number;
  from_account: string;
  /** JSON text of MsgBody. */
  body: string;
  cloud_custom_data: string | null;
  /** JSON text of OfflinePushInfo. */
  offline_push_info: string | null;
  /** JSON text of the send options kept with the message (SendMsgControl, ForbidCallbackControl). */
  options: string;
  online_only: number;
  content_hash: string;
  recalled: Generated<number>;
  recall_reason: string | null;
  recall_time: number | null;
  /** 0 sent, 1 pending (before-send webhook deciding), 2 discarded. */
  state: Generated<number>;
}

export interface WebhookOutboxTable {
  id: Generated<number>;
  sdkappid: number;
  /** Ordering key: events of one account are delivered in id order. */
  oa_id: string;
  command: string;
  /** JSON text of the body, EventTime included (fixed when the event happened). */
  body: string;
  client_ip: string;
  created_at: number;
  /** pending | delivered | cancelled */
  status: Generated<string>;
  attempts: Generated<number>;
  next_attempt_at: number;
  /** A dispatcher owns the row until then (ms); another may take it after. */
  lease_until: Generated<number>;
  last_error: string | null;
  delivered_at: number | null;
}

export interface Database {
  apps: AppsTable;
  accounts: AccountsTable;
  official_accounts: OfficialAccountsTable;
  subscriptions: SubscriptionsTable;
  messages: MessagesTable;
  webhook_outbox: WebhookOutboxTable;
}
