/**
 * What a subscriber's device may do (subscriber-side.md): log in with their own UserSig, subscribe
 * and unsubscribe themself, choose how they receive an account's messages, read account profiles
 * and the history of accounts they subscribe to. Every change goes through the same services, so
 * the REST rules (MaxSubscriberNum, imported users) and webhooks apply, with the user as operator.
 */
import {
  ApiError,
  accountNotFound,
  notSubscriber,
  officialAccountNotFound,
  subscriberLimitReached,
  userSigVoided,
} from '../errors.ts';
import type { MessageRecord, MsgFlag, OfficialAccountRecord, SubscriptionRecord } from '../store/records.ts';
import type { ServiceContext } from './context.ts';
import { getHistory } from './history.ts';
import { addSubscribers, deleteSubscribers } from './subscribers.ts';

/** A user as the subscriber channel serves them: ctx.operator is the user. */
export type DeviceContext = ServiceContext;

/**
 * The checks of a device login beyond the UserSig itself: the user must be an imported account,
 * and a kick voids every UserSig issued before it (answered 70001, as Tencent's SDK sees them).
 */
export async function checkLogin(ctx: DeviceContext, sigIssuedAt: number): Promise<void> {
  const state = await ctx.store.reads.loginState(ctx.app.sdkappid, ctx.operator);
  if (state === null) throw accountNotFound(ctx.operator);
  if (sigIssuedAt < state.sigNotBefore) throw userSigVoided();
}

export interface Subscribed {
  subscription: SubscriptionRecord;
  account: OfficialAccountRecord;
}

/** Every subscription of the user, with the accounts, read in one statement; in subscribe order. */
export async function subscriptionsOf(ctx: DeviceContext): Promise<Subscribed[]> {
  const all = await ctx.store.reads.subscriptionsOfUser(ctx.app.sdkappid, ctx.operator);
  return all.sort(
    (a, b) =>
      a.subscription.subscribeTime - b.subscription.subscribeTime ||
      (a.account.id < b.account.id ? -1 : a.account.id > b.account.id ? 1 : 0),
  );
}

/** What a device asks of official accounts, like the REST commands, needs the service on (131000). */
function requireService(ctx: DeviceContext): void {
  if (!ctx.app.officialAccountEnabled) throw new ApiError('officialAccountServiceOff');
}

/** The user subscribes: the same rules and webhooks as add_subscriber, the user as operator. */
export async function subscribe(ctx: DeviceContext, officialAccountId: string): Promise<void> {
  requireService(ctx);
  const { results } = await addSubscribers(ctx, officialAccountId, [ctx.operator]);
  const [mine] = results;
  if (mine === undefined || mine.result !== 0) return; // 1 subscribed now, 2 already
  if (mine.why === 'full') throw subscriberLimitReached(officialAccountId);
  if (mine.why === 'notImported') throw accountNotFound(ctx.operator);
  throw new ApiError('refusedByApp', `the app backend refused the subscription to "${officialAccountId}"`);
}

/** The user unsubscribes (nothing to do when they were not subscribed). */
export async function unsubscribe(ctx: DeviceContext, officialAccountId: string): Promise<void> {
  requireService(ctx);
  await deleteSubscribers(ctx, officialAccountId, [ctx.operator]);
}

/**
 * The user's receive option for an account. Back from Discard, what was sent meanwhile stays
 * discarded: the subscriber's timeline starts again at the account's current version.
 */
export async function setReceiveOption(ctx: DeviceContext, officialAccountId: string, msgFlag: MsgFlag) {
  requireService(ctx);
  const { sdkappid } = ctx.app;
  const userId = ctx.operator;
  await ctx.store.transaction(async (tx) => {
    const account = await tx.lockOfficialAccount(sdkappid, officialAccountId);
    if (!account) throw officialAccountNotFound(officialAccountId);
    const subscription = await tx.getSubscription(sdkappid, officialAccountId, userId);
    if (!subscription) throw notSubscriber(userId, officialAccountId);
    if (subscription.msgFlag === msgFlag) return;
    await tx.setSubscriptionMsgFlag(sdkappid, officialAccountId, userId, msgFlag, account.version);
    const fromVersion = subscription.msgFlag === 'Discard' ? account.version : subscription.fromVersion;
    tx.onCommit(() =>
      ctx.notifier.subscriptionsChanged({
        kind: 'receiveOption',
        sdkappid,
        officialAccountId,
        userId,
        msgFlag,
        fromVersion,
      }),
    );
  });
}

export type AccountInfoResult =
  | { id: string; found: true; account: OfficialAccountRecord; subscription: SubscriptionRecord | undefined }
  | { id: string; found: false };

/**
 * Profiles of accounts of the user's app (any account: a user looks before subscribing), each with
 * the user's own subscription when there is one. No IDs: every account the user subscribes to.
 */
export async function accountsInfo(ctx: DeviceContext, ids: readonly string[]): Promise<AccountInfoResult[]> {
  requireService(ctx);
  if (ids.length === 0) {
    return (await subscriptionsOf(ctx)).map(({ account, subscription }) => ({
      id: account.id,
      found: true,
      account,
      subscription,
    }));
  }
  const { sdkappid } = ctx.app;
  return ctx.store.transaction(async (tx) => {
    const accounts = await tx.getOfficialAccounts(sdkappid, ids);
    const results: AccountInfoResult[] = [];
    for (const id of ids) {
      const account = accounts.get(id);
      if (!account) results.push({ id, found: false });
      else
        results.push({ id, found: true, account, subscription: await tx.getSubscription(sdkappid, id, ctx.operator) });
    }
    return results;
  });
}

/** History of an account the user subscribes to, newest first, recalled messages included (as such). */
export async function messageList(
  ctx: DeviceContext,
  officialAccountId: string,
  count: number,
  beforeMsgKey: string | undefined,
): Promise<{ messages: MessageRecord[]; nextMsgKey: string; completed: boolean }> {
  requireService(ctx);
  const { sdkappid } = ctx.app;
  const subscribed = await ctx.store.reads.subscribedAmong(sdkappid, officialAccountId, [ctx.operator]);
  if (!subscribed.has(ctx.operator)) {
    const exists = (await ctx.store.reads.officialAccountsCached(sdkappid, [officialAccountId])).has(officialAccountId);
    throw exists ? notSubscriber(ctx.operator, officialAccountId) : officialAccountNotFound(officialAccountId);
  }
  const page = await getHistory(ctx, officialAccountId, count, beforeMsgKey, true);
  return { messages: page.messages, nextMsgKey: page.lastMsgKey, completed: page.isFinished === 2 };
}
