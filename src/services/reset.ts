/**
 * herald_admin/reset: empties one app's data for a test's fresh start, keeping the app, its key,
 * settings and admins (who stay imported). Subscribers' connections of the app end as if their
 * accounts were deleted; the send limits of its official accounts start afresh; undelivered
 * webhook events of the app are dropped. No webhook fires: this is not a Tencent operation.
 */
import type { ServiceContext } from './context.ts';

export interface ResetResult {
  accounts: number;
  officialAccounts: number;
  messages: number;
  webhookEvents: number;
}

export async function resetApp(
  ctx: Pick<ServiceContext, 'app' | 'store' | 'sendLimits' | 'notifier'>,
): Promise<ResetResult> {
  const cleared = await ctx.store.apps.clearData(ctx.app.sdkappid, ctx.app.admins);
  await ctx.sendLimits.forget(ctx.app, cleared.officialAccountIds);
  ctx.notifier.appReset(ctx.app.sdkappid);
  return {
    accounts: cleared.accounts,
    officialAccounts: cleared.officialAccountIds.length,
    messages: cleared.messages,
    webhookEvents: cleared.webhookEvents,
  };
}
