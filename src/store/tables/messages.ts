/**
 * `messages`: each official account's timeline, one row per broadcast keyed by (account, Seq).
 * Nothing is stored per subscriber.
 */
import type { Generated, Selectable } from 'kysely';
import type { MessageOutcome, MessageRecord, MessageState, NewMessage, OfficialAccountRecord } from '../records.ts';
import type { SqlRunner } from '../sql/runner.ts';
import {
  allColumns,
  columnList,
  except,
  insertInto,
  type JsonRowsPair,
  JsonRowsStatement,
  ListStatement,
  Statement,
} from '../sql/statement.ts';
import * as officialAccounts from './official-accounts.ts';

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
  /** An index into STATES. */
  state: Generated<number>;
  /** The account's timeline version of the message's last change (sent, recalled); 0 while pending. */
  version: Generated<number>;
  /** The timeline version at which the message became visible; 0 while pending. */
  sent_version: Generated<number>;
}

type Row = Selectable<MessagesTable>;

/** Stored as their index; the numbers also appear literally in the SQL below (partial index, filters). */
const STATES: readonly MessageState[] = ['sent', 'pending', 'discarded', 'refused'];
export const SENT = 0;
const PENDING = 1;

const COLUMNS = allColumns<Row>()([
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
  'version',
  'sent_version',
]);

function toRecord(row: Row): MessageRecord {
  return {
    officialAccountId: row.oa_id,
    seq: Number(row.seq),
    msgKey: row.msg_key,
    random: Number(row.random),
    time: Number(row.time),
    fromAccount: row.from_account,
    body: JSON.parse(row.body) as unknown[],
    cloudCustomData: row.cloud_custom_data,
    offlinePushInfo:
      row.offline_push_info === null ? null : (JSON.parse(row.offline_push_info) as Record<string, unknown>),
    options: JSON.parse(row.options) as MessageRecord['options'],
    onlineOnly: Number(row.online_only) === 1,
    contentHash: row.content_hash,
    recalled: Number(row.recalled) === 1,
    recallReason: row.recall_reason,
    recallTime: row.recall_time === null ? null : Number(row.recall_time),
    state: STATES[Number(row.state)] ?? 'sent',
    version: Number(row.version),
    sentVersion: Number(row.sent_version),
  };
}

// The recall columns start out at their defaults.
const INSERT = insertInto('messages.insert', 'messages', except(COLUMNS, ['recalled', 'recall_reason', 'recall_time']));
const SELECT = `select ${columnList(COLUMNS)} from messages`;
const SETTLE = new Statement(
  'messages.settle',
  `update messages set state = ?, body = ?, cloud_custom_data = ? where sdkappid = ? and oa_id = ? and seq = ? and state = ${PENDING}`,
);
/**
 * Sent, pending and discarded messages count as duplicates (a refused send may be retried). No
 * ORDER BY: within the window there is at most one such message, and sorting by seq would steer
 * SQLite onto the primary key (a scan of the whole history) instead of the (account, random) index.
 */
const FIND_DUPLICATE = new Statement(
  'messages.find_duplicate',
  `${SELECT} where sdkappid = ? and oa_id = ? and "random" = ? and content_hash = ? and "time" >= ? ` +
    'and state in (0, 1, 2) limit 1',
);
/** History: sent, not online-only; the four variants are before a Seq or not, with recalled or not. */
const historyStatement = (before: boolean, withRecalled: boolean) =>
  new JsonRowsStatement(
    `messages.history${before ? '_before' : ''}${withRecalled ? '_with_recalled' : ''}`,
    COLUMNS,
    `${SELECT} where sdkappid = ? and oa_id = ? and online_only = 0 and state = ${SENT}` +
      `${before ? ' and seq < ?' : ''}${withRecalled ? '' : ' and recalled = 0'} order by seq desc limit ?`,
    { order: { column: 'seq', descending: true } },
  );
const HISTORY = [
  historyStatement(false, false),
  historyStatement(false, true),
  historyStatement(true, false),
  historyStatement(true, true),
] as const;
/** The same four, each read beside its account in one statement (a history page and whether the account exists). */
const HISTORY_WITH_ACCOUNT = HISTORY.map((history) =>
  officialAccounts.besideAccount(`${history.name}_with_account`, history),
);
const GET = new ListStatement(
  'messages.get',
  (name, seqs, prepared) =>
    new Statement(name, `${SELECT} where sdkappid = ? and oa_id = ? and seq in (${seqs})`, { prepared }),
);
const MARK_RECALLED = new Statement(
  'messages.mark_recalled',
  'update messages set recalled = 1, recall_reason = ?, recall_time = ?, version = ? where sdkappid = ? and oa_id = ? and seq = ?',
);
const SET_VERSION = new Statement(
  'messages.set_version',
  'update messages set version = ?, sent_version = ? where sdkappid = ? and oa_id = ? and seq = ?',
);
/**
 * What subscribers must be told, oldest change first: messages that became visible or were
 * recalled after a timeline version (online-only ones too: who may see them is the caller's call).
 */
const CHANGES_AFTER = new JsonRowsStatement(
  'messages.changes_after',
  COLUMNS,
  `${SELECT} where sdkappid = ? and oa_id = ? and version > ? and state = ${SENT} order by version limit ?`,
  { order: { column: 'version' } },
);
// `state = 1` is written out so SQLite can use the partial index of pending rows (migration 0004).
const PENDING_BEFORE = new Statement(
  'messages.pending_before',
  `select ${columnList(COLUMNS)} from messages where state = ${PENDING} and "time" < ? order by "time" limit ?`,
);
const DELETE_OF_ACCOUNT = new Statement(
  'messages.delete_of_account',
  'delete from messages where sdkappid = ? and oa_id = ?',
);

export async function insert(db: SqlRunner, sdkappid: number, message: NewMessage): Promise<void> {
  await db.changes(
    INSERT.statement,
    INSERT.values({
      sdkappid,
      oa_id: message.officialAccountId,
      seq: message.seq,
      msg_key: message.msgKey,
      random: message.random,
      time: message.time,
      from_account: message.fromAccount,
      body: JSON.stringify(message.body),
      cloud_custom_data: message.cloudCustomData,
      offline_push_info: message.offlinePushInfo === null ? null : JSON.stringify(message.offlinePushInfo),
      options: JSON.stringify(message.options),
      online_only: message.onlineOnly ? 1 : 0,
      content_hash: message.contentHash,
      state: STATES.indexOf(message.state),
      version: message.version,
      sent_version: message.version,
    }),
  );
}

/** Settles a message that is still pending; false when it was not (already settled). */
export async function settle(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  seq: number,
  outcome: MessageOutcome,
): Promise<boolean> {
  const parameters = [
    STATES.indexOf(outcome.state),
    JSON.stringify(outcome.body),
    outcome.cloudCustomData,
    sdkappid,
    officialAccountId,
    seq,
  ];
  return (await db.changes(SETTLE, parameters)) === 1;
}

/** A message of the account (in any state but refused) with this Random and content hash sent at or after `since`. */
export async function findDuplicate(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  random: number,
  contentHash: string,
  since: number,
): Promise<MessageRecord | undefined> {
  const [row] = await db.rows<Row>(FIND_DUPLICATE, [sdkappid, officialAccountId, random, contentHash, since]);
  return row ? toRecord(row) : undefined;
}

/** A history page (as `history`) with its account, read together (undefined account: no such account). */
export async function historyWithAccount(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  beforeSeq: number | null,
  limit: number,
  withRecalled: boolean,
): Promise<{ account: OfficialAccountRecord | undefined; messages: MessageRecord[] }> {
  const statement = HISTORY_WITH_ACCOUNT[(beforeSeq === null ? 0 : 2) + (withRecalled ? 1 : 0)] as JsonRowsPair;
  const history =
    beforeSeq === null ? [sdkappid, officialAccountId, limit] : [sdkappid, officialAccountId, beforeSeq, limit];
  const { account, rows } = await officialAccounts.readBesideAccount<Row>(
    db,
    statement,
    sdkappid,
    officialAccountId,
    history,
  );
  return { account, messages: rows.map(toRecord) };
}

export async function getMany(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  seqs: readonly number[],
): Promise<Map<number, MessageRecord>> {
  const found = new Map<number, MessageRecord>();
  if (seqs.length === 0) return found;
  const unique = [...new Set(seqs)];
  for (const row of await db.rows<Row>(GET.of(unique.length), [sdkappid, officialAccountId, ...unique])) {
    found.set(Number(row.seq), toRecord(row));
  }
  return found;
}

/** Recalls messages, each taking the next of `versions` (ascending) as its new timeline version. */
export async function markRecalled(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  seqs: readonly number[],
  reason: string,
  time: number,
  firstVersion: number,
): Promise<void> {
  for (const [i, seq] of seqs.entries()) {
    await db.changes(MARK_RECALLED, [reason, time, firstVersion + i, sdkappid, officialAccountId, seq]);
  }
}

/** A message that became visible (settled as sent) at this timeline version. */
export async function setVersion(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  seq: number,
  version: number,
): Promise<void> {
  await db.changes(SET_VERSION, [version, version, sdkappid, officialAccountId, seq]);
}

/** Changes subscribers must be told of after `afterVersion`, in version order, at most `limit`. */
export async function changesAfter(
  db: SqlRunner,
  sdkappid: number,
  officialAccountId: string,
  afterVersion: number,
  limit: number,
): Promise<MessageRecord[]> {
  return (await db.jsonRows<Row>(CHANGES_AFTER, [sdkappid, officialAccountId, afterVersion, limit])).map(toRecord);
}

/** Sends still pending (reserved, before-send webhook unanswered) made before `sentBefore`, in every app. */
export async function pendingBefore(
  db: SqlRunner,
  sentBefore: number,
  limit: number,
): Promise<{ sdkappid: number; message: MessageRecord }[]> {
  const rows = await db.rows<Row>(PENDING_BEFORE, [sentBefore, limit]);
  return rows.map((row) => ({ sdkappid: Number(row.sdkappid), message: toRecord(row) }));
}

export async function removeOfAccount(db: SqlRunner, sdkappid: number, officialAccountId: string): Promise<void> {
  await db.changes(DELETE_OF_ACCOUNT, [sdkappid, officialAccountId]);
}
