/**
 * What the devices of subscribers must hear about. Services tell it once a change has committed
 * (a `tx.onCommit` hook); the subscriber channel (src/realtime) implements it. It carries only
 * doorbells and facts to fetch: the store stays the truth.
 */
import type { MsgFlag } from '../store/records.ts';

export type SubscriptionChange =
  /** They receive the messages that become visible after `fromVersion`. */
  | { kind: 'subscribed'; sdkappid: number; officialAccountId: string; userIds: string[]; fromVersion: number }
  | { kind: 'unsubscribed'; sdkappid: number; officialAccountId: string; userIds: string[] }
  | {
      kind: 'receiveOption';
      sdkappid: number;
      officialAccountId: string;
      userId: string;
      msgFlag: MsgFlag;
      fromVersion: number;
    };

/** Why a user's connections end: a kick (their UserSigs were voided), or their account was deleted. */
export type SignOutReason = 'kicked' | 'deleted';

export interface Notifier {
  /** The account's timeline moved to `version`: a message became visible, or was recalled. */
  timelineChanged(sdkappid: number, officialAccountId: string, version: number): void;
  subscriptionsChanged(change: SubscriptionChange): void;
  officialAccountChanged(sdkappid: number, officialAccountId: string): void;
  officialAccountDeleted(sdkappid: number, officialAccountId: string): void;
  usersSignedOut(sdkappid: number, userIds: readonly string[], reason: SignOutReason): void;
  /** The app's data was emptied: every connection of the app ends as if its account were deleted. */
  appReset(sdkappid: number): void;
}

/** For a store used without a subscriber channel (CLI commands, tools). */
export const NO_NOTIFIER: Notifier = {
  timelineChanged() {},
  subscriptionsChanged() {},
  officialAccountChanged() {},
  officialAccountDeleted() {},
  usersSignedOut() {},
  appReset() {},
};
