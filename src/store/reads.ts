/** The reads services make outside a transaction, each one statement in autocommit. */
import type { OfficialAccountCache } from './account-cache.ts';
import type { OfficialAccountRecord } from './records.ts';
import type { SqlRunner } from './sql/runner.ts';
import type { Reads } from './store.ts';
import * as accounts from './tables/accounts.ts';
import * as messages from './tables/messages.ts';
import * as officialAccounts from './tables/official-accounts.ts';
import * as subscriptions from './tables/subscriptions.ts';

export class SqlReads implements Reads {
  /** `cache`: SQLite only, where this process is the file's one writer (account-cache.ts). */
  constructor(
    private readonly db: SqlRunner,
    private readonly cache: OfficialAccountCache | null,
  ) {}

  async officialAccountsCached(sdkappid: number, ids: readonly string[]): Promise<Map<string, OfficialAccountRecord>> {
    const { cache } = this;
    if (cache === null) return officialAccounts.getMany(this.db, sdkappid, ids);
    const found = new Map<string, OfficialAccountRecord>();
    const missing: string[] = [];
    for (const id of ids) {
      const hit = cache.get(sdkappid, id);
      if (hit !== undefined) found.set(id, hit);
      else if (!found.has(id)) missing.push(id);
    }
    if (missing.length > 0) {
      const mark = cache.mark();
      for (const [id, record] of await officialAccounts.getMany(this.db, sdkappid, missing)) {
        found.set(id, record);
        cache.fill(sdkappid, record, mark);
      }
    }
    return found;
  }

  existingAccounts(sdkappid: number, userIds: readonly string[]) {
    return accounts.existingAmong(this.db, sdkappid, userIds);
  }

  subscribedAmong(sdkappid: number, officialAccountId: string, userIds: readonly string[]) {
    return subscriptions.subscribedAmong(this.db, sdkappid, officialAccountId, userIds);
  }

  subscriberPage(sdkappid: number, officialAccountId: string, afterSeq: number, limit: number) {
    return subscriptions.pageWithAccount(this.db, sdkappid, officialAccountId, afterSeq, limit);
  }

  historyPage(sdkappid: number, id: string, beforeSeq: number | null, limit: number, withRecalled: boolean) {
    return messages.historyWithAccount(this.db, sdkappid, id, beforeSeq, limit, withRecalled);
  }

  getMessages(sdkappid: number, officialAccountId: string, seqs: readonly number[]) {
    return messages.getMany(this.db, sdkappid, officialAccountId, seqs);
  }

  pendingMessages(sentBefore: number, limit: number) {
    return messages.pendingBefore(this.db, sentBefore, limit);
  }

  loginState(sdkappid: number, userId: string) {
    return accounts.loginState(this.db, sdkappid, userId);
  }

  timelineChanges(sdkappid: number, officialAccountId: string, afterVersion: number, limit: number) {
    return messages.changesAfter(this.db, sdkappid, officialAccountId, afterVersion, limit);
  }

  subscriptionsOfUser(sdkappid: number, userId: string) {
    return subscriptions.withAccounts(this.db, sdkappid, userId);
  }

  accountVersions(sdkappid: number, ids: readonly string[]) {
    return officialAccounts.versions(this.db, sdkappid, ids);
  }
}
