/**
 * A transaction over the table modules. It keeps the commit and rollback hooks, and drops every
 * official-account row it writes from the SQLite read cache once it commits.
 */
import type {
  AccountInput,
  MessageOutcome,
  MsgFlag,
  NewMessage,
  NewOfficialAccount,
  NewOutboxEvent,
  OfficialAccountChanges,
} from './records.ts';
import { OfficialAccountCache } from './account-cache.ts';
import type { SqlRunner } from './sql/runner.ts';
import type { RowLock, Tx, TxHook } from './store.ts';
import * as accounts from './tables/accounts.ts';
import * as apps from './tables/apps.ts';
import * as messages from './tables/messages.ts';
import * as officialAccounts from './tables/official-accounts.ts';
import * as subscriptions from './tables/subscriptions.ts';
import * as outbox from './tables/webhook-outbox.ts';

/** What a transaction tells the store it belongs to, once it has committed. */
export interface TxEffects {
  /** Official-account rows it wrote (cache keys), for the SQLite read cache to forget; null: no cache. */
  readonly forgetAccounts: ((keys: ReadonlySet<string>) => void) | null;
  /** It wrote outbox events (the dispatcher should look soon). */
  readonly outboxWritten: () => void;
}

export class SqlTx implements Tx {
  private readonly commitHooks: TxHook[] = [];
  private readonly rollbackHooks: TxHook[] = [];
  private outboxRung = false;
  private writtenAccounts: Set<string> | undefined;

  constructor(
    private readonly db: SqlRunner,
    private readonly effects: TxEffects,
  ) {}

  onCommit(hook: TxHook): void {
    this.commitHooks.push(hook);
  }

  onRollback(hook: TxHook): void {
    this.rollbackHooks.push(hook);
  }

  /** Runs the hooks of the outcome, each even if an earlier one throws; answers the first error. */
  async settled(committed: boolean): Promise<unknown> {
    let failure: unknown;
    for (const hook of committed ? this.commitHooks : this.rollbackHooks) {
      try {
        await hook();
      } catch (e) {
        failure ??= e;
      }
    }
    return failure;
  }

  /** A statement changed this official account's row. */
  private written(sdkappid: number, id: string): void {
    const forget = this.effects.forgetAccounts;
    if (forget === null) return;
    if (this.writtenAccounts === undefined) {
      const keys = new Set<string>();
      this.writtenAccounts = keys;
      this.onCommit(() => forget(keys));
    }
    this.writtenAccounts.add(OfficialAccountCache.key(sdkappid, id));
  }

  upsertAccounts(sdkappid: number, list: readonly AccountInput[], now: number) {
    return accounts.upsert(this.db, sdkappid, list, now);
  }

  existingAccounts(sdkappid: number, userIds: readonly string[], lock: RowLock = 'none') {
    return accounts.existingAmong(this.db, sdkappid, userIds, lock);
  }

  deleteAccounts(sdkappid: number, userIds: readonly string[]) {
    return accounts.remove(this.db, sdkappid, userIds);
  }

  setSigNotBefore(sdkappid: number, userId: string, time: number) {
    return accounts.setSigNotBefore(this.db, sdkappid, userId, time);
  }

  takeOfficialAccountSlot(sdkappid: number, max: number) {
    return apps.takeOfficialAccountSlot(this.db, sdkappid, max);
  }

  // No cache drop: absent IDs are never cached, and an existing one makes this a no-op.
  insertOfficialAccount(sdkappid: number, account: NewOfficialAccount) {
    return officialAccounts.insert(this.db, sdkappid, account);
  }

  getOfficialAccounts(sdkappid: number, ids: readonly string[]) {
    return officialAccounts.getMany(this.db, sdkappid, ids);
  }

  lockOfficialAccount(sdkappid: number, id: string) {
    return officialAccounts.lock(this.db, sdkappid, id);
  }

  async updateOfficialAccount(sdkappid: number, id: string, changes: OfficialAccountChanges): Promise<void> {
    if (await officialAccounts.update(this.db, sdkappid, id, changes)) this.written(sdkappid, id);
  }

  async deleteOfficialAccount(sdkappid: number, id: string): Promise<boolean> {
    await subscriptions.removeOfAccount(this.db, sdkappid, id);
    await messages.removeOfAccount(this.db, sdkappid, id);
    const deleted = await officialAccounts.remove(this.db, sdkappid, id);
    this.written(sdkappid, id);
    if (deleted) await apps.freeOfficialAccountSlot(this.db, sdkappid);
    return deleted;
  }

  subscribedAmong(sdkappid: number, officialAccountId: string, userIds: readonly string[]) {
    return subscriptions.subscribedAmong(this.db, sdkappid, officialAccountId, userIds);
  }

  async addSubscribers(sdkappid: number, officialAccountId: string, userIds: readonly string[], now: number) {
    // One UPDATE both reserves a block of sub_seq values and keeps SubscriberNum exact.
    const start = await officialAccounts.reserveSubSeqs(this.db, sdkappid, officialAccountId, userIds.length);
    this.written(sdkappid, officialAccountId);
    if (userIds.length > 0) await subscriptions.insert(this.db, sdkappid, officialAccountId, userIds, start, now);
    return start.version;
  }

  async removeSubscribers(sdkappid: number, officialAccountId: string, userIds: readonly string[]) {
    if (userIds.length === 0) return;
    const removed = await subscriptions.remove(this.db, sdkappid, officialAccountId, userIds);
    await officialAccounts.adjustSubscriberNum(this.db, sdkappid, officialAccountId, -removed);
    this.written(sdkappid, officialAccountId);
  }

  async removeUserSubscriptions(sdkappid: number, userIds: readonly string[]) {
    const lost = await subscriptions.ofUsers(this.db, sdkappid, userIds);
    // Account rows first, in ID order, then the subscriptions: a fixed lock order on PostgreSQL.
    for (const [id, users] of lost) {
      await officialAccounts.adjustSubscriberNum(this.db, sdkappid, id, -users.length);
      this.written(sdkappid, id);
    }
    await subscriptions.removeOfUsers(this.db, sdkappid, userIds);
    return lost;
  }

  getSubscription(sdkappid: number, officialAccountId: string, userId: string) {
    return subscriptions.get(this.db, sdkappid, officialAccountId, userId);
  }

  setSubscriptionMsgFlag(sdkappid: number, officialAccountId: string, userId: string, flag: MsgFlag, version: number) {
    return subscriptions.setMsgFlag(this.db, sdkappid, officialAccountId, userId, flag, version);
  }

  setSubscriptionCustomString(sdkappid: number, officialAccountId: string, userId: string, customString: string) {
    return subscriptions.setCustomString(this.db, sdkappid, officialAccountId, userId, customString);
  }

  countUserSubscriptions(sdkappid: number, userId: string) {
    return subscriptions.countOfUser(this.db, sdkappid, userId);
  }

  async listUserSubscriptions(sdkappid: number, userId: string, offset: number, limit: number) {
    const subs = await subscriptions.ofUser(this.db, sdkappid, userId, offset, limit);
    const found = await officialAccounts.getMany(
      this.db,
      sdkappid,
      subs.map((s) => s.officialAccountId),
    );
    return subs.flatMap((subscription) => {
      const account = found.get(subscription.officialAccountId);
      return account ? [{ subscription, account }] : [];
    });
  }

  async takeMessageSeq(sdkappid: number, officialAccountId: string, sentAt: number | null) {
    const taken = await officialAccounts.takeSeq(this.db, sdkappid, officialAccountId, sentAt);
    this.written(sdkappid, officialAccountId);
    return taken;
  }

  insertMessage(sdkappid: number, message: NewMessage) {
    return messages.insert(this.db, sdkappid, message);
  }

  settleMessage(sdkappid: number, officialAccountId: string, seq: number, outcome: MessageOutcome) {
    return messages.settle(this.db, sdkappid, officialAccountId, seq, outcome);
  }

  async markMessageSent(sdkappid: number, officialAccountId: string, seq: number, time: number) {
    const version = await officialAccounts.markSent(this.db, sdkappid, officialAccountId, time);
    this.written(sdkappid, officialAccountId);
    await messages.setVersion(this.db, sdkappid, officialAccountId, seq, version);
    return version;
  }

  findDuplicateMessage(sdkappid: number, officialAccountId: string, random: number, hash: string, since: number) {
    return messages.findDuplicate(this.db, sdkappid, officialAccountId, random, hash, since);
  }

  getMessages(sdkappid: number, officialAccountId: string, seqs: readonly number[]) {
    return messages.getMany(this.db, sdkappid, officialAccountId, seqs);
  }

  async markRecalled(
    sdkappid: number,
    officialAccountId: string,
    seqs: readonly number[],
    reason: string,
    time: number,
  ) {
    const unique = [...new Set(seqs)].sort((a, b) => a - b);
    const last = await officialAccounts.takeVersions(this.db, sdkappid, officialAccountId, unique.length);
    this.written(sdkappid, officialAccountId);
    await messages.markRecalled(this.db, sdkappid, officialAccountId, unique, reason, time, last - unique.length + 1);
    return last;
  }

  async enqueueWebhook(event: NewOutboxEvent): Promise<void> {
    await outbox.enqueue(this.db, event);
    if (!this.outboxRung) this.onCommit(this.effects.outboxWritten);
    this.outboxRung = true;
  }
}
