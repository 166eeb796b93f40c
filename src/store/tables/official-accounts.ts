/**
 * `official_accounts`: each account's profile and the counters kept on its row: SubscriberNum,
 * LastMsgTime, the next message Seq and the next subscription order number (sub_seq).
 */
import type { Generated, Selectable } from 'kysely';
import type { NewOfficialAccount, OfficialAccountChanges, OfficialAccountRecord } from '../records.ts';
import type { SqlRunner } from '../sql/runner.ts';
import {
  allColumns,
  columnList,
  except,
  insertInto,
  JsonRowsPair,
  JsonRowsStatement,
  ListStatement,
  Statement,
} from '../sql/statement.ts';

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
  /** The timeline version: taken by every change subscribers must see (migration 0006). */
  next_version: Generated<number>;
}

export type OfficialAccountRow = Selectable<OfficialAccountsTable>;
type Row = OfficialAccountRow;

/** Every column, for statements of other tables that join this one. */
export const COLUMNS = allColumns<Row>()([
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
  'next_version',
]);

export function toRecord(row: Row): OfficialAccountRecord {
  return {
    id: row.id,
    owner: row.owner,
    name: row.name,
    introduction: row.introduction,
    faceUrl: row.face_url,
    organization: row.organization,
    customString: row.custom_string,
    maxSubscriberNum: Number(row.max_subscriber_num),
    subscriberNum: Number(row.subscriber_num),
    lastMsgTime: Number(row.last_msg_time),
    createTime: Number(row.create_time),
    version: Number(row.next_version),
  };
}

// The counters start out at their defaults.
const INSERT = insertInto(
  'official_accounts.insert',
  'official_accounts',
  except(COLUMNS, ['subscriber_num', 'last_msg_time', 'next_seq', 'next_sub_seq', 'next_version']),
  ' on conflict (sdkappid, id) do nothing',
);
const SELECT = `select ${columnList(COLUMNS)} from official_accounts where sdkappid = ?`;
const GET = new ListStatement(
  'official_accounts.get',
  (name, list, prepared) => new JsonRowsStatement(name, COLUMNS, `${SELECT} and id in (${list})`, { prepared }),
);
const LOCK = new Statement('official_accounts.lock', `${SELECT} and id = ?`, {
  postgres: `${SELECT} and id = ? for update`,
});
/** Every profile field at once; a null parameter keeps the stored value (all are NOT NULL). */
const UPDATE = new Statement(
  'official_accounts.update',
  'update official_accounts set name = coalesce(?, name), introduction = coalesce(?, introduction), ' +
    'face_url = coalesce(?, face_url), organization = coalesce(?, organization), ' +
    'custom_string = coalesce(?, custom_string), max_subscriber_num = coalesce(?, max_subscriber_num) ' +
    'where sdkappid = ? and id = ?',
);
const DELETE = new Statement('official_accounts.delete', 'delete from official_accounts where sdkappid = ? and id = ?');
const ADJUST_SUBSCRIBER_NUM = new Statement(
  'official_accounts.adjust_subscriber_num',
  'update official_accounts set subscriber_num = subscriber_num + ? where sdkappid = ? and id = ?',
);
/**
 * One UPDATE reserves a block of sub_seq values and keeps SubscriberNum exact; answers the block's
 * end and the timeline version the new subscribers start after.
 */
const RESERVE_SUB_SEQS = new Statement(
  'official_accounts.reserve_sub_seqs',
  'update official_accounts set next_sub_seq = next_sub_seq + ?, subscriber_num = subscriber_num + ? ' +
    'where sdkappid = ? and id = ? returning next_sub_seq, next_version',
);
/** A Seq for a message that a before-send webhook must first decide on (no version yet). */
const RESERVE_SEQ = new Statement(
  'official_accounts.reserve_seq',
  'update official_accounts set next_seq = next_seq + 1 where sdkappid = ? and id = ? returning next_seq',
);
// LastMsgTime moves forward only, even if two nodes' clocks disagree.
const takeSeqText = (later: string) =>
  'update official_accounts set next_seq = next_seq + 1, next_version = next_version + 1, ' +
  `last_msg_time = ${later}(last_msg_time, ?) where sdkappid = ? and id = ? returning next_seq, next_version`;
const TAKE_SEQ = new Statement('official_accounts.take_seq', takeSeqText('max'), {
  postgres: takeSeqText('greatest'),
});
const markSentText = (later: string) =>
  `update official_accounts set last_msg_time = ${later}(last_msg_time, ?), next_version = next_version + 1 ` +
  'where sdkappid = ? and id = ? returning next_version';
const MARK_SENT = new Statement('official_accounts.mark_sent', markSentText('max'), {
  postgres: markSentText('greatest'),
});
const TAKE_VERSIONS = new Statement(
  'official_accounts.take_versions',
  'update official_accounts set next_version = next_version + ? where sdkappid = ? and id = ? returning next_version',
);
const VERSIONS = new ListStatement(
  'official_accounts.versions',
  (name, list, prepared) =>
    new Statement(name, `select id, next_version from official_accounts where sdkappid = ? and id in (${list})`, {
      prepared,
    }),
);

/** Inserts the account; false when the ID is already taken (nothing written then). */
export async function insert(db: SqlRunner, sdkappid: number, account: NewOfficialAccount): Promise<boolean> {
  const values = INSERT.values({
    sdkappid,
    id: account.id,
    owner: account.owner,
    name: account.name,
    introduction: account.introduction,
    face_url: account.faceUrl,
    organization: account.organization,
    custom_string: account.customString,
    max_subscriber_num: account.maxSubscriberNum,
    create_time: account.createTime,
  });
  return (await db.changes(INSERT.statement, values)) === 1;
}

export async function getMany(
  db: SqlRunner,
  sdkappid: number,
  ids: readonly string[],
): Promise<Map<string, OfficialAccountRecord>> {
  const found = new Map<string, OfficialAccountRecord>();
  if (ids.length === 0) return found;
  const unique = [...new Set(ids)];
  for (const row of await db.jsonRows<Row>(GET.of(unique.length), [sdkappid, ...unique])) {
    found.set(row.id, toRecord(row));
  }
  return found;
}

/**
 * Another table's JSON rows read beside one account, in one statement (JsonRowsPair): the
 * account's existence (or SubscriberNum) and the rows come from the same snapshot.
 */
export function besideAccount(name: string, rows: JsonRowsStatement): JsonRowsPair {
  return new JsonRowsPair(name, GET.of(1), rows);
}

/** Runs a besideAccount statement: `parameters` are the rows' own; undefined account: no such account. */
export async function readBesideAccount<R>(
  db: SqlRunner,
  statement: JsonRowsPair,
  sdkappid: number,
  id: string,
  parameters: readonly unknown[],
): Promise<{ account: OfficialAccountRecord | undefined; rows: R[] }> {
  const [[account], rows] = await db.jsonRowsPair<Row, R>(statement, [sdkappid, id, ...parameters]);
  return { account: account && toRecord(account), rows };
}

/** Reads one account; on PostgreSQL the row stays locked until the transaction ends. */
export async function lock(db: SqlRunner, sdkappid: number, id: string): Promise<OfficialAccountRecord | undefined> {
  const [row] = await db.rows<Row>(LOCK, [sdkappid, id]);
  return row ? toRecord(row) : undefined;
}

/** Answers false when there was nothing to change (no statement ran). */
export async function update(db: SqlRunner, sdkappid: number, id: string, changes: OfficialAccountChanges) {
  if (Object.values(changes).every((v) => v === undefined)) return false;
  await db.changes(UPDATE, [
    changes.name ?? null,
    changes.introduction ?? null,
    changes.faceUrl ?? null,
    changes.organization ?? null,
    changes.customString ?? null,
    changes.maxSubscriberNum ?? null,
    sdkappid,
    id,
  ]);
  return true;
}

export async function remove(db: SqlRunner, sdkappid: number, id: string): Promise<boolean> {
  return (await db.changes(DELETE, [sdkappid, id])) === 1;
}

export async function adjustSubscriberNum(db: SqlRunner, sdkappid: number, id: string, delta: number): Promise<void> {
  await db.changes(ADJUST_SUBSCRIBER_NUM, [delta, sdkappid, id]);
}

/**
 * Reserves `n` subscription order numbers and counts `n` more subscribers; answers the first
 * number and the account's timeline version (the new subscriptions start after it).
 */
export async function reserveSubSeqs(db: SqlRunner, sdkappid: number, id: string, n: number) {
  const [row] = await db.rows<{ next_sub_seq: number | string; next_version: number | string }>(RESERVE_SUB_SEQS, [
    n,
    n,
    sdkappid,
    id,
  ]);
  if (row === undefined) throw new Error(`official account ${id} vanished inside its transaction`);
  return { firstSubSeq: Number(row.next_sub_seq) - n + 1, version: Number(row.next_version) };
}

/**
 * Takes the next message Seq; never repeats one. With `sentAt`, the message is visible at once:
 * it also takes a timeline version and moves LastMsgTime. Without, it waits for a before-send
 * webhook and gets its version from markSent (version 0 until then). The update locks the row
 * (PostgreSQL) until the transaction ends; undefined when there is no such account.
 */
export async function takeSeq(db: SqlRunner, sdkappid: number, id: string, sentAt: number | null) {
  const [row] =
    sentAt === null
      ? await db.rows<{ next_seq: number | string }>(RESERVE_SEQ, [sdkappid, id])
      : await db.rows<{ next_seq: number | string; next_version: number | string }>(TAKE_SEQ, [sentAt, sdkappid, id]);
  if (row === undefined) return undefined;
  return { seq: Number(row.next_seq), version: 'next_version' in row ? Number(row.next_version) : 0 };
}

/** A pending message became visible: LastMsgTime moves forward; answers its timeline version. */
export async function markSent(db: SqlRunner, sdkappid: number, id: string, time: number): Promise<number> {
  return versionOf(await db.rows<{ next_version: number | string }>(MARK_SENT, [time, sdkappid, id]), id);
}

/** Takes `n` timeline versions (recalls); answers the last one. */
export async function takeVersions(db: SqlRunner, sdkappid: number, id: string, n: number): Promise<number> {
  return versionOf(await db.rows<{ next_version: number | string }>(TAKE_VERSIONS, [n, sdkappid, id]), id);
}

function versionOf(rows: { next_version: number | string }[], id: string): number {
  const [row] = rows;
  if (row === undefined) throw new Error(`official account ${id} vanished inside its transaction`);
  return Number(row.next_version);
}

/** The timeline versions of these accounts (those that exist). */
export async function versions(db: SqlRunner, sdkappid: number, ids: readonly string[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (ids.length === 0) return found;
  const unique = [...new Set(ids)];
  const rows = await db.rows<{ id: string; next_version: number | string }>(VERSIONS.of(unique.length), [
    sdkappid,
    ...unique,
  ]);
  for (const row of rows) found.set(row.id, Number(row.next_version));
  return found;
}
