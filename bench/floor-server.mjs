// The floor: the least work that still does what each benchmark workload asks of Herald. Every
// command runs the SQL statements Herald runs (same text, same name on PostgreSQL, same
// transactions, same pragmas and pool settings) and answers the bytes Herald answers; it leaves
// out everything else: UserSig, validation, rate and send limits, logging, metrics, webhooks and
// realtime doorbells. Herald's req/s over the floor's is how close it gets to the real limit.
// bench/floor-check.ts proves the answers, the statements and the stored rows are Herald's.
//
// Env: BENCH_PORT (127.0.0.1), BENCH_FLOOR_STORE = sqlite | postgres;
//      sqlite: HERALD_DATA (the directory holding herald.sqlite, which must exist and be migrated);
//      postgres: HERALD_DATABASE_URL, HERALD_DATABASE_POOL_SIZE (10), HERALD_DATABASE_STATEMENT_TIMEOUT_MS (5000);
//      BENCH_FLOOR_SDKAPPID: the app to serve (default: the store's only app). The query string is
//      never read, so every call runs for that app.
//      BENCH_FLOOR_SPIN_US: a diagnostic, off by default: spin this many µs of CPU before each
//      answer, to measure what a given amount of extra work per call costs the floor's req/s on
//      this machine (the load generator shares it, so the cost is more than the work itself).
// Plain JavaScript on node:http so no loader or framework runs in it.
import { createHash, randomInt } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

// ---------------------------------------------------------------------------------------------
// Statements, written as src/store/tables/*.ts write them (sql/statement.ts builds the texts).

const MAX_PREPARED_LIST = 10;

/** One statement: SQLite text, PostgreSQL text (`$n`, and `/*herald:name*\/` when kept prepared). */
function statement(name, text, { postgres = text, prepared = true } = {}) {
  let n = 0;
  const numbered = postgres.replace(/\?/g, () => `$${++n}`);
  return {
    name: prepared ? name : undefined,
    sqlite: text,
    postgres: prepared ? `/*herald:${name}*/ ${numbered}` : numbered,
    // better-sqlite3's prepared statement, made on first use.
    prepared: undefined,
    json: false,
  };
}

const columnList = (columns) => columns.map((c) => `"${c}"`).join(', ');

/** Rows as one JSON array of arrays (JsonRowsStatement): far cheaper to read than row objects. */
function jsonRows(name, columns, select, prepared = true) {
  const values = columnList(columns);
  const aggregate = {
    sqlite: `select json_group_array(json_array(${values})) as rows from (${select})`,
    postgres: `select coalesce(json_agg(json_build_array(${values})), '[]') as rows from (${select}) as t`,
  };
  const s = statement(name, aggregate.sqlite, { postgres: aggregate.postgres, prepared });
  s.json = true;
  s.aggregate = aggregate;
  return s;
}

/** Two jsonRows statements read by one (JsonRowsPair): [first's rows, second's rows]. */
function jsonPair(name, first, second) {
  const text = (d) => `select (${first.aggregate[d]}) as first_rows, (${second.aggregate[d]}) as second_rows`;
  const s = statement(name, text('sqlite'), { postgres: text('postgres') });
  s.pair = true;
  return s;
}

/** A statement per list length (ListStatement): `<name>.<n>`, prepared on PostgreSQL up to 10. */
function listOf(name, build, item = '?') {
  const byLength = new Map();
  return (n) => {
    let s = byLength.get(n);
    if (s === undefined) {
      s = build(`${name}.${n}`, Array.from({ length: n }, () => item).join(', '), n <= MAX_PREPARED_LIST);
      byLength.set(n, s);
    }
    return s;
  };
}

const OA_COLUMNS = [
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
];
/** Positions in an official_accounts JSON row. */
const OA = Object.fromEntries(OA_COLUMNS.map((c, i) => [c, i]));
const OA_INSERT_COLUMNS = OA_COLUMNS.filter(
  (c) => !['subscriber_num', 'last_msg_time', 'next_seq', 'next_sub_seq', 'next_version'].includes(c),
);
const OA_SELECT = `select ${columnList(OA_COLUMNS)} from official_accounts where sdkappid = ?`;
const OA_GET = listOf('official_accounts.get', (name, list, prepared) =>
  jsonRows(name, OA_COLUMNS, `${OA_SELECT} and id in (${list})`, prepared),
);
const OA_LOCK = statement('official_accounts.lock', `${OA_SELECT} and id = ?`, {
  postgres: `${OA_SELECT} and id = ? for update`,
});
const OA_INSERT = statement(
  'official_accounts.insert',
  `insert into official_accounts (${columnList(OA_INSERT_COLUMNS)}) values (${OA_INSERT_COLUMNS.map(() => '?').join(', ')})` +
    ' on conflict (sdkappid, id) do nothing',
);
const OA_RESERVE_SUB_SEQS = statement(
  'official_accounts.reserve_sub_seqs',
  'update official_accounts set next_sub_seq = next_sub_seq + ?, subscriber_num = subscriber_num + ? ' +
    'where sdkappid = ? and id = ? returning next_sub_seq, next_version',
);
const takeSeqText = (later) =>
  'update official_accounts set next_seq = next_seq + 1, next_version = next_version + 1, ' +
  `last_msg_time = ${later}(last_msg_time, ?) where sdkappid = ? and id = ? returning next_seq, next_version`;
const OA_TAKE_SEQ = statement('official_accounts.take_seq', takeSeqText('max'), {
  postgres: takeSeqText('greatest'),
});

const APPS_TAKE_SLOT = statement(
  'apps.take_official_account_slot',
  'update apps set official_account_count = official_account_count + 1 where sdkappid = ? and official_account_count < ?',
);

const ACCOUNTS_EXISTING_SHARE = listOf('accounts.existing_share', (name, list, prepared) => {
  const text = `select user_id from accounts where sdkappid = ? and user_id in (${list})`;
  return statement(name, text, { postgres: `${text} order by user_id for share`, prepared });
});
const UPSERT = 'insert into accounts (sdkappid, user_id, nick, face_url, created_at) values (?, ?, ?, ?, ?)';
/** Indexed by (Nick given ? 1 : 0) + (FaceUrl given ? 2 : 0). */
const ACCOUNTS_UPSERT = [
  statement('accounts.upsert', `${UPSERT} on conflict (sdkappid, user_id) do nothing`),
  statement('accounts.upsert_nick', `${UPSERT} on conflict (sdkappid, user_id) do update set nick = excluded.nick`),
  statement(
    'accounts.upsert_face',
    `${UPSERT} on conflict (sdkappid, user_id) do update set face_url = excluded.face_url`,
  ),
  statement(
    'accounts.upsert_both',
    `${UPSERT} on conflict (sdkappid, user_id) do update set nick = excluded.nick, face_url = excluded.face_url`,
  ),
];

const SUB_PAGE_COLUMNS = ['user_id', 'sub_seq', 'subscribe_time', 'custom_string', 'msg_flag', 'last_send_msg_time'];
const SUB_INSERT_COLUMNS = ['sdkappid', 'oa_id', 'user_id', 'sub_seq', 'subscribe_time', 'from_version'];
const SUBSCRIBED_AMONG = listOf('subscriptions.subscribed_among', (name, list, prepared) =>
  statement(name, `select user_id from subscriptions where sdkappid = ? and oa_id = ? and user_id in (${list})`, {
    prepared,
  }),
);
const SUB_INSERT = listOf(
  'subscriptions.insert',
  (name, rows, prepared) =>
    statement(name, `insert into subscriptions (${columnList(SUB_INSERT_COLUMNS)}) values ${rows}`, { prepared }),
  `(${SUB_INSERT_COLUMNS.map(() => '?').join(', ')})`,
);
const SUB_PAGE = jsonRows(
  'subscriptions.page',
  SUB_PAGE_COLUMNS,
  `select ${columnList(SUB_PAGE_COLUMNS)} from subscriptions where sdkappid = ? and oa_id = ? and sub_seq > ? ` +
    'order by sub_seq limit ?',
);
const SUB_PAGE_WITH_ACCOUNT = jsonPair('subscriptions.page_with_account', OA_GET(1), SUB_PAGE);

const MSG_COLUMNS = [
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
];
/** Positions in a messages JSON row. */
const MSG = Object.fromEntries(MSG_COLUMNS.map((c, i) => [c, i]));
const MSG_INSERT_COLUMNS = MSG_COLUMNS.filter((c) => !['recalled', 'recall_reason', 'recall_time'].includes(c));
const MSG_SELECT = `select ${columnList(MSG_COLUMNS)} from messages`;
const MSG_INSERT = statement(
  'messages.insert',
  `insert into messages (${columnList(MSG_INSERT_COLUMNS)}) values (${MSG_INSERT_COLUMNS.map(() => '?').join(', ')})`,
);
const MSG_FIND_DUPLICATE = statement(
  'messages.find_duplicate',
  `${MSG_SELECT} where sdkappid = ? and oa_id = ? and "random" = ? and content_hash = ? and "time" >= ? ` +
    'and state in (0, 1, 2) limit 1',
);
const historyStatement = (before, withRecalled) =>
  jsonRows(
    `messages.history${before ? '_before' : ''}${withRecalled ? '_with_recalled' : ''}`,
    MSG_COLUMNS,
    `${MSG_SELECT} where sdkappid = ? and oa_id = ? and online_only = 0 and state = 0` +
      `${before ? ' and seq < ?' : ''}${withRecalled ? '' : ' and recalled = 0'} order by seq desc limit ?`,
  );
/** Indexed by (LastMsgKey given ? 2 : 0) + (WithRecalledMsg ? 1 : 0). */
const MSG_HISTORY = [
  historyStatement(false, false),
  historyStatement(false, true),
  historyStatement(true, false),
  historyStatement(true, true),
].map((history) => jsonPair(`${history.name}_with_account`, OA_GET(1), history));

// ---------------------------------------------------------------------------------------------
// Commands: generators that yield steps ([op, statement, parameters], or a transaction) and return
// the answer. One body of logic serves both stores: SQLite runs the steps synchronously (a whole
// transaction in one turn of the event loop, as better-sqlite3 allows), PostgreSQL awaits each.

const ROW = 0; // the first row as an object, or undefined
const ROWS = 1; // every row as an object
const JSON_ROWS = 2; // a jsonRows statement's arrays
const JSON_PAIR = 5; // a jsonPair statement's two arrays of arrays
const RUN = 3; // a write: the number of rows changed
const TX = 4; // [TX, generator function]: run it in a transaction, retried on PostgreSQL deadlocks

const OK = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0';

/** A refusal Herald answers with its envelope (codes and texts of src/errors.ts). */
class Refusal extends Error {
  constructor(code, info) {
    super(info);
    this.code = code;
  }
  answer() {
    return JSON.stringify({ ActionStatus: 'FAIL', ErrorInfo: this.message, ErrorCode: this.code });
  }
}
/** Ends a send's transaction with a rollback when it repeats an earlier message. */
class Repeated {
  constructor(earlier) {
    this.earlier = earlier;
  }
}
const invalidParameter = (why) => new Refusal(6017, why);
const notFound = (id) => new Refusal(130004, `official account "${id}" does not exist`);
const NOT_FOUND_ITEM = ',"ErrorCode":130004,"ErrorInfo":"official account does not exist or has been destroyed"}';

const now = () => Math.floor(Date.now() / 1000);
const str = JSON.stringify;

let SDKAPPID = 0;
let MAX_OFFICIAL_ACCOUNTS = 0;

/**
 * SQLite only, as Herald's store keeps it (account-cache.ts): official-account rows for reads made
 * outside a transaction, sound because this process is the file's one writer. The floor keeps the
 * answer's item text, so a hit costs a lookup. Entries are dropped once a write to the row commits.
 */
let cache = null;
const CACHE_MAX = 50_000;

function forget(id) {
  cache?.delete(id);
}

/** The wire fields of get_official_account_info without a filter, in Herald's order. */
function infoItem(id, row) {
  return (
    `{"Official_Account":${str(id)},"ErrorCode":0,"ErrorInfo":"","CreateTime":${row[OA.create_time]},` +
    `"Name":${str(row[OA.name])},"Owner_Account":${str(row[OA.owner])},"LastMsgTime":${row[OA.last_msg_time]},` +
    `"SubscriberNum":${row[OA.subscriber_num]},"Introduction":${str(row[OA.introduction])},` +
    `"FaceUrl":${str(row[OA.face_url])},"Organization":${str(row[OA.organization])},` +
    `"CustomString":${str(row[OA.custom_string])}}`
  );
}

const BASE_INFO_FIELDS = {
  CreateTime: OA.create_time,
  Name: OA.name,
  Owner_Account: OA.owner,
  LastMsgTime: OA.last_msg_time,
  SubscriberNum: OA.subscriber_num,
  Introduction: OA.introduction,
  FaceUrl: OA.face_url,
  Organization: OA.organization,
  CustomString: OA.custom_string,
  MaxSubscriberNum: OA.max_subscriber_num,
};

/** With an OfficialAccountBaseInfoFilter: built the way services/official-accounts.ts selectBaseInfo does. */
function filteredInfoItem(id, row, filter) {
  const item = { Official_Account: id, ErrorCode: 0, ErrorInfo: '' };
  for (const field of filter) item[field] = row[BASE_INFO_FIELDS[field]];
  return str(item);
}

/** official_accounts.get for the IDs (deduplicated); Map id → { row, item }. */
function* getAccounts(ids, into) {
  const unique = [...new Set(ids)];
  const rows = yield [JSON_ROWS, OA_GET(unique.length), [SDKAPPID, ...unique]];
  for (const row of rows) into.set(row[OA.id], { row, item: infoItem(row[OA.id], row) });
}

function* getOfficialAccountInfo(body) {
  const list = body.OfficialAccountIdList;
  const ids = list.map((i) => i.Official_Account);
  const found = new Map();
  if (cache === null) {
    if (ids.length > 0) yield* getAccounts(ids, found);
  } else {
    const missing = [];
    for (const id of ids) {
      const hit = cache.get(id);
      if (hit !== undefined) found.set(id, hit);
      else if (!found.has(id)) missing.push(id);
    }
    if (missing.length > 0) {
      const read = new Map();
      yield* getAccounts(missing, read);
      for (const [id, entry] of read) {
        found.set(id, entry);
        if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value);
        cache.set(id, entry);
      }
    }
  }
  const known = (body.ResponseFilter?.OfficialAccountBaseInfoFilter ?? []).filter((f) =>
    Object.hasOwn(BASE_INFO_FIELDS, f),
  );
  let out = `${OK},"OfficialAccountInfoList":[`;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    const entry = found.get(id);
    if (i > 0) out += ',';
    if (entry === undefined) out += `{"Official_Account":${str(id)}${NOT_FOUND_ITEM}`;
    else out += known.length > 0 ? filteredInfoItem(id, entry.row, known) : entry.item;
  }
  return `${out}]}`;
}

function decodeCursor(next) {
  if (next === '') return 0;
  const text = /^[A-Za-z0-9_-]+$/.test(next) ? Buffer.from(next, 'base64url').toString('latin1') : '';
  const match = /^s(\d{1,15})$/.exec(text);
  if (!match) throw invalidParameter('Next is not a cursor returned by get_subscriber_info');
  return Number(match[1]);
}

function* getSubscriberInfo(body) {
  const id = body.Official_Account;
  const pageSize = body.Limit ?? 200;
  const after = decodeCursor(body.Next ?? '');
  // One statement: the page and the total come from the same snapshot.
  const [[account], rows] = yield [JSON_PAIR, SUB_PAGE_WITH_ACCOUNT, [SDKAPPID, id, SDKAPPID, id, after, pageSize + 1]];
  if (account === undefined) throw notFound(id);
  // The aggregate promises no order.
  rows.sort((a, b) => a[1] - b[1]);
  const count = Math.min(rows.length, pageSize);
  const next = rows.length > pageSize && count > 0 ? Buffer.from(`s${rows[count - 1][1]}`).toString('base64url') : '';
  let out = `${OK},"Next":"${next}","SubscriberNum":${account[OA.subscriber_num]},"SubscriberList":[`;
  for (let i = 0; i < count; i++) {
    const r = rows[i];
    out +=
      `${i > 0 ? ',' : ''}{"Subscriber_Account":${str(r[0])},"SubscribeTime":${r[2]},"CustomString":${str(r[3])},` +
      `"MsgFlag":${str(r[4])},"LastSendMsgTime":${r[5]}}`;
  }
  return `${out}]}`;
}

function* msgGetSimple(body) {
  const id = body.Official_Account;
  const wanted = body.ReqMsgNumber;
  let beforeSeq = null;
  if (body.LastMsgKey !== undefined && body.LastMsgKey !== '') {
    const match = /^(\d{1,15})_1_(\d{1,15})$/.exec(body.LastMsgKey);
    if (!match) throw invalidParameter(`LastMsgKey "${body.LastMsgKey}" is not a MsgKey ({Seq}_1_{Time})`);
    beforeSeq = Number(match[1]);
  }
  const pageSize = Math.min(wanted, 20);
  const withRecalled = body.WithRecalledMsg === 1;
  const history = MSG_HISTORY[(beforeSeq === null ? 0 : 2) + (withRecalled ? 1 : 0)];
  const params =
    beforeSeq === null
      ? [SDKAPPID, id, SDKAPPID, id, pageSize + 1]
      : [SDKAPPID, id, SDKAPPID, id, beforeSeq, pageSize + 1];
  const [accounts, rows] = yield [JSON_PAIR, history, params];
  if (accounts.length === 0) throw notFound(id);
  rows.sort((a, b) => b[MSG.seq] - a[MSG.seq]);
  const count = Math.min(rows.length, pageSize);
  const isFinished = rows.length <= pageSize ? 2 : wanted > 20 ? 0 : 1;
  const lastKey = count > 0 ? rows[count - 1][MSG.msg_key] : '';
  let out = `${OK},"Official_Account":${str(id)},"IsFinished":${isFinished},"LastMsgKey":${str(lastKey)},"RspMsgList":[`;
  for (let i = 0; i < count; i++) {
    const m = rows[i];
    const recalled = m[MSG.recalled] === 1;
    const data = m[MSG.cloud_custom_data];
    // The stored body is the JSON.stringify of what was sent: it goes out as it is, where Herald
    // parses it and writes it again to the same text.
    out +=
      `${i > 0 ? ',' : ''}{"From_Account":${str(m[MSG.from_account])},"IsPlaceMsg":${recalled ? 2 : 0},` +
      `"IsSystemMsg":0,"MsgBody":${recalled ? '[]' : m[MSG.body]},"MsgKey":${str(m[MSG.msg_key])},` +
      `"MsgSeq":${m[MSG.seq]},"MsgRandom":${m[MSG.random]},"MsgTimeStamp":${m[MSG.time]}` +
      `${data !== null && !recalled ? `,"CloudCustomData":${str(data)}` : ''}}`;
  }
  return `${out}]}`;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function generateId() {
  let suffix = '';
  for (let i = 0; i < 10; i++) suffix += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return `@TOA#_@TOA#${suffix}`;
}

function* createOfficialAccount(body) {
  const owner = body.Owner_Account;
  const id = yield [
    TX,
    function* () {
      const owners = yield [ROWS, ACCOUNTS_EXISTING_SHARE(1), [SDKAPPID, owner]];
      if (!owners.some((r) => r.user_id === owner))
        throw invalidParameter(`Owner_Account "${owner}" is not an imported account; import it first`);
      const values = [
        SDKAPPID,
        undefined, // the ID, below
        owner,
        body.Name,
        body.Introduction ?? '',
        body.FaceUrl ?? '',
        body.Organization ?? '',
        body.CustomString ?? '',
        body.MaxSubscriberNum ?? 100_000,
        now(),
      ];
      let id = body.OfficialAccountUserID;
      if (id !== undefined) {
        values[1] = id;
        if ((yield [RUN, OA_INSERT, values]) !== 1)
          throw new Refusal(130008, `OfficialAccountUserID "${id}" is already in use`);
      } else {
        do values[1] = id = generateId();
        while ((yield [RUN, OA_INSERT, values]) !== 1);
      }
      // Last, as Herald does: on PostgreSQL the app row stays locked only for the commit.
      if ((yield [RUN, APPS_TAKE_SLOT, [SDKAPPID, MAX_OFFICIAL_ACCOUNTS]]) !== 1)
        throw new Refusal(130010, `this app may have at most ${MAX_OFFICIAL_ACCOUNTS} official accounts`);
      return id;
    },
  ];
  return `${OK},"OfficialAccountUserID":${str(id)}}`;
}

function* addSubscriber(body) {
  const id = body.Official_Account;
  const userIds = body.SubscriberList.map((item, i) => {
    const userId = item.Subscriber_Account ?? item.Official_Account;
    if (userId === undefined) throw invalidParameter(`SubscriberList.${i}: Subscriber_Account is required`);
    return userId;
  });
  const unique = [...new Set(userIds)];
  const [results, added] = yield [
    TX,
    function* () {
      const account = yield [ROW, OA_LOCK, [SDKAPPID, id]];
      if (account === undefined) throw notFound(id);
      const already = new Set();
      for (const r of yield [ROWS, SUBSCRIBED_AMONG(unique.length), [SDKAPPID, id, ...unique]]) already.add(r.user_id);
      const candidates = unique.filter((u) => !already.has(u));
      const imported = new Set();
      if (candidates.length > 0)
        for (const r of yield [ROWS, ACCOUNTS_EXISTING_SHARE(candidates.length), [SDKAPPID, ...candidates]])
          imported.add(r.user_id);
      let room = Math.max(0, account.max_subscriber_num - account.subscriber_num);
      const added = [];
      // A user named twice: 2 ("already subscribed") only if the first mention subscribed them.
      const first = new Map();
      const results = userIds.map((userId) => {
        let result;
        const earlier = first.get(userId);
        if (earlier !== undefined) result = earlier === 0 ? 0 : 2;
        else if (already.has(userId)) result = 2;
        else if (!imported.has(userId) || room === 0) result = 0;
        else {
          result = 1;
          room--;
          added.push(userId);
        }
        if (earlier === undefined) first.set(userId, result);
        return result;
      });
      if (added.length > 0) {
        const n = added.length;
        const taken = yield [ROW, OA_RESERVE_SUB_SEQS, [n, n, SDKAPPID, id]];
        const firstSubSeq = Number(taken.next_sub_seq) - n + 1;
        const version = Number(taken.next_version);
        const time = now();
        const params = new Array(n * 6);
        for (let i = 0; i < n; i++) {
          params[i * 6] = SDKAPPID;
          params[i * 6 + 1] = id;
          params[i * 6 + 2] = added[i];
          params[i * 6 + 3] = firstSubSeq + i;
          params[i * 6 + 4] = time;
          params[i * 6 + 5] = version;
        }
        yield [RUN, SUB_INSERT(n), params];
      }
      return [results, added.length];
    },
  ];
  if (added > 0) forget(id);
  let out = `${OK},"SubscriberList":[`;
  for (let i = 0; i < userIds.length; i++)
    out += `${i > 0 ? ',' : ''}{"Subscriber_Account":${str(userIds[i])},"Result":${results[i]}}`;
  return `${out}]}`;
}

function* sendOfficialAccountMsg(body) {
  const id = body.Official_Account;
  const random = body.Random;
  const bodyJson = str(body.MsgBody);
  const cloudCustomData = body.CloudCustomData ?? null;
  const onlineOnly = body.OnlineOnlyFlag === 1 ? 1 : 0;
  const hash = createHash('sha256')
    .update(str([bodyJson, cloudCustomData, onlineOnly === 1]))
    .digest('base64');
  let time;
  let key;
  try {
    [time, key] = yield [
      TX,
      function* () {
        // Taking the Seq locks the row; the same Random and content within 5 minutes is the same
        // message: its key again, and a rollback, so nothing is stored or taken.
        const time = now();
        const taken = yield [ROW, OA_TAKE_SEQ, [time, SDKAPPID, id]];
        if (taken === undefined) throw notFound(id);
        const earlier = yield [ROW, MSG_FIND_DUPLICATE, [SDKAPPID, id, random, hash, time - 300]];
        if (earlier !== undefined) throw new Repeated(earlier);
        const seq = Number(taken.next_seq);
        const version = Number(taken.next_version);
        const key = `${seq}_1_${time}`;
        const options = {};
        if (body.SendMsgControl) options.sendMsgControl = body.SendMsgControl;
        if (body.ForbidCallbackControl) options.forbidCallbackControl = body.ForbidCallbackControl;
        yield [
          RUN,
          MSG_INSERT,
          [
            SDKAPPID,
            id,
            seq,
            key,
            random,
            time,
            id,
            bodyJson,
            cloudCustomData,
            body.OfflinePushInfo === undefined ? null : str(body.OfflinePushInfo),
            str(options),
            onlineOnly,
            hash,
            0, // state: sent (no before-send webhook)
            version,
            version,
          ],
        ];
        return [time, key];
      },
    ];
  } catch (e) {
    if (!(e instanceof Repeated)) throw e;
    return `${OK},"MsgTime":${e.earlier.time},"MsgKey":${str(e.earlier.msg_key)}}`;
  }
  forget(id);
  return `${OK},"MsgTime":${time},"MsgKey":${str(key)}}`;
}

function* accountImport(body) {
  const userId = body.UserID ?? body.Identifier;
  const variant = (body.Nick !== undefined ? 1 : 0) + (body.FaceUrl !== undefined ? 2 : 0);
  const params = [SDKAPPID, userId, body.Nick ?? '', body.FaceUrl ?? '', now()];
  // One statement, in autocommit as Herald runs it.
  yield [RUN, ACCOUNTS_UPSERT[variant], params];
  return `${OK}}`;
}

const COMMANDS = new Map([
  ['/v4/official_account_open_http_svc/get_official_account_info', getOfficialAccountInfo],
  ['/v4/official_account_open_http_svc/get_subscriber_info', getSubscriberInfo],
  ['/v4/official_account_open_http_svc/official_account_msg_get_simple', msgGetSimple],
  ['/v4/official_account_open_http_svc/create_official_account', createOfficialAccount],
  ['/v4/official_account_open_http_svc/add_subscriber', addSubscriber],
  ['/v4/official_account_open_http_svc/send_official_account_msg', sendOfficialAccountMsg],
  ['/v4/im_open_login_svc/account_import', accountImport],
]);

// ---------------------------------------------------------------------------------------------
// SQLite: better-sqlite3 as src/store/sqlite.ts opens it, one connection, and the same WAL
// checkpoints on a worker thread (sqlite-checkpointer.ts).

const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
let timer;
let lastLog = -1;
function tick() {
  let interval = 250;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result.log !== lastLog || result.checkpointed < result.log) interval = 20;
    lastLog = result.log;
  } catch {
    interval = 20;
  }
  timer = setTimeout(tick, interval);
}
tick();
parentPort.on('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

const parseRows = (text) => (text === null || text === undefined ? [] : JSON.parse(text));

async function openSqlite(dir) {
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3');
  const file = join(dir, 'herald.sqlite');
  const db = new Database(file, { fileMustExist: true });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('wal_autocheckpoint = 4000');
  const worker = new Worker(CHECKPOINT_WORKER, {
    eval: true,
    workerData: { driver: require.resolve('better-sqlite3'), file },
  });
  worker.unref();
  const exited = new Promise((resolve) => worker.once('exit', resolve));

  const prepare = (s) => {
    if (s.prepared === undefined) {
      s.prepared = db.prepare(s.sqlite);
      // The one value of a jsonRows statement, without a row object around it.
      if (s.json) s.prepared.pluck();
    }
    return s.prepared;
  };
  // Herald opens and ends transactions with these statements (the write lock taken at begin).
  const begin = db.prepare('begin immediate');
  const commit = db.prepare('commit');
  const rollback = db.prepare('rollback');

  function exec(step) {
    const op = step[0];
    if (op === TX) {
      begin.run();
      try {
        const result = run(step[1]());
        commit.run();
        return result;
      } catch (e) {
        if (db.inTransaction) rollback.run();
        throw e;
      }
    }
    const s = prepare(step[1]);
    if (op === ROW) return s.get(step[2]);
    if (op === ROWS) return s.all(step[2]);
    if (op === RUN) return s.run(step[2]).changes;
    if (op === JSON_PAIR) {
      const row = s.get(step[2]);
      return [parseRows(row?.first_rows), parseRows(row?.second_rows)];
    }
    return parseRows(s.get(step[2]));
  }

  /** Runs a command's generator to its end, each step at once; a step's error is thrown into it. */
  function run(generator) {
    let step = generator.next();
    while (!step.done) {
      let input;
      try {
        input = exec(step.value);
      } catch (e) {
        step = generator.throw(e);
        continue;
      }
      step = generator.next(input);
    }
    return step.value;
  }

  const apps = db
    .prepare('select sdkappid, max_official_accounts, official_account_enabled, webhook_url from apps')
    .all();
  return {
    apps,
    sync: true,
    cache: new Map(),
    run,
    async close() {
      worker.postMessage('stop');
      await exited;
      db.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: node-postgres as src/store/postgres.ts configures it; named statements stay prepared
// per connection, transactions are Kysely's plain `begin` (read committed).

const INT8_OID = 20;
const RETRYABLE = new Set(['40P01', '40001']);

async function openPostgres(url) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: Number(process.env.HERALD_DATABASE_POOL_SIZE ?? 10),
    statement_timeout: Number(process.env.HERALD_DATABASE_STATEMENT_TIMEOUT_MS ?? 5000),
    connectionTimeoutMillis: 5000,
    types: {
      getTypeParser: (oid, format) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)),
    },
  });
  pool.on('error', () => {});

  const query = (db, s, values) =>
    db.query(s.name === undefined ? { text: s.postgres, values } : { name: s.name, text: s.postgres, values });

  async function exec(step, client) {
    const op = step[0];
    if (op === TX) return transaction(step[1]);
    // Outside a transaction a read takes any connection, as Herald's autocommit reads do.
    const result = await query(client ?? pool, step[1], step[2]);
    if (op === ROW) return result.rows[0];
    if (op === ROWS) return result.rows;
    if (op === RUN) return result.rowCount;
    if (op === JSON_PAIR) return [result.rows[0]?.first_rows ?? [], result.rows[0]?.second_rows ?? []];
    return result.rows[0]?.rows ?? [];
  }

  async function transaction(fn) {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      let broken;
      try {
        await client.query('begin');
        const result = await run(fn(), client);
        const done = await client.query('commit');
        // PostgreSQL ends a transaction an earlier error aborted with ROLLBACK (Kysely checks too).
        if (done.command === 'ROLLBACK') throw new Error('the transaction was rolled back');
        return result;
      } catch (e) {
        try {
          await client.query('rollback');
        } catch (rollbackError) {
          broken = rollbackError;
        }
        if (attempt < 3 && RETRYABLE.has(e?.code)) continue;
        throw e;
      } finally {
        client.release(broken);
      }
    }
  }

  async function run(generator, client = null) {
    let step = generator.next();
    while (!step.done) {
      let input;
      try {
        input = await exec(step.value, client);
      } catch (e) {
        step = generator.throw(e);
        continue;
      }
      step = generator.next(input);
    }
    return step.value;
  }

  const { rows: apps } = await pool.query(
    'select sdkappid, max_official_accounts, official_account_enabled, webhook_url from apps',
  );
  return { apps, sync: false, cache: null, run: (generator) => run(generator), close: () => pool.end() };
}

// ---------------------------------------------------------------------------------------------
// HTTP

function setting(name) {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required with BENCH_FLOOR_STORE=${kind}`);
  return value;
}

const kind = process.env.BENCH_FLOOR_STORE ?? 'sqlite';
if (kind !== 'sqlite' && kind !== 'postgres')
  throw new Error(`BENCH_FLOOR_STORE must be sqlite or postgres, got ${kind}`);
const db =
  kind === 'sqlite' ? await openSqlite(setting('HERALD_DATA')) : await openPostgres(setting('HERALD_DATABASE_URL'));
cache = db.cache;

const wanted = process.env.BENCH_FLOOR_SDKAPPID;
const served = db.apps.filter((a) => wanted === undefined || Number(a.sdkappid) === Number(wanted));
if (served.length !== 1)
  throw new Error(`the store holds ${db.apps.length} apps: set BENCH_FLOOR_SDKAPPID to the one to serve`);
const [app] = served;
// The floor leaves out what these switch on; with them, Herald would do work the floor does not.
if (app.webhook_url !== null) throw new Error(`app ${app.sdkappid} has a webhook: the floor serves apps without one`);
if (Number(app.official_account_enabled) !== 1)
  throw new Error(`app ${app.sdkappid} has the official-account service off`);
SDKAPPID = Number(app.sdkappid);
MAX_OFFICIAL_ACCOUNTS = Number(app.max_official_accounts);

const HEADERS = 'application/json; charset=utf-8';

/** BENCH_FLOOR_SPIN_US as nanoseconds (0: off). */
const SPIN_NS = BigInt(Math.round(Number(process.env.BENCH_FLOOR_SPIN_US ?? 0) * 1000));
const SPINNING = SPIN_NS > 0n;
function reply(res, status, text) {
  if (SPINNING) {
    const until = process.hrtime.bigint() + SPIN_NS;
    while (process.hrtime.bigint() < until);
  }
  const bytes = Buffer.from(text);
  res.writeHead(status, { 'content-type': HEADERS, 'content-length': bytes.length });
  res.end(bytes);
}

function failed(res, e) {
  if (e instanceof Refusal) return reply(res, 200, e.answer());
  process.stderr.write(`floor: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  reply(res, 500, '{"error":"internal"}');
}

function answer(res, command, text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return reply(res, 400, '{"error":"body is not JSON"}');
  }
  if (db.sync) {
    // SQLite: the whole command, transaction included, runs now.
    let out;
    try {
      out = db.run(command(body));
    } catch (e) {
      return failed(res, e);
    }
    return reply(res, 200, out);
  }
  db.run(command(body)).then(
    (out) => reply(res, 200, out),
    (e) => failed(res, e),
  );
}

const server = createServer((req, res) => {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const command = req.method === 'POST' ? COMMANDS.get(path) : undefined;
  if (command === undefined) {
    req.resume();
    if (req.method === 'GET' && path === '/readyz') return reply(res, 200, '{"status":"ready"}');
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => answer(res, command, (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8')));
});
// Fastify's default: autocannon's keep-alive connections are never closed under it.
server.keepAliveTimeout = 72_000;

server.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1');

let closing = false;
function stop() {
  if (closing) return;
  closing = true;
  server.close();
  server.closeAllConnections();
  db.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
