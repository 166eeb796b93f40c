/**
 * Subscriptions (official-accounts.md §4.5–4.9). SubscriberNum always moves in the same
 * transaction as the subscription rows; get_subscriber_info pages by an ever-increasing
 * per-account sub_seq, so a deep page costs what the first does and nobody is seen twice.
 */
import { invalidParameter, notSubscriber, officialAccountNotFound } from '../errors.ts';
import type { OfficialAccountRecord, SubscriberEntry } from '../store/records.ts';
import type { Tx } from '../store/store.ts';
import { CALLBACKS } from '../webhooks/commands.ts';
import type { ServiceContext } from './context.ts';
import { askBefore, emitAfter, isOn } from './events.ts';
import { selectBaseInfo } from './official-accounts.ts';
import { utf8Bytes } from './rules.ts';

export const MAX_SUBSCRIBER_CUSTOM_STRING_BYTES = 3000;
export const MAX_PAGE = 200;

/** Per-user outcome of add_subscriber / delete_subscriber: 0 failed, 1 done, 2 nothing to do. */
export type SubscriberResult = 0 | 1 | 2;

/** Why a user could not be added: not imported, refused by the before-subscribe webhook, or the account is full. */
export type AddRefusal = 'notImported' | 'refused' | 'full';

export interface AddResult {
  userId: string;
  result: SubscriberResult;
  why?: AddRefusal;
}

async function lockAccount(ctx: ServiceContext, tx: Tx, id: string): Promise<OfficialAccountRecord> {
  const account = await tx.lockOfficialAccount(ctx.app.sdkappid, id);
  if (!account) throw officialAccountNotFound(id);
  return account;
}

/**
 * add_subscriber: imported users become subscribers up to MaxSubscriberNum. Users that are not
 * imported, that are past the cap, or that the before-subscribe webhook refuses get 0; the
 * already subscribed get 2. After the change: AfterAddSubscriber (users added) and, when this
 * call filled the account, AfterOfficialAccountFull.
 */
export async function addSubscribers(
  ctx: ServiceContext,
  officialAccountId: string,
  userIds: readonly string[],
): Promise<{ results: AddResult[]; added: string[] }> {
  const sdkappid = ctx.app.sdkappid;

  const refused = new Set<string>();
  if (isOn(ctx, CALLBACKS.beforeAddSubscriber)) {
    // Ask only about users who could really be added now.
    if (!(await ctx.store.reads.officialAccountsCached(sdkappid, [officialAccountId])).has(officialAccountId)) {
      throw officialAccountNotFound(officialAccountId);
    }
    const already = await ctx.store.reads.subscribedAmong(sdkappid, officialAccountId, userIds);
    const imported = await ctx.store.reads.existingAccounts(sdkappid, userIds);
    const candidates = [...new Set(userIds)].filter((u) => imported.has(u) && !already.has(u));
    if (candidates.length > 0) {
      const verdict = await askBefore(
        ctx,
        CALLBACKS.beforeAddSubscriber,
        {
          Official_Account: officialAccountId,
          Operator_Account: ctx.operator,
          SubscribeAccountList: candidates.map((Subscriber_Account) => ({ Subscriber_Account })),
        },
        'refusedByApp',
      );
      const list = verdict.go
        ? (verdict.reply?.RefusedSubscribers_Account ?? verdict.reply?.RefusedMembers_Account)
        : undefined;
      if (Array.isArray(list)) for (const u of list) if (typeof u === 'string') refused.add(u);
    }
  }

  return ctx.store.transaction(async (tx) => {
    const account = await lockAccount(ctx, tx, officialAccountId);
    const already = await tx.subscribedAmong(sdkappid, officialAccountId, userIds);
    // Share-locked: an account_delete running now waits for this commit, then sees the rows.
    const imported = await tx.existingAccounts(
      sdkappid,
      userIds.filter((u) => !already.has(u)),
      'share',
    );
    let room = Math.max(0, account.maxSubscriberNum - account.subscriberNum);
    const added: string[] = [];
    // A user named twice: 2 ("already subscribed") only if the first mention subscribed them.
    const first = new Map<string, SubscriberResult>();
    const results = userIds.map((userId): AddResult => {
      let result: SubscriberResult;
      let why: AddRefusal | undefined;
      const earlier = first.get(userId);
      if (earlier !== undefined) result = earlier === 0 ? 0 : 2;
      else if (already.has(userId)) result = 2;
      else if (!imported.has(userId)) [result, why] = [0, 'notImported'];
      else if (refused.has(userId)) [result, why] = [0, 'refused'];
      else if (room === 0) [result, why] = [0, 'full'];
      else {
        result = 1;
        room--;
        added.push(userId);
      }
      if (earlier === undefined) first.set(userId, result);
      return why === undefined ? { userId, result } : { userId, result, why };
    });
    if (added.length > 0) {
      const fromVersion = await tx.addSubscribers(sdkappid, officialAccountId, added, ctx.now());
      tx.onCommit(() =>
        ctx.notifier.subscriptionsChanged({
          kind: 'subscribed',
          sdkappid,
          officialAccountId,
          userIds: added,
          fromVersion,
        }),
      );
      await emitAfter(ctx, tx, CALLBACKS.afterAddSubscriber, officialAccountId, {
        Official_Account: officialAccountId,
        Operator_Account: ctx.operator,
        SubscribeAccountList: added.map((Subscriber_Account) => ({ Subscriber_Account })),
      });
      if (account.subscriberNum + added.length >= account.maxSubscriberNum) {
        await emitAfter(ctx, tx, CALLBACKS.afterFull, officialAccountId, { Official_Account: officialAccountId });
      }
    }
    return { results, added };
  });
}

/** delete_subscriber: 1 removed, 2 was not a subscriber. */
export async function deleteSubscribers(
  ctx: ServiceContext,
  officialAccountId: string,
  userIds: readonly string[],
): Promise<{ results: { userId: string; result: SubscriberResult }[]; removed: string[] }> {
  const sdkappid = ctx.app.sdkappid;
  return ctx.store.transaction(async (tx) => {
    await lockAccount(ctx, tx, officialAccountId);
    const subscribed = await tx.subscribedAmong(sdkappid, officialAccountId, userIds);
    const removed = new Set<string>();
    const results = userIds.map((userId) => {
      if (!subscribed.has(userId) || removed.has(userId)) return { userId, result: 2 as const };
      removed.add(userId);
      return { userId, result: 1 as const };
    });
    await tx.removeSubscribers(sdkappid, officialAccountId, [...removed]);
    if (removed.size > 0) await emitUnsubscribed(ctx, tx, officialAccountId, [...removed]);
    return { results, removed: [...removed] };
  });
}

/** Users stopped being subscribers of one account: AfterDeleteSubscriber, and their devices are told. */
export function emitUnsubscribed(
  ctx: ServiceContext,
  tx: Tx,
  officialAccountId: string,
  userIds: readonly string[],
): Promise<void> {
  const sdkappid = ctx.app.sdkappid;
  tx.onCommit(() =>
    ctx.notifier.subscriptionsChanged({ kind: 'unsubscribed', sdkappid, officialAccountId, userIds: [...userIds] }),
  );
  return emitAfter(ctx, tx, CALLBACKS.afterDeleteSubscriber, officialAccountId, {
    Official_Account: officialAccountId,
    Operator_Account: ctx.operator,
    SubscribeAccountList: userIds.map((Subscriber_Account) => ({ Subscriber_Account })),
  });
}

/** modify_subscriber_info: sets the subscriber's CustomString. */
export async function modifySubscriberInfo(
  ctx: ServiceContext,
  officialAccountId: string,
  userId: string,
  customString: string,
): Promise<void> {
  if (utf8Bytes(customString) > MAX_SUBSCRIBER_CUSTOM_STRING_BYTES) {
    throw invalidParameter(
      `CustomString exceeds ${MAX_SUBSCRIBER_CUSTOM_STRING_BYTES} bytes (got ${utf8Bytes(customString)})`,
    );
  }
  const sdkappid = ctx.app.sdkappid;
  await ctx.store.transaction(async (tx) => {
    await lockAccount(ctx, tx, officialAccountId);
    if (!(await tx.getSubscription(sdkappid, officialAccountId, userId))) {
      throw notSubscriber(userId, officialAccountId);
    }
    await tx.setSubscriptionCustomString(sdkappid, officialAccountId, userId, customString);
  });
}

/** The opaque Next cursor of get_subscriber_info: the last sub_seq seen, base64url-encoded. */
export function encodeSubscriberCursor(subSeq: number): string {
  return Buffer.from(`s${subSeq}`).toString('base64url');
}

export function decodeSubscriberCursor(next: string): number {
  if (next === '') return 0;
  const text = /^[A-Za-z0-9_-]+$/.test(next) ? Buffer.from(next, 'base64url').toString('latin1') : '';
  const match = /^s(\d{1,15})$/.exec(text);
  if (!match) throw invalidParameter('Next is not a cursor returned by get_subscriber_info');
  return Number(match[1]);
}

export async function getSubscriberInfo(
  ctx: ServiceContext,
  officialAccountId: string,
  limit: number | undefined,
  next: string,
): Promise<{ subscribers: SubscriberEntry[]; subscriberNum: number; next: string }> {
  const pageSize = limit ?? MAX_PAGE;
  const after = decodeSubscriberCursor(next);
  const sdkappid = ctx.app.sdkappid;
  // One statement: the page and the total come from the same snapshot.
  const { account, subscribers: rows } = await ctx.store.reads.subscriberPage(
    sdkappid,
    officialAccountId,
    after,
    pageSize + 1,
  );
  if (!account) throw officialAccountNotFound(officialAccountId);
  const page = rows.slice(0, pageSize);
  const last = page.at(-1);
  return {
    subscribers: page,
    subscriberNum: account.subscriberNum,
    next: rows.length > pageSize && last ? encodeSubscriberCursor(last.subSeq) : '',
  };
}

export const SELF_INFO_FIELDS = ['SubscribeTime', 'CustomString'] as const;

export interface SubscribedListOptions {
  offset: number | undefined;
  limit: number | undefined;
  baseInfoFilter: readonly string[] | undefined;
  selfInfoFilter: readonly string[] | undefined;
}

export async function getSubscribedOfficialAccounts(
  ctx: ServiceContext,
  userId: string,
  options: SubscribedListOptions,
) {
  const limit = options.limit ?? MAX_PAGE;
  const offset = options.offset ?? 0;
  const sdkappid = ctx.app.sdkappid;
  const known = (options.selfInfoFilter ?? []).filter((f) => (SELF_INFO_FIELDS as readonly string[]).includes(f));
  const selfFields = known.length > 0 ? known : SELF_INFO_FIELDS;
  return ctx.store.transaction(async (tx) => {
    const total = await tx.countUserSubscriptions(sdkappid, userId);
    const rows = await tx.listUserSubscriptions(sdkappid, userId, offset, limit);
    const items = rows.map(({ subscription, account }) => {
      const selfInfo: Record<string, string | number> = {};
      for (const field of selfFields) {
        selfInfo[field] = field === 'SubscribeTime' ? subscription.subscribeTime : subscription.customString;
      }
      return { id: account.id, info: selectBaseInfo(account, options.baseInfoFilter), selfInfo };
    });
    const nextOffset = offset + rows.length;
    return { items, totalCount: total, complete: nextOffset >= total, next: nextOffset };
  });
}
