import type { AppRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import type { CallbackCommand } from '../webhooks/commands.ts';

/** Per-official-account send limits; answers why a send is refused, or null to allow it. */
export interface SendLimiter {
  allow(app: AppRecord, officialAccountId: string): Promise<string | null>;
  /** Gives back what `allow` charged, for a send that turned out to store nothing. */
  refund(app: AppRecord, officialAccountId: string): Promise<void>;
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

/** What a command runs with: the app and admin it runs for, the store, the clock and limits. */
export interface ServiceContext {
  app: AppRecord;
  operator: string;
  /** IP of the REST caller (webhooks report it as ClientIP). */
  clientIp: string;
  store: Store;
  sendLimits: SendLimiter;
  webhooks: Webhooks;
  /** Unix seconds. */
  now(): number;
}
