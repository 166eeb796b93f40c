/**
 * The Store written once over Kysely. Queries stay within what SQLite and PostgreSQL both
 * speak (ON CONFLICT, RETURNING), so the two implementations differ only in how they connect
 * (sqlite.ts, postgres.ts).
 */
import { sql, type Kysely, type QueryResult, type Selectable } from 'kysely';
import type {
  AppsTable,
  Database,
  MessagesTable,
  OfficialAccountsTable,
  SubscriptionsTable,
  WebhookOutboxTable,
} from './schema.ts';
import type {
  AccountInput,
  AppRecord,
  BeforeFailurePolicy,
  MessageOutcome,
  MessageRecord,
  MessageState,
  MsgFlag,
  NewMessage,
  NewOfficialAccount,
  NewOutboxEvent,
  OfficialAccountChanges,
  OfficialAccountRecord,
  OutboxEvent,
  OutboxFilter,
  OutboxStatus,
  SubscriberEntry,
  SubscriptionRecord,
} from './records.ts';
import { TABLE_KEYS, type RowLock, type Store, type StoreTx, type TableName } from './store.ts';
import { affectedRows, execute, type Db, type JsonRowsStatement, type Statement } from './statements.ts';
import { OfficialAccountCache } from './account-cache.ts';
import {
  ADJUST_SUBSCRIBER_NUM,
  ENQUEUE_WEBHOOK,
  EXISTING_ACCOUNTS,
  EXISTING_ACCOUNTS_SHARE,
  EXISTING_ACCOUNTS_UPDATE,
  FIND_DUPLICATE_MESSAGE,
  FREE_OFFICIAL_ACCOUNT_SLOT,
  GET_OFFICIAL_ACCOUNTS,
  GET_SUBSCRIPTION,
  INSERT_MESSAGE,
  INSERT_OFFICIAL_ACCOUNT,
  INSERT_SUBSCRIPTIONS,
  LIST_MESSAGES,
  LIST_MESSAGES_BEFORE,
  LIST_MESSAGES_BEFORE_NOT_RECALLED,
  LIST_MESSAGES_NOT_RECALLED,
  LIST_SUBSCRIBERS,
  LOCK_OFFICIAL_ACCOUNT,
  RESERVE_SUB_SEQS,
  SETTLE_MESSAGE,
  SUBSCRIBED_AMONG,
  TAKE_MESSAGE_SEQ,
  TAKE_OFFICIAL_ACCOUNT_SLOT,
  TOUCH_LAST_MSG_TIME,
  UPSERT_ACCOUNT,
} from './hot-queries.ts';

function toOfficialAccount(row: Selectable<OfficialAccountsTable>): OfficialAccountRecord {
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

function toSubscriberEntry(row: Omit<Selectable<SubscriptionsTable>, 'sdkappid' | 'oa_id'>): SubscriberEntry {
  return {
    userId: row.user_id,
    subSeq: Number(row.sub_seq),
    subscribeTime: Number(row.subscribe_time),
    customString: row.custom_string,
    msgFlag: row.msg_flag as MsgFlag,
    lastSendMsgTime: Number(row.last_send_msg_time),
  };
}

function toSubscription(row: Selectable<SubscriptionsTable>): SubscriptionRecord {
  return { officialAccountId: row.oa_id, ...toSubscriberEntry(row) };
}

function toMessage(row: Selectable<MessagesTable>): MessageRecord {
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
    state: MESSAGE_STATES[Number(row.state)] ?? 'sent',
  };
}

function toOutboxEvent(row: Selectable<WebhookOutboxTable>): OutboxEvent {
  return {
    id: Number(row.id),
    sdkappid: Number(row.sdkappid),
    officialAccountId: row.oa_id,
    command: row.command,
    body: JSON.parse(row.body) as Record<string, unknown>,
    clientIp: row.client_ip,
    createdAt: Number(row.created_at),
    status: row.status as OutboxStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error,
    deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
  };
}

const MESSAGE_STATES: readonly MessageState[] = ['sent', 'pending', 'discarded', 'refused'];

const CHANGE_COLUMNS = {
  name: 'name',
  introduction: 'introduction',
  faceUrl: 'face_url',
  organization: 'organization',
  customString: 'custom_string',
  maxSubscriberNum: 'max_subscriber_num',
} as const satisfies Record<keyof OfficialAccountChanges, keyof OfficialAccountsTable>;

function toApp(row: Selectable<AppsTable>): AppRecord {
  return {
    sdkappid: Number(row.sdkappid),
    secretKey: row.secret_key,
    admins: JSON.parse(row.admins) as string[],
    officialAccountEnabled: Number(row.official_account_enabled) === 1,
    maxOfficialAccounts: Number(row.max_official_accounts),
    rateLimits: JSON.parse(row.rate_limits) as Record<string, number>,
    sendPerSecond: Number(row.send_per_second),
    sendPerHour: Number(row.send_per_hour),
    webhook: {
      url: row.webhook_url,
      token: row.webhook_token,
      off: JSON.parse(row.webhook_off) as string[],
      beforeFailure: row.webhook_before_failure as BeforeFailurePolicy,
    },
    createdAt: Number(row.created_at),
  };
}

class KyselyTx implements StoreTx {
  /** Set when this transaction wrote to the outbox, so the dispatcher is woken after commit. */
  wroteOutbox = false;
  /** Official-account rows this transaction changed (cache keys), dropped from the cache when it ends. */
  readonly writtenAccounts = new Set<string>();

  constructor(
    protected readonly db: Db,
    protected readonly dialect: 'sqlite' | 'postgres',
  ) {}

  protected async rows<R>(statement: Statement, parameters: readonly unknown[]): Promise<R[]> {
    return (await execute<R>(this.db, this.dialect, statement, parameters)).rows;
  }

  /** Rows of a statement that reads them as one JSON value. */
  protected async jsonRows<R>(statement: JsonRowsStatement, parameters: readonly unknown[]): Promise<R[]> {
    return statement.decode<R>(await execute<{ rows: unknown }>(this.db, this.dialect, statement, parameters));
  }

  /** Called after a statement changed an official account's row. */
  protected accountWritten(sdkappid: number, id: string): void {
    this.writtenAccounts.add(OfficialAccountCache.key(sdkappid, id));
  }

  protected run(statement: Statement, parameters: readonly unknown[]): Promise<QueryResult<unknown>> {
    return execute(this.db, this.dialect, statement, parameters);
  }

  async upsertAccounts(sdkappid: number, accounts: readonly AccountInput[], now: number): Promise<void> {
    for (const account of accounts) {
      // Re-import keeps the account and overwrites only the profile fields it names.
      const statement = UPSERT_ACCOUNT[
        (account.nick !== undefined ? 1 : 0) + (account.faceUrl !== undefined ? 2 : 0)
      ] as Statement;
      await this.run(statement, [sdkappid, account.userId, account.nick ?? '', account.faceUrl ?? '', now]);
    }
  }

  async existingAccounts(sdkappid: number, userIds: readonly string[], lock: RowLock = 'none'): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const users = [...new Set(userIds)];
    const family =
      lock === 'share' ? EXISTING_ACCOUNTS_SHARE : lock === 'update' ? EXISTING_ACCOUNTS_UPDATE : EXISTING_ACCOUNTS;
    const rows = await this.rows<{ user_id: string }>(family.of(users.length), [sdkappid, ...users]);
    return new Set(rows.map((r) => r.user_id));
  }

  async deleteAccounts(sdkappid: number, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.db
      .deleteFrom('accounts')
      .where('sdkappid', '=', sdkappid)
      .where('user_id', 'in', [...new Set(userIds)])
      .execute();
  }

  async countOfficialAccounts(sdkappid: number): Promise<number> {
    const row = await this.db
      .selectFrom('official_accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sdkappid', '=', sdkappid)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** SubscriberNum changed by `delta` in the statement that also touches the account row. */
  private async adjustSubscriberNum(sdkappid: number, officialAccountId: string, delta: number): Promise<void> {
    await this.run(ADJUST_SUBSCRIBER_NUM, [delta, sdkappid, officialAccountId]);
    this.accountWritten(sdkappid, officialAccountId);
  }

  async takeOfficialAccountSlot(sdkappid: number, max: number): Promise<boolean> {
    return affectedRows(await this.run(TAKE_OFFICIAL_ACCOUNT_SLOT, [sdkappid, max])) === 1;
  }

  async insertOfficialAccount(sdkappid: number, account: NewOfficialAccount): Promise<boolean> {
    const result = await this.run(INSERT_OFFICIAL_ACCOUNT, [
      sdkappid,
      account.id,
      account.owner,
      account.name,
      account.introduction,
      account.faceUrl,
      account.organization,
      account.customString,
      account.maxSubscriberNum,
      account.createTime,
    ]);
    // No accountWritten: absent IDs are never cached, and an existing one makes this a no-op.
    return affectedRows(result) === 1;
  }

  async getOfficialAccounts(sdkappid: number, ids: readonly string[]): Promise<Map<string, OfficialAccountRecord>> {
    const found = new Map<string, OfficialAccountRecord>();
    if (ids.length === 0) return found;
    const unique = [...new Set(ids)];
    const rows = await this.jsonRows<Selectable<OfficialAccountsTable>>(GET_OFFICIAL_ACCOUNTS.of(unique.length), [
      sdkappid,
      ...unique,
    ]);
    for (const row of rows) found.set(row.id, toOfficialAccount(row));
    return found;
  }

  async lockOfficialAccount(sdkappid: number, id: string): Promise<OfficialAccountRecord | undefined> {
    const [row] = await this.rows<Selectable<OfficialAccountsTable>>(LOCK_OFFICIAL_ACCOUNT, [sdkappid, id]);
    return row ? toOfficialAccount(row) : undefined;
  }

  async updateOfficialAccount(sdkappid: number, id: string, changes: OfficialAccountChanges): Promise<void> {
    const set: Record<string, string | number> = {};
    for (const [field, column] of Object.entries(CHANGE_COLUMNS) as [keyof OfficialAccountChanges, string][]) {
      const value = changes[field];
      if (value !== undefined) set[column] = value;
    }
    if (Object.keys(set).length === 0) return;
    await this.db
      .updateTable('official_accounts')
      .set(set)
      .where('sdkappid', '=', sdkappid)
      .where('id', '=', id)
      .execute();
    this.accountWritten(sdkappid, id);
  }

  async deleteOfficialAccount(sdkappid: number, id: string): Promise<boolean> {
    await this.db.deleteFrom('subscriptions').where('sdkappid', '=', sdkappid).where('oa_id', '=', id).execute();
    await this.db.deleteFrom('messages').where('sdkappid', '=', sdkappid).where('oa_id', '=', id).execute();
    const result = await this.db
      .deleteFrom('official_accounts')
      .where('sdkappid', '=', sdkappid)
      .where('id', '=', id)
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows) === 1;
    this.accountWritten(sdkappid, id);
    if (deleted) await this.run(FREE_OFFICIAL_ACCOUNT_SLOT, [sdkappid]);
    return deleted;
  }

  async subscribedAmong(sdkappid: number, officialAccountId: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const users = [...new Set(userIds)];
    const rows = await this.rows<{ user_id: string }>(SUBSCRIBED_AMONG.of(users.length), [
      sdkappid,
      officialAccountId,
      ...users,
    ]);
    return new Set(rows.map((r) => r.user_id));
  }

  async addSubscribers(
    sdkappid: number,
    officialAccountId: string,
    userIds: readonly string[],
    now: number,
  ): Promise<void> {
    if (userIds.length === 0) return;
    const n = userIds.length;
    // One UPDATE both reserves a block of sub_seq values and keeps SubscriberNum exact.
    const [reserved] = await this.rows<{ next_sub_seq: number | string }>(RESERVE_SUB_SEQS, [
      n,
      n,
      sdkappid,
      officialAccountId,
    ]);
    this.accountWritten(sdkappid, officialAccountId);
    if (reserved === undefined)
      throw new Error(`official account ${officialAccountId} vanished inside its transaction`);
    const first = Number(reserved.next_sub_seq) - n + 1;
    const parameters: unknown[] = [];
    for (const [i, userId] of userIds.entries()) parameters.push(sdkappid, officialAccountId, userId, first + i, now);
    await this.run(INSERT_SUBSCRIPTIONS.of(n), parameters);
  }

  async removeSubscribers(sdkappid: number, officialAccountId: string, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    const result = await this.db
      .deleteFrom('subscriptions')
      .where('sdkappid', '=', sdkappid)
      .where('oa_id', '=', officialAccountId)
      .where('user_id', 'in', [...new Set(userIds)])
      .executeTakeFirst();
    await this.adjustSubscriberNum(sdkappid, officialAccountId, -Number(result.numDeletedRows));
  }

  async removeUserSubscriptions(sdkappid: number, userIds: readonly string[]): Promise<Map<string, string[]>> {
    const lost = new Map<string, string[]>();
    if (userIds.length === 0) return lost;
    const users = [...new Set(userIds)];
    const rows = await this.db
      .selectFrom('subscriptions')
      .select(['oa_id', 'user_id'])
      .where('sdkappid', '=', sdkappid)
      .where('user_id', 'in', users)
      .orderBy('oa_id') // a fixed lock order, so concurrent deletes cannot deadlock on PostgreSQL
      .orderBy('sub_seq')
      .execute();
    for (const row of rows) {
      const list = lost.get(row.oa_id);
      if (list) list.push(row.user_id);
      else lost.set(row.oa_id, [row.user_id]);
    }
    for (const [oaId, lostUsers] of lost) await this.adjustSubscriberNum(sdkappid, oaId, -lostUsers.length);
    await this.db.deleteFrom('subscriptions').where('sdkappid', '=', sdkappid).where('user_id', 'in', users).execute();
    return lost;
  }

  async getSubscription(
    sdkappid: number,
    officialAccountId: string,
    userId: string,
  ): Promise<SubscriptionRecord | undefined> {
    const [row] = await this.rows<Selectable<SubscriptionsTable>>(GET_SUBSCRIPTION, [
      sdkappid,
      officialAccountId,
      userId,
    ]);
    return row ? toSubscription(row) : undefined;
  }

  async setSubscriptionCustomString(
    sdkappid: number,
    officialAccountId: string,
    userId: string,
    customString: string,
  ): Promise<void> {
    await this.db
      .updateTable('subscriptions')
      .set({ custom_string: customString })
      .where('sdkappid', '=', sdkappid)
      .where('oa_id', '=', officialAccountId)
      .where('user_id', '=', userId)
      .execute();
  }

  async listSubscribers(
    sdkappid: number,
    officialAccountId: string,
    afterSeq: number,
    limit: number,
  ): Promise<SubscriberEntry[]> {
    const rows = await this.jsonRows<Omit<Selectable<SubscriptionsTable>, 'sdkappid' | 'oa_id'>>(LIST_SUBSCRIBERS, [
      sdkappid,
      officialAccountId,
      afterSeq,
      limit,
    ]);
    return rows.map(toSubscriberEntry);
  }

  async countUserSubscriptions(sdkappid: number, userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('subscriptions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sdkappid', '=', sdkappid)
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async listUserSubscriptions(sdkappid: number, userId: string, offset: number, limit: number) {
    const subs = await this.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('sdkappid', '=', sdkappid)
      .where('user_id', '=', userId)
      .orderBy('subscribe_time')
      .orderBy('oa_id')
      .limit(limit)
      .offset(offset)
      .execute();
    const accounts = await this.getOfficialAccounts(
      sdkappid,
      subs.map((s) => s.oa_id),
    );
    return subs.flatMap((row) => {
      const account = accounts.get(row.oa_id);
      return account ? [{ subscription: toSubscription(row), account }] : [];
    });
  }

  async takeMessageSeq(sdkappid: number, officialAccountId: string, time: number): Promise<number> {
    const [row] = await this.rows<{ next_seq: number | string }>(TAKE_MESSAGE_SEQ, [time, sdkappid, officialAccountId]);
    this.accountWritten(sdkappid, officialAccountId);
    if (row === undefined) throw new Error(`official account ${officialAccountId} vanished inside its transaction`);
    return Number(row.next_seq);
  }

  async insertMessage(sdkappid: number, message: NewMessage): Promise<void> {
    await this.run(INSERT_MESSAGE, [
      sdkappid,
      message.officialAccountId,
      message.seq,
      message.msgKey,
      message.random,
      message.time,
      message.fromAccount,
      JSON.stringify(message.body),
      message.cloudCustomData,
      message.offlinePushInfo === null ? null : JSON.stringify(message.offlinePushInfo),
      JSON.stringify(message.options),
      message.onlineOnly ? 1 : 0,
      message.contentHash,
      MESSAGE_STATES.indexOf(message.state),
    ]);
  }

  async settleMessage(
    sdkappid: number,
    officialAccountId: string,
    seq: number,
    outcome: MessageOutcome,
  ): Promise<boolean> {
    const result = await this.run(SETTLE_MESSAGE, [
      MESSAGE_STATES.indexOf(outcome.state),
      JSON.stringify(outcome.body),
      outcome.cloudCustomData,
      sdkappid,
      officialAccountId,
      seq,
      MESSAGE_STATES.indexOf('pending'),
    ]);
    return affectedRows(result) === 1;
  }

  async listPendingMessages(
    sentBefore: number,
    limit: number,
  ): Promise<{ sdkappid: number; message: MessageRecord }[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('state', '=', MESSAGE_STATES.indexOf('pending'))
      .where('time', '<', sentBefore)
      .orderBy('time')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ sdkappid: Number(row.sdkappid), message: toMessage(row) }));
  }

  async touchLastMsgTime(sdkappid: number, officialAccountId: string, time: number): Promise<void> {
    await this.run(TOUCH_LAST_MSG_TIME, [time, sdkappid, officialAccountId]);
    this.accountWritten(sdkappid, officialAccountId);
  }

  async findDuplicateMessage(
    sdkappid: number,
    officialAccountId: string,
    random: number,
    contentHash: string,
    since: number,
  ): Promise<MessageRecord | undefined> {
    const [row] = await this.rows<Selectable<MessagesTable>>(FIND_DUPLICATE_MESSAGE, [
      sdkappid,
      officialAccountId,
      random,
      contentHash,
      since,
    ]);
    return row ? toMessage(row) : undefined;
  }

  async listMessages(
    sdkappid: number,
    officialAccountId: string,
    beforeSeq: number | null,
    limit: number,
    withRecalled: boolean,
  ): Promise<MessageRecord[]> {
    const rows =
      beforeSeq === null
        ? await this.jsonRows<Selectable<MessagesTable>>(withRecalled ? LIST_MESSAGES : LIST_MESSAGES_NOT_RECALLED, [
            sdkappid,
            officialAccountId,
            limit,
          ])
        : await this.jsonRows<Selectable<MessagesTable>>(
            withRecalled ? LIST_MESSAGES_BEFORE : LIST_MESSAGES_BEFORE_NOT_RECALLED,
            [sdkappid, officialAccountId, beforeSeq, limit],
          );
    return rows.map(toMessage);
  }

  async getMessages(
    sdkappid: number,
    officialAccountId: string,
    seqs: readonly number[],
  ): Promise<Map<number, MessageRecord>> {
    const found = new Map<number, MessageRecord>();
    if (seqs.length === 0) return found;
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('sdkappid', '=', sdkappid)
      .where('oa_id', '=', officialAccountId)
      .where('seq', 'in', [...new Set(seqs)])
      .execute();
    for (const row of rows) found.set(Number(row.seq), toMessage(row));
    return found;
  }

  async markRecalled(
    sdkappid: number,
    officialAccountId: string,
    seqs: readonly number[],
    reason: string,
    time: number,
  ): Promise<void> {
    if (seqs.length === 0) return;
    await this.db
      .updateTable('messages')
      .set({ recalled: 1, recall_reason: reason, recall_time: time })
      .where('sdkappid', '=', sdkappid)
      .where('oa_id', '=', officialAccountId)
      .where('seq', 'in', [...new Set(seqs)])
      .execute();
  }

  async enqueueWebhook(event: NewOutboxEvent): Promise<void> {
    await this.run(ENQUEUE_WEBHOOK, [
      event.sdkappid,
      event.officialAccountId,
      event.command,
      JSON.stringify(event.body),
      event.clientIp,
      event.createdAt,
      event.createdAt,
    ]);
    this.wroteOutbox = true;
  }
}

/** Deadlock detected / serialization failure: the transaction was rolled back and can be retried. */
function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

export class KyselyStore extends KyselyTx implements Store {
  /** SQLite only: this process is the file's one writer (account-cache.ts). */
  private readonly accountCache: OfficialAccountCache | null;

  constructor(
    readonly kind: Store['kind'],
    private readonly kysely: Kysely<Database>,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    super(kysely, kind);
    this.accountCache = kind === 'sqlite' ? new OfficialAccountCache() : null;
  }

  /** Outside a transaction, on its own: committed already, so the cache drops the row now. */
  protected override accountWritten(sdkappid: number, id: string): void {
    this.accountCache?.invalidate([OfficialAccountCache.key(sdkappid, id)]);
  }

  override async getOfficialAccounts(
    sdkappid: number,
    ids: readonly string[],
  ): Promise<Map<string, OfficialAccountRecord>> {
    const cache = this.accountCache;
    if (cache === null) return super.getOfficialAccounts(sdkappid, ids);
    const found = new Map<string, OfficialAccountRecord>();
    const missing: string[] = [];
    for (const id of ids) {
      const hit = cache.get(sdkappid, id);
      if (hit !== undefined) found.set(id, hit);
      else if (!found.has(id)) missing.push(id);
    }
    if (missing.length > 0) {
      const mark = cache.mark();
      const read = await super.getOfficialAccounts(sdkappid, missing);
      for (const [id, record] of read) {
        found.set(id, record);
        cache.fill(sdkappid, record, mark);
      }
    }
    return found;
  }

  private readonly outboxListeners: (() => void)[] = [];

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let tx: KyselyTx | undefined;
      try {
        let result: T;
        try {
          result = await this.kysely.transaction().execute((trx) => {
            tx = new KyselyTx(trx, this.kind);
            return fn(tx);
          });
        } finally {
          // Committed or rolled back: either way the rows it touched are read afresh next time.
          if (tx !== undefined && tx.writtenAccounts.size > 0) this.accountCache?.invalidate(tx.writtenAccounts);
        }
        if (tx?.wroteOutbox) for (const listener of this.outboxListeners) listener();
        return result;
      } catch (e) {
        // PostgreSQL may pick this transaction as a deadlock victim; it is safe to run again.
        if (attempt < 3 && isRetryable(e)) continue;
        throw e;
      }
    }
  }

  onWebhookEnqueued(listener: () => void): void {
    this.outboxListeners.push(listener);
  }

  async claimWebhooks(now: number, leaseMs: number, limit: number): Promise<OutboxEvent[]> {
    return this.kysely.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('webhook_outbox as o')
        .selectAll('o')
        .where('o.status', '=', 'pending')
        .where('o.next_attempt_at', '<=', now)
        .where('o.lease_until', '<=', now)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('webhook_outbox as p')
                .select('p.id')
                .whereRef('p.sdkappid', '=', 'o.sdkappid')
                .whereRef('p.oa_id', '=', 'o.oa_id')
                .where('p.status', '=', 'pending')
                .whereRef('p.id', '<', 'o.id'),
            ),
          ),
        )
        .orderBy('o.id')
        .limit(limit)
        .$if(this.kind === 'postgres', (qb) => qb.forUpdate().skipLocked())
        .execute();
      if (rows.length === 0) return [];
      await trx
        .updateTable('webhook_outbox')
        .set({ lease_until: now + leaseMs })
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
      return rows.map(toOutboxEvent);
    });
  }

  async markWebhookDelivered(id: number, at: number): Promise<void> {
    await this.kysely
      .updateTable('webhook_outbox')
      .set((eb) => ({
        status: 'delivered',
        delivered_at: at,
        attempts: eb('attempts', '+', 1),
        lease_until: 0,
        last_error: null,
      }))
      .where('id', '=', id)
      .execute();
  }

  async markWebhookFailed(id: number, error: string, nextAttemptAt: number): Promise<void> {
    await this.kysely
      .updateTable('webhook_outbox')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_error: error.slice(0, 500),
        next_attempt_at: nextAttemptAt,
        lease_until: 0,
      }))
      .where('id', '=', id)
      .execute();
  }

  async markWebhookCancelled(id: number, reason: string): Promise<void> {
    await this.kysely
      .updateTable('webhook_outbox')
      .set({ status: 'cancelled', last_error: reason, lease_until: 0 })
      .where('id', '=', id)
      .execute();
  }

  async nextWebhookDue(): Promise<number | null> {
    const row = await this.kysely
      .selectFrom('webhook_outbox')
      .select((eb) => eb.fn.min('next_attempt_at').as('due'))
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return row?.due === null || row?.due === undefined ? null : Number(row.due);
  }

  async listWebhooks(filter: OutboxFilter): Promise<OutboxEvent[]> {
    const rows = await this.kysely
      .selectFrom('webhook_outbox')
      .selectAll()
      .$if(filter.sdkappid !== undefined, (qb) => qb.where('sdkappid', '=', filter.sdkappid as number))
      .$if(filter.status !== undefined, (qb) => qb.where('status', '=', filter.status as string))
      .$if(filter.officialAccountId !== undefined, (qb) => qb.where('oa_id', '=', filter.officialAccountId as string))
      .$if(filter.beforeId !== undefined, (qb) => qb.where('id', '<', filter.beforeId as number))
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .execute();
    return rows.map(toOutboxEvent);
  }

  async pruneWebhooks(before: number): Promise<number> {
    const result = await this.kysely
      .deleteFrom('webhook_outbox')
      .where('status', 'in', ['delivered', 'cancelled'])
      .where('created_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listApps(): Promise<AppRecord[]> {
    const rows = await this.kysely.selectFrom('apps').selectAll().orderBy('sdkappid').execute();
    return rows.map(toApp);
  }

  async getApp(sdkappid: number): Promise<AppRecord | undefined> {
    const row = await this.kysely.selectFrom('apps').selectAll().where('sdkappid', '=', sdkappid).executeTakeFirst();
    return row ? toApp(row) : undefined;
  }

  async putApp(app: AppRecord): Promise<void> {
    const values = {
      secret_key: app.secretKey,
      admins: JSON.stringify(app.admins),
      official_account_enabled: app.officialAccountEnabled ? 1 : 0,
      max_official_accounts: app.maxOfficialAccounts,
      rate_limits: JSON.stringify(app.rateLimits),
      send_per_second: app.sendPerSecond,
      send_per_hour: app.sendPerHour,
      webhook_url: app.webhook.url,
      webhook_token: app.webhook.token,
      webhook_off: JSON.stringify(app.webhook.off),
      webhook_before_failure: app.webhook.beforeFailure,
    };
    await this.kysely
      .insertInto('apps')
      .values({ sdkappid: app.sdkappid, created_at: app.createdAt, ...values })
      .onConflict((oc) => oc.column('sdkappid').doUpdateSet(values))
      .execute();
  }

  async *exportRows(table: TableName, pageSize = 2000): AsyncIterable<Record<string, unknown>> {
    const keys = TABLE_KEYS[table] as readonly string[];
    // Raw SQL over a table chosen from a fixed list: keyset paging on the primary key, so a page
    // deep in millions of rows costs what the first does.
    const db = this.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
    let last: unknown[] | null = null;
    for (;;) {
      let query = db.selectFrom(table).selectAll();
      if (last !== null) {
        const after = last;
        query = query.where((eb) =>
          eb(eb.refTuple(...(keys as [string, string])), '>', eb.tuple(...(after as [unknown, unknown]))),
        );
      }
      for (const key of keys) query = query.orderBy(key);
      const rows = await query.limit(pageSize).execute();
      for (const row of rows) yield row;
      if (rows.length < pageSize) return;
      const tail = rows[rows.length - 1] as Record<string, unknown>;
      last = keys.map((k) => tail[k]);
    }
  }

  async importRows(table: TableName, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const db = this.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
    const columns = Object.keys(rows[0] as object).length;
    // Stay under SQLite's 32766 bound parameters per statement (PostgreSQL allows 65535).
    const chunk = Math.max(1, Math.floor(30_000 / columns));
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += chunk)
        await trx
          .insertInto(table)
          .values(rows.slice(i, i + chunk) as Record<string, unknown>[])
          .execute();
    });
    this.accountCache?.clear();
  }

  async countRows(table: TableName): Promise<number> {
    const db = this.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async deleteAllRows(table: TableName): Promise<void> {
    const db = this.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await db.deleteFrom(table).execute();
    this.accountCache?.clear();
  }

  async finishImport(): Promise<void> {
    await sql`update apps set official_account_count = (select count(*) from official_accounts o where o.sdkappid = apps.sdkappid)`.execute(
      this.kysely,
    );
    if (this.kind !== 'postgres') return; // SQLite's AUTOINCREMENT follows the largest id by itself
    await sql`select setval(pg_get_serial_sequence('webhook_outbox', 'id'), coalesce((select max(id) from webhook_outbox), 0) + 1, false)`.execute(
      this.kysely,
    );
  }

  async ping(): Promise<void> {
    await this.kysely.selectFrom('apps').select('sdkappid').limit(1).execute();
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
    await this.onClose();
  }
}
