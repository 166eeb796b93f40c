/**
 * The SQL text of the statements on the per-call paths (reads of every command, the writes of
 * create, subscribe, send and import), kept in one place. Each is valid in SQLite and
 * PostgreSQL alike, except where a statement carries a second text for PostgreSQL (row locks,
 * `greatest` for SQLite's two-argument `max`). Everything else the store
 * does (admin, export/import, the outbox dispatcher) is built with Kysely in kysely-store.ts.
 */
import { JsonRowsStatement, ListStatement, Statement } from './statements.ts';

const OFFICIAL_ACCOUNT_COLUMNS = [
  'sdkappid',
  'id',
  'owner',
  'name',
  'introduction',
  'face_url',
  'organization',
  'custom_string',
  'max_subscriber_num',
  'subscriber_num',
  'last_msg_time',
  'create_time',
  'next_seq',
  'next_sub_seq',
] as const;
const MESSAGE_COLUMNS = [
  'sdkappid',
  'oa_id',
  'seq',
  'msg_key',
  'random',
  'time',
  'from_account',
  'body',
  'cloud_custom_data',
  'offline_push_info',
  'options',
  'online_only',
  'content_hash',
  'recalled',
  'recall_reason',
  'recall_time',
  'state',
] as const;
const SUBSCRIBER_PAGE_COLUMNS = [
  'user_id',
  'sub_seq',
  'subscribe_time',
  'custom_string',
  'msg_flag',
  'last_send_msg_time',
] as const;
const SUBSCRIPTION_COLUMNS = ['sdkappid', 'oa_id', ...SUBSCRIBER_PAGE_COLUMNS] as const;
// Columns are always named, never `*`: PostgreSQL keeps these statements prepared per connection
// (statements.ts), and a prepared `select *` fails once a newer node's migration adds a column.
const quoted = (columns: readonly string[]) => columns.map((c) => `"${c}"`).join(', ');

const ACCOUNT_COLUMNS =
  'insert into accounts (sdkappid, user_id, nick, face_url, created_at) values (?, ?, ?, ?, ?) on conflict (sdkappid, user_id)';
/** Indexed by (nick given ? 1 : 0) + (face given ? 2 : 0): re-import overwrites only the fields it names. */
export const UPSERT_ACCOUNT: readonly Statement[] = [
  new Statement(`${ACCOUNT_COLUMNS} do nothing`),
  new Statement(`${ACCOUNT_COLUMNS} do update set nick = excluded.nick`),
  new Statement(`${ACCOUNT_COLUMNS} do update set face_url = excluded.face_url`),
  new Statement(`${ACCOUNT_COLUMNS} do update set nick = excluded.nick, face_url = excluded.face_url`),
];

const EXISTING = (list: string) => `select user_id from accounts where sdkappid = ? and user_id in (${list})`;
export const EXISTING_ACCOUNTS = new ListStatement((list) => new Statement(EXISTING(list)));
// Row locks exist on PostgreSQL only (a SQLite writer has the whole database), taken in a fixed
// order so concurrent callers cannot deadlock on each other.
export const EXISTING_ACCOUNTS_SHARE = new ListStatement(
  (list) => new Statement(EXISTING(list), `${EXISTING(list)} order by user_id for share`),
);
export const EXISTING_ACCOUNTS_UPDATE = new ListStatement(
  (list) => new Statement(EXISTING(list), `${EXISTING(list)} order by user_id for update`),
);

export const TAKE_OFFICIAL_ACCOUNT_SLOT = new Statement(
  'update apps set official_account_count = official_account_count + 1 where sdkappid = ? and official_account_count < ?',
);
export const FREE_OFFICIAL_ACCOUNT_SLOT = new Statement(
  'update apps set official_account_count = official_account_count - 1 where sdkappid = ?',
);

export const INSERT_OFFICIAL_ACCOUNT = new Statement(
  'insert into official_accounts (sdkappid, id, owner, name, introduction, face_url, organization, custom_string, max_subscriber_num, create_time) ' +
    'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (sdkappid, id) do nothing',
);
export const GET_OFFICIAL_ACCOUNTS = new ListStatement(
  (list) =>
    new JsonRowsStatement(
      OFFICIAL_ACCOUNT_COLUMNS,
      `select ${quoted(OFFICIAL_ACCOUNT_COLUMNS)} from official_accounts where sdkappid = ? and id in (${list})`,
    ),
);
const GET_OFFICIAL_ACCOUNT = `select ${quoted(OFFICIAL_ACCOUNT_COLUMNS)} from official_accounts where sdkappid = ? and id = ?`;
export const LOCK_OFFICIAL_ACCOUNT = new Statement(GET_OFFICIAL_ACCOUNT, `${GET_OFFICIAL_ACCOUNT} for update`);
export const ADJUST_SUBSCRIBER_NUM = new Statement(
  'update official_accounts set subscriber_num = subscriber_num + ? where sdkappid = ? and id = ?',
);
/** One UPDATE reserves a block of sub_seq values and keeps SubscriberNum exact; answers the block's end. */
export const RESERVE_SUB_SEQS = new Statement(
  'update official_accounts set next_sub_seq = next_sub_seq + ?, subscriber_num = subscriber_num + ? where sdkappid = ? and id = ? returning next_sub_seq',
);
// LastMsgTime moves forward only, even if two nodes' clocks disagree.
const TAKE_SEQ = (later: string) =>
  `update official_accounts set next_seq = next_seq + 1, last_msg_time = ${later}(last_msg_time, ?) where sdkappid = ? and id = ? returning next_seq`;
export const TAKE_MESSAGE_SEQ = new Statement(TAKE_SEQ('max'), TAKE_SEQ('greatest'));
const TOUCH = (later: string) =>
  `update official_accounts set last_msg_time = ${later}(last_msg_time, ?) where sdkappid = ? and id = ?`;
export const TOUCH_LAST_MSG_TIME = new Statement(TOUCH('max'), TOUCH('greatest'));

export const SUBSCRIBED_AMONG = new ListStatement(
  (list) =>
    new Statement(`select user_id from subscriptions where sdkappid = ? and oa_id = ? and user_id in (${list})`),
);
export const INSERT_SUBSCRIPTIONS = new ListStatement(
  (rows) =>
    new Statement(`insert into subscriptions (sdkappid, oa_id, user_id, sub_seq, subscribe_time) values ${rows}`),
  '(?, ?, ?, ?, ?)',
);
export const GET_SUBSCRIPTION = new Statement(
  `select ${quoted(SUBSCRIPTION_COLUMNS)} from subscriptions where sdkappid = ? and oa_id = ? and user_id = ?`,
);
/** Only the columns a page answers with: each value read costs, and a page reads 101 rows. */
export const LIST_SUBSCRIBERS = new JsonRowsStatement(
  SUBSCRIBER_PAGE_COLUMNS,
  `select ${quoted(SUBSCRIBER_PAGE_COLUMNS)} from subscriptions where sdkappid = ? and oa_id = ? and sub_seq > ? order by sub_seq limit ?`,
  { column: 'sub_seq' },
);

export const INSERT_MESSAGE = new Statement(
  'insert into messages (sdkappid, oa_id, seq, msg_key, "random", "time", from_account, body, cloud_custom_data, offline_push_info, options, online_only, content_hash, state) ' +
    'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
export const SETTLE_MESSAGE = new Statement(
  'update messages set state = ?, body = ?, cloud_custom_data = ? where sdkappid = ? and oa_id = ? and seq = ? and state = ?',
);
/**
 * States 0 sent, 1 pending, 2 discarded count as duplicates (refused sends may be retried). No
 * ORDER BY: within the window there is at most one such message, and sorting by seq would steer
 * SQLite onto the primary key (a scan of the whole history) instead of the (account, random) index.
 */
export const FIND_DUPLICATE_MESSAGE = new Statement(
  `select ${quoted(MESSAGE_COLUMNS)} from messages where sdkappid = ? and oa_id = ? and "random" = ? and content_hash = ? and "time" >= ? and state in (0, 1, 2) limit 1`,
);
const LIST = (before: boolean, withRecalled: boolean) =>
  new JsonRowsStatement(
    MESSAGE_COLUMNS,
    `select ${quoted(MESSAGE_COLUMNS)} from messages where sdkappid = ? and oa_id = ? and online_only = 0 and state = 0` +
      `${before ? ' and seq < ?' : ''}${withRecalled ? '' : ' and recalled = 0'} order by seq desc limit ?`,
    { column: 'seq', descending: true },
  );
export const LIST_MESSAGES = LIST(false, true);
export const LIST_MESSAGES_NOT_RECALLED = LIST(false, false);
export const LIST_MESSAGES_BEFORE = LIST(true, true);
export const LIST_MESSAGES_BEFORE_NOT_RECALLED = LIST(true, false);

export const ENQUEUE_WEBHOOK = new Statement(
  'insert into webhook_outbox (sdkappid, oa_id, command, body, client_ip, created_at, next_attempt_at) values (?, ?, ?, ?, ?, ?, ?)',
);
