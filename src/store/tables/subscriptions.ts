/**
 * `subscriptions`: who subscribes to which official account. `sub_seq` is per account and only
 * grows: the stable order and keyset cursor of get_subscriber_info.
 */
import type { Generated, Selectable } from 'kysely';
import type { MsgFlag, OfficialAccountRecord, SubscriberEntry, SubscriptionRecord } from '../records.ts';
import type { SqlRunner } from '../sql/runner.ts';
import { allColumns, columnList, except, JsonRowsStatement, ListStatement, Statement } from '../sql/statement.ts';
import * as officialAccounts from './official-accounts.ts';

export interface SubscriptionsTable {
  sdkappid: number;
  oa_id: string;
  user_id: string;
  sub_seq: number;
  subscribe_time: number;
  custom_string: Generated<string>;
  msg_flag: Generated<string>;
  last_send_msg_time: Generated<number>;
  /** Messages that became visible after this timeline version are this subscriber's (migration 0006). */
  from_version: Generated<number>;
}

type Row = Selectable<SubscriptionsTable>;
type PageRow = Omit<Row, 'sdkappid' | 'oa_id' | 'from_version'>;

const COLUMNS = allColumns<Row>()([
  'sdkappid',
  'oa_id',
  'user_id',
  'sub_seq',
  'subscribe_time',
  'custom_string',
  'msg_flag',
  'last_send_msg_time',
  'from_version',
]);
/** Only the columns a subscriber page answers with: each value read costs, and a page reads 201 rows. */
const PAGE_COLUMNS = except(COLUMNS, ['sdkappid', 'oa_id', 'from_version']);
// Custom string, receive option and last send time start out at their defaults.
const INSERT_COLUMNS = except(COLUMNS, ['custom_string', 'msg_flag', 'last_send_msg_time']);

function toEntry(row: PageRow): SubscriberEntry {
  return {
    userId: row.user_id,
    subSeq: Number(row.sub_seq),
    subscribeTime: Number(row.subscribe_time),
    customString: row.custom_string,
    msgFlag: row.msg_flag as MsgFlag,
    lastSendMsgTime: Number(row.last_send_msg_time),
  };
}

function toRecord(row: Row): SubscriptionRecord {
  return { officialAccountId: row.oa_id, ...toEntry(row), fromVersion: Number(row.from_version) };
}

const list = (name: string, text: (list: string) => string) =>
  new ListStatement(name, (full, items, prepared) => new Statement(full, text(items), { prepared }));

const SUBSCRIBED_AMONG = list(
  'subscriptions.subscribed_among',
  (users) => `select user_id from subscriptions where sdkappid = ? and oa_id = ? and user_id in (${users})`,
);
const INSERT = new ListStatement(
  'subscriptions.insert',
  (name, rows, prepared) =>
    new Statement(name, `insert into subscriptions (${columnList(INSERT_COLUMNS)}) values ${rows}`, { prepared }),
  `(${INSERT_COLUMNS.map(() => '?').join(', ')})`,
);
const GET = new Statement(
  'subscriptions.get',
  `select ${columnList(COLUMNS)} from subscriptions where sdkappid = ? and oa_id = ? and user_id = ?`,
);
const PAGE = new JsonRowsStatement(
  'subscriptions.page',
  PAGE_COLUMNS,
  `select ${columnList(PAGE_COLUMNS)} from subscriptions where sdkappid = ? and oa_id = ? and sub_seq > ? ` +
    'order by sub_seq limit ?',
  { order: { column: 'sub_seq' } },
);
/** get_subscriber_info's read: the account (its SubscriberNum) and the page, in one statement. */
const PAGE_WITH_ACCOUNT = officialAccounts.besideAccount('subscriptions.page_with_account', PAGE);
const DELETE = list(
  'subscriptions.delete',
  (users) => `delete from subscriptions where sdkappid = ? and oa_id = ? and user_id in (${users})`,
);
// A fixed order (account, then subscription), so concurrent deletes cannot deadlock on PostgreSQL.
const OF_USERS = list(
  'subscriptions.of_users',
  (users) =>
    `select oa_id, user_id from subscriptions where sdkappid = ? and user_id in (${users}) order by oa_id, sub_seq`,
);
const DELETE_OF_USERS = list(
  'subscriptions.delete_of_users',
  (users) => `delete from subscriptions where sdkappid = ? and user_id in (${users})`,
);
const DELETE_OF_ACCOUNT = new Statement(
  'subscriptions.delete_of_account',
  'delete from subscriptions where sdkappid = ? and oa_id = ?',
);
/**
 * The receive option; switching from Discard back to receiving starts the subscriber's timeline
 * anew at `version` (what was sent meanwhile was discarded for good).
 */
const SET_MSG_FLAG = new Statement(
  'subscriptions.set_msg_flag',
  "update subscriptions set from_version = case when msg_flag = 'Discard' and ? <> 'Discard' then ? else from_version end, " +
    'msg_flag = ? where sdkappid = ? and oa_id = ? and user_id = ?',
);
const SET_CUSTOM_STRING = new Statement(
  'subscriptions.set_custom_string',
  'update subscriptions set custom_string = ? where sdkappid = ? and oa_id = ? and user_id = ?',
);
const COUNT_OF_USER = new Statement(
  'subscriptions.count_of_user',
  'select count(*) as n from subscriptions where sdkappid = ? and user_id = ?',
);
/** A user's subscriptions with their accounts, in one read: what a device's login starts from. */
const WITH_ACCOUNTS_COLUMNS = [...COLUMNS.map((c) => `s_${c}`), ...officialAccounts.COLUMNS.map((c) => `o_${c}`)];
const WITH_ACCOUNTS = new JsonRowsStatement(
  'subscriptions.with_accounts',
  WITH_ACCOUNTS_COLUMNS,
  `select ${[...COLUMNS.map((c) => `s."${c}" as "s_${c}"`), ...officialAccounts.COLUMNS.map((c) => `o."${c}" as "o_${c}"`)].join(', ')} ` +
    'from subscriptions s join official_accounts o on o.sdkappid = s.sdkappid and o.id = s.oa_id ' +
    'where s.sdkappid = ? and s.user_id = ?',
);
const OF_USER = new Statement(
  'subscriptions.of_user',
  `select ${columnList(COLUMNS)} from subscriptions where sdkappid = ? and user_id = ? ` +
    'order by subscribe_time, oa_id limit ? offset ?',
);

/** The subset of `userIds` subscribed to the account. */
export async function subscribedAmong(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const users = [...new Set(userIds)];
  const rows = await db.rows<{ user_id: string }>(SUBSCRIBED_AMONG.of(users.length), [
    sdkappid,
    officialAccountId,
    ...users,
  ]);
  return new Set(rows.map((r) => r.user_id));
}

/** Inserts subscriptions numbered `firstSubSeq`, `firstSubSeq + 1`, … in the order given, receiving after `version`. */
export async function insert(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  userIds: readonly string[],
  start: { firstSubSeq: number; version: number },
  now: number,
): Promise<void> {
  const parameters: unknown[] = [];
  for (const [i, userId] of userIds.entries()) {
    const row: Record<(typeof INSERT_COLUMNS)[number], unknown> = {
      sdkappid,
      oa_id: officialAccountId,
      user_id: userId,
      sub_seq: start.firstSubSeq + i,
      subscribe_time: now,
      from_version: start.version,
    };
    for (const column of INSERT_COLUMNS) parameters.push(row[column]);
  }
  await db.changes(INSERT.of(userIds.length), parameters);
}

export async function get(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  userId: string,
): Promise<SubscriptionRecord | undefined> {
  const [row] = await db.rows<Row>(GET, [sdkappid, officialAccountId, userId]);
  return row ? toRecord(row) : undefined;
}

/** A page of subscribers with their account, read together (undefined account: no such account). */
export async function pageWithAccount(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  afterSeq: number,
  limit: number,
): Promise<{ account: OfficialAccountRecord | undefined; subscribers: SubscriberEntry[] }> {
  const { account, rows } = await officialAccounts.readBesideAccount<PageRow>(
    db,
    PAGE_WITH_ACCOUNT,
    sdkappid,
    officialAccountId,
    [sdkappid, officialAccountId, afterSeq, limit],
  );
  return { account, subscribers: rows.map(toEntry) };
}

/** Deletes these users' subscriptions to one account; answers how many there were. */
export async function remove(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  userIds: readonly string[],
): Promise<number> {
  if (userIds.length === 0) return 0;
  const users = [...new Set(userIds)];
  return db.changes(DELETE.of(users.length), [sdkappid, officialAccountId, ...users]);
}

/** Which of these users subscribe to which account, accounts in ID order. */
export async function ofUsers(
  db: SqlRunner,
  sdkappid: number,
  userIds: readonly string[],
): Promise<Map<string, string[]>> {
  const byAccount = new Map<string, string[]>();
  if (userIds.length === 0) return byAccount;
  const users = [...new Set(userIds)];
  const rows = await db.rows<{ oa_id: string; user_id: string }>(OF_USERS.of(users.length), [sdkappid, ...users]);
  for (const row of rows) {
    const accountUsers = byAccount.get(row.oa_id);
    if (accountUsers) accountUsers.push(row.user_id);
    else byAccount.set(row.oa_id, [row.user_id]);
  }
  return byAccount;
}

/** Deletes every subscription of these users. */
export async function removeOfUsers(db: SqlRunner, sdkappid: number, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  const users = [...new Set(userIds)];
  await db.changes(DELETE_OF_USERS.of(users.length), [sdkappid, ...users]);
}

export async function removeOfAccount(db: SqlRunner, sdkappid: number, officialAccountId: string): Promise<void> {
  await db.changes(DELETE_OF_ACCOUNT, [sdkappid, officialAccountId]);
}

export async function setMsgFlag(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  userId: string,
  flag: MsgFlag,
  version: number,
): Promise<void> {
  await db.changes(SET_MSG_FLAG, [flag, version, flag, sdkappid, officialAccountId, userId]);
}

export async function setCustomString(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  userId: string,
  customString: string,
): Promise<void> {
  await db.changes(SET_CUSTOM_STRING, [customString, sdkappid, officialAccountId, userId]);
}

export async function countOfUser(db: SqlRunner, sdkappid: number, userId: string): Promise<number> {
  const [row] = await db.rows<{ n: number | string }>(COUNT_OF_USER, [sdkappid, userId]);
  return Number(row?.n ?? 0);
}

/** A user's subscriptions in subscribe order (then account ID). */
export async function ofUser(
  db: SqlRunner,
  sdkappid: number,
  userId: string,
  offset: number,
  limit: number,
): Promise<SubscriptionRecord[]> {
  return (await db.rows<Row>(OF_USER, [sdkappid, userId, limit, offset])).map(toRecord);
}

/** Every subscription of the user with its account, in one statement (no order). */
export async function withAccounts(
  db: SqlRunner,
  sdkappid: number,
  userId: string,
): Promise<{ subscription: SubscriptionRecord; account: OfficialAccountRecord }[]> {
  const rows = await db.jsonRows<Record<string, unknown>>(WITH_ACCOUNTS, [sdkappid, userId]);
  return rows.map((row) => {
    const subscription: Record<string, unknown> = {};
    const account: Record<string, unknown> = {};
    for (const c of COLUMNS) subscription[c] = row[`s_${c}`];
    for (const c of officialAccounts.COLUMNS) account[c] = row[`o_${c}`];
    return {
      subscription: toRecord(subscription as Row),
      account: officialAccounts.toRecord(account as officialAccounts.OfficialAccountRow),
    };
  });
}
