/**
 * Apps and their admins. The registry answers "which app is this SDKAppID?" on every call from
 * memory and re-reads an app from the store at most every `refreshMs`, so changes made with the
 * CLI (or by another node) are seen within a couple of seconds without a query per request.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { AppRecord, WebhookSettings } from '../store/records.ts';
import type { Store } from '../store/store.ts';

export const DEFAULT_MAX_OFFICIAL_ACCOUNTS = 100_000;
/** Documented per-account send limits (official-accounts.md §4.10). */
export const DEFAULT_SEND_PER_SECOND = 1;
export const DEFAULT_SEND_PER_HOUR = 2;

export interface NewAppOptions {
  sdkappid?: number;
  secretKey?: string;
  admins?: string[];
  maxOfficialAccounts?: number;
  officialAccountEnabled?: boolean;
  rateLimits?: Record<string, number>;
  sendPerSecond?: number;
  sendPerHour?: number;
  webhook?: Partial<WebhookSettings> | undefined;
}

/** Tencent SDKAppIDs look like 14xxxxxxxx; secret keys like 64 hex characters. */
export function newApp(options: NewAppOptions, now: number): AppRecord {
  return {
    sdkappid: options.sdkappid ?? 1_400_000_000 + randomInt(100_000_000),
    secretKey: options.secretKey ?? randomBytes(32).toString('hex'),
    admins: options.admins ?? ['administrator'],
    officialAccountEnabled: options.officialAccountEnabled ?? true,
    maxOfficialAccounts: options.maxOfficialAccounts ?? DEFAULT_MAX_OFFICIAL_ACCOUNTS,
    rateLimits: options.rateLimits ?? {},
    sendPerSecond: options.sendPerSecond ?? DEFAULT_SEND_PER_SECOND,
    sendPerHour: options.sendPerHour ?? DEFAULT_SEND_PER_HOUR,
    webhook: { url: null, token: null, off: [], beforeFailure: 'allow', ...(options.webhook ?? {}) },
    createdAt: now,
  };
}

/** Saves the app and makes sure each admin exists as an imported account. */
export async function saveApp(store: Store, app: AppRecord, now: number): Promise<void> {
  await store.apps.put(app);
  await store.transaction((tx) =>
    tx.upsertAccounts(
      app.sdkappid,
      app.admins.map((userId) => ({ userId })),
      now,
    ),
  );
}

interface Entry {
  app: AppRecord | undefined;
  loadedAt: number;
}

export class AppRegistry {
  private readonly entries = new Map<number, Entry>();
  private readonly loading = new Map<number, Promise<AppRecord | undefined>>();

  constructor(
    private readonly store: Store,
    private readonly refreshMs = 2000,
  ) {}

  /** The app when it is in memory and fresh (no await on the hot path); else undefined: ask `get`. */
  peek(sdkappid: number): AppRecord | undefined {
    return this.fresh(sdkappid)?.app;
  }

  async get(sdkappid: number): Promise<AppRecord | undefined> {
    const entry = this.fresh(sdkappid);
    if (entry !== undefined) return entry.app;
    let pending = this.loading.get(sdkappid);
    if (pending === undefined) {
      pending = this.store.apps.get(sdkappid).finally(() => this.loading.delete(sdkappid));
      this.loading.set(sdkappid, pending);
    }
    const app = await pending;
    // Remember unknown IDs too, so random SDKAppIDs cannot make every request hit the store.
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(sdkappid, { app, loadedAt: Date.now() });
    return app;
  }

  /** The remembered entry (an unknown ID's too) while it is younger than `refreshMs`. */
  private fresh(sdkappid: number): Entry | undefined {
    const entry = this.entries.get(sdkappid);
    return entry !== undefined && Date.now() - entry.loadedAt < this.refreshMs ? entry : undefined;
  }

  /** Forget cached apps (after this process changed one). */
  invalidate(sdkappid?: number): void {
    if (sdkappid === undefined) this.entries.clear();
    else this.entries.delete(sdkappid);
  }
}
