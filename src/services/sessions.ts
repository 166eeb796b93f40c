/** Users' login state on the subscriber channel: kick (platform.md §4.6) and online status (subscriber-side.md §1.4). */
import { accountNotFound } from '../errors.ts';
import type { ServiceContext } from './context.ts';

/**
 * im_open_login_svc/kick: every UserSig of the user issued before now stops logging them in
 * (a device login answers 70001), and their open connections on every node close with
 * KICKED_OUT. A UserSig issued from this second on works.
 */
export async function kick(ctx: ServiceContext, userId: string): Promise<void> {
  const { sdkappid } = ctx.app;
  await ctx.store.transaction(async (tx) => {
    if (!(await tx.setSigNotBefore(sdkappid, userId, ctx.now()))) throw accountNotFound(userId);
    tx.onCommit(() => ctx.notifier.usersSignedOut(sdkappid, [userId], 'kicked'));
  });
}

export type OnlineState = 'Online' | 'Offline';

export interface OnlineResult {
  userId: string;
  imported: boolean;
  status: OnlineState;
  platforms: string[];
}

/** Per user: not imported, or Online with the platforms of their connections, or Offline. */
export async function onlineStatus(ctx: ServiceContext, userIds: readonly string[]): Promise<OnlineResult[]> {
  const { sdkappid } = ctx.app;
  const imported = await ctx.store.reads.existingAccounts(sdkappid, userIds);
  const online = await ctx.online.platforms(
    sdkappid,
    userIds.filter((u) => imported.has(u)),
  );
  return userIds.map((userId) => {
    const platforms = online.get(userId) ?? [];
    return { userId, imported: imported.has(userId), status: platforms.length > 0 ? 'Online' : 'Offline', platforms };
  });
}
