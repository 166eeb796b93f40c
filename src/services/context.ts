import type { AppRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import type { CallbackCommand } from '../webhooks/commands.ts';
import type { Notifier } from './notifier.ts';

/** Per-official-account send limits; answers why a send is refused, or null to allow it. */
export interface SendLimiter {
  allow(app: AppRecord, officialAccountId: string): Promise<string | null>;
  /** Gives back what `allow` charged, for a send that turned out to store nothing. */
  refund(app: AppRecord, officialAccountId: string): Promise<void>;
  /** Forgets what these accounts have sent (their app's data was emptied). */
  forget(app: AppRecord, officialAccountIds: readonly string[]): Promise<void>;
}

/** Who is connected to the subscriber channel, on any node. */
export interface OnlineStatus {
  /** Per user, the platforms of their open connections (a user missing from the map is offline). */
  platforms(sdkappid: number, userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** How many of the app's users have a connection open. */
  countUsers(sdkappid: number): Promise<number>;
}

/** What a "before" webhook said: not asked, a reply, or a failure (timeout, refused, not JSON). */
export type BeforeOutcome =
  | { kind: 'skipped' }
  | { kind: 'reply'; reply: Record<string, unknown> }
  | { kind: 'failed'; error: string };

/** The app's webhooks as services use them; "after" events go to the outbox via the store. */
export interface Webhooks {
  isOn(app: AppRecord, command: CallbackCommand): boolean;
  /** Calls a "before" webhook synchronously (2 s at most). */
  before(
    app: AppRecord,
    command: CallbackCommand,
    body: Record<string, unknown>,
    clientIp: string,
  ): Promise<BeforeOutcome>;
}

/**
 * What a command runs with: the app and the operator it runs for (an admin on the REST API, the
 * user themself on the subscriber channel), the store, the clock, limits, webhooks and notifier.
 */
export interface ServiceContext {
  app: AppRecord;
  operator: string;
  /** IP of the REST caller (webhooks report it as ClientIP). */
  clientIp: string;
  store: Store;
  sendLimits: SendLimiter;
  webhooks: Webhooks;
  /** Tells subscribers' devices what changed, once it has committed. */
  notifier: Notifier;
  online: OnlineStatus;
  /** Unix seconds. */
  now(): number;
}
