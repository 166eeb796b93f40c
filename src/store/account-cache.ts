/**
 * Official-account rows kept in memory by the SQLite store, for reads outside transactions
 * (get_official_account_info and the checks before a write). Sound only because one Herald
 * process owns a SQLite file: every write to these rows goes through this process, and the
 * store drops a row's entry once a write to it is committed. PostgreSQL stores have no cache
 * (other nodes write too).
 *
 * A fill that read the database before some invalidation and arrives after it could bring back
 * the old row, so fills carry the generation they started in and are dropped if any
 * invalidation happened since.
 */
import { LRUCache } from 'lru-cache';
import type { OfficialAccountRecord } from './records.ts';

export class OfficialAccountCache {
  private readonly entries: LRUCache<string, OfficialAccountRecord>;
  private generation = 0;

  constructor(maxEntries = 50_000) {
    this.entries = new LRUCache({ max: maxEntries });
  }

  static key(sdkappid: number, id: string): string {
    // sdkappid is digits only, so the first '|' separates the two unambiguously.
    return `${sdkappid}|${id}`;
  }

  get(sdkappid: number, id: string): OfficialAccountRecord | undefined {
    return this.entries.get(OfficialAccountCache.key(sdkappid, id));
  }

  /** Taken before reading the database; pass it to fill. */
  mark(): number {
    return this.generation;
  }

  /** Entries are frozen: callers share them, so none may change one. */
  fill(sdkappid: number, record: OfficialAccountRecord, mark: number): void {
    if (mark !== this.generation) return;
    this.entries.set(OfficialAccountCache.key(sdkappid, record.id), Object.freeze(record));
  }

  invalidate(keys: Iterable<string>): void {
    this.generation++;
    for (const key of keys) this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
