/**
 * im_open_login_svc: importing, deleting and checking accounts (platform.md §4).
 * Official-account owners and subscribers must be imported accounts; the admins always are.
 */
import { CATALOG, invalidAccountParameter, profileValueTooLong } from '../errors.ts';
import type { AccountInput } from '../store/records.ts';
import type { ServiceContext } from './context.ts';
import { emitUnsubscribed } from './subscribers.ts';
import { MAX_PROFILE_VALUE_BYTES, userIdProblem, utf8Bytes } from './rules.ts';

export function profileProblem(account: AccountInput): string | null {
  for (const [field, value] of [
    ['Nick', account.nick],
    ['FaceUrl', account.faceUrl],
  ] as const) {
    if (value !== undefined && utf8Bytes(value) > MAX_PROFILE_VALUE_BYTES)
      return `${field} exceeds ${MAX_PROFILE_VALUE_BYTES} bytes`;
  }
  return null;
}

/** account_import: one account; re-import updates the given profile fields. */
export async function importAccount(ctx: ServiceContext, account: AccountInput): Promise<void> {
  const idProblem = userIdProblem(account.userId);
  if (idProblem !== null) throw invalidAccountParameter(idProblem);
  const tooLong = profileProblem(account);
  if (tooLong !== null) throw profileValueTooLong(tooLong);
  // One account is one upsert: no transaction around it.
  await ctx.store.oneStatement((tx) => tx.upsertAccounts(ctx.app.sdkappid, [account], ctx.now()));
}

/**
 * multiaccount_import: imports every valid account in one transaction; accounts that cannot
 * be imported (bad UserID, profile value too long) are listed in FailAccounts.
 */
export async function importAccounts(
  ctx: ServiceContext,
  accounts: readonly AccountInput[],
): Promise<{ failAccounts: string[] }> {
  const failAccounts: string[] = [];
  const good = new Map<string, AccountInput>();
  for (const account of accounts) {
    if (userIdProblem(account.userId) !== null || profileProblem(account) !== null) failAccounts.push(account.userId);
    else good.set(account.userId, { ...good.get(account.userId), ...definedOnly(account) });
  }
  if (good.size > 0)
    await ctx.store.transaction((tx) => tx.upsertAccounts(ctx.app.sdkappid, [...good.values()], ctx.now()));
  return { failAccounts };
}

function definedOnly(account: AccountInput): AccountInput {
  const out: AccountInput = { userId: account.userId };
  if (account.nick !== undefined) out.nick = account.nick;
  if (account.faceUrl !== undefined) out.faceUrl = account.faceUrl;
  return out;
}

export interface DeleteResult {
  userId: string;
  resultCode: number;
  resultInfo: string;
}

/**
 * account_delete: per-account results. App admins cannot be deleted (the console does not
 * allow removing `administrator` either): they answer 71000 and stay.
 */
export async function deleteAccounts(ctx: ServiceContext, userIds: readonly string[]): Promise<DeleteResult[]> {
  return ctx.store.transaction(async (tx) => {
    const existing = await tx.existingAccounts(ctx.app.sdkappid, userIds, 'update');
    const admins = new Set(ctx.app.admins);
    const results = userIds.map((userId): DeleteResult => {
      if (admins.has(userId)) {
        return {
          userId,
          resultCode: CATALOG.accountUndeletable.code,
          resultInfo: 'App admin accounts cannot be deleted',
        };
      }
      if (!existing.has(userId)) {
        return { userId, resultCode: CATALOG.accountNotFound.code, resultInfo: CATALOG.accountNotFound.info };
      }
      return { userId, resultCode: 0, resultInfo: '' };
    });
    const deleted = results.filter((r) => r.resultCode === 0).map((r) => r.userId);
    // A deleted user stops being a subscriber anywhere (SubscriberNum follows). Official accounts
    // the user owns are kept: destroying a channel is never a side effect (README).
    // Accounts first: a concurrent add_subscriber holding them commits before this goes on,
    // so its new subscriptions are seen and removed below.
    await tx.deleteAccounts(ctx.app.sdkappid, deleted);
    const lost = await tx.removeUserSubscriptions(ctx.app.sdkappid, deleted);
    if (deleted.length > 0) tx.onCommit(() => ctx.notifier.usersSignedOut(ctx.app.sdkappid, deleted, 'deleted'));
    for (const [officialAccountId, users] of lost) await emitUnsubscribed(ctx, tx, officialAccountId, users);
    return results;
  });
}

export interface CheckResult {
  userId: string;
  imported: boolean;
}

/** account_check: whether each UserID is imported. */
export async function checkAccounts(ctx: ServiceContext, userIds: readonly string[]): Promise<CheckResult[]> {
  const existing = await ctx.store.reads.existingAccounts(ctx.app.sdkappid, userIds);
  return userIds.map((userId) => ({ userId, imported: existing.has(userId) }));
}
