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
}

type Row = Selectable<OfficialAccountsTable>;

const COLUMNS = allColumns<Row>()([
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
]);

function toRecord(row: Row): OfficialAccountRecord {
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
  };
}

// The counters start out at their defaults.
const INSERT = insertInto(
  'official_accounts.insert',
  'official_accounts',
  except(COLUMNS, ['subscriber_num', 'last_msg_time', 'next_seq', 'next_sub_seq']),
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
/** One UPDATE reserves a block of sub_seq values and keeps SubscriberNum exact; answers the block's end. */
const RESERVE_SUB_SEQS = new Statement(
  'official_accounts.reserve_sub_seqs',
  'update official_accounts set next_sub_seq = next_sub_seq + ?, subscriber_num = subscriber_num + ? ' +
    'where sdkappid = ? and id = ? returning next_sub_seq',
);
// LastMsgTime moves forward only, even if two nodes' clocks disagree.
const takeSeqText = (later: string) =>
  `update official_accounts set next_seq = next_seq + 1, last_msg_time = ${later}(last_msg_time, ?) ` +
  'where sdkappid = ? and id = ? returning next_seq';
const TAKE_SEQ = new Statement('official_accounts.take_seq', takeSeqText('max'), {
  postgres: takeSeqText('greatest'),
});
const touch = (later: string) =>
  `update official_accounts set last_msg_time = ${later}(last_msg_time, ?) where sdkappid = ? and id = ?`;
const TOUCH_LAST_MSG_TIME = new Statement('official_accounts.touch_last_msg_time', touch('max'), {
  postgres: touch('greatest'),
});

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

/** Reserves `n` subscription order numbers and counts `n` more subscribers; answers the first number. */
export async function reserveSubSeqs(db: SqlRunner, sdkappid: number, id: string, n: number): Promise<number> {
  const [row] = await db.rows<{ next_sub_seq: number | string }>(RESERVE_SUB_SEQS, [n, n, sdkappid, id]);
  if (row === undefined) throw new Error(`official account ${id} vanished inside its transaction`);
  return Number(row.next_sub_seq) - n + 1;
}

/** Takes the next message Seq and moves LastMsgTime to `time` (0: leave it); never repeats a Seq. */
export async function takeSeq(db: SqlRunner, sdkappid: number, id: string, time: number): Promise<number> {
  const [row] = await db.rows<{ next_seq: number | string }>(TAKE_SEQ, [time, sdkappid, id]);
  if (row === undefined) throw new Error(`official account ${id} vanished inside its transaction`);
  return Number(row.next_seq);
}

export async function touchLastMsgTime(db: SqlRunner, sdkappid: number, id: string, time: number): Promise<void> {
  await db.changes(TOUCH_LAST_MSG_TIME, [time, sdkappid, id]);
}
