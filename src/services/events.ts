/**
 * How services talk to the app's webhooks: `askBefore` runs a "before" webhook and turns its
 * answer into go / refuse (official-account-webhooks.md §3); `emitAfter` writes an "after"
 * event into the outbox inside the caller's transaction, so it exists if and only if the change
 * committed.
 */
import { ApiError, AppDefinedError, beforeWebhookFailed, type ErrorName, isAppDefinedCode } from '../errors.ts';
import type { Tx } from '../store/store.ts';
import type { CallbackCommand } from '../webhooks/commands.ts';
import type { ServiceContext } from './context.ts';

export type BeforeVerdict =
  | { go: true; reply: Record<string, unknown> | null }
  /** ErrorCode 2 on before-send: drop the message, tell the caller it worked. */
  | { go: false; discard: true };

export function isOn(ctx: ServiceContext, command: CallbackCommand): boolean {
  return ctx.webhooks.isOn(ctx.app, command);
}

/**
 * Asks the "before" webhook. ErrorCode 0 goes ahead (with the reply, which may carry changes);
 * 120001–130000 are passed to the caller; 2 discards when `discardable`; anything else refuses
 * with `refuseError`. A failed call follows the app's policy: go ahead, or refuse with 80003.
 */
export async function askBefore(
  ctx: ServiceContext,
  command: CallbackCommand,
  fields: Record<string, unknown>,
  refuseError: Extract<ErrorName, 'refusedByApp' | 'sendRefusedByApp'>,
  discardable = false,
): Promise<BeforeVerdict> {
  if (!isOn(ctx, command)) return { go: true, reply: null };
  const outcome = await ctx.webhooks.before(
    ctx.app,
    command,
    { CallbackCommand: command, ...fields, EventTime: Date.now() },
    ctx.clientIp,
  );
  if (outcome.kind === 'skipped') return { go: true, reply: null };
  if (outcome.kind === 'failed') {
    if (ctx.app.webhook.beforeFailure === 'reject') throw beforeWebhookFailed(command, outcome.error);
    return { go: true, reply: null };
  }
  const { reply } = outcome;
  // ErrorCode is an integer in Tencent's docs; a numeric string is read the same way.
  const raw =
    typeof reply.ErrorCode === 'string' && /^-?\d+$/.test(reply.ErrorCode) ? Number(reply.ErrorCode) : reply.ErrorCode;
  const code = Number.isInteger(raw) ? (raw as number) : reply.ActionStatus === 'FAIL' ? 1 : 0;
  const info = typeof reply.ErrorInfo === 'string' ? reply.ErrorInfo : '';
  if (code === 0) return { go: true, reply };
  if (code === 2 && discardable) return { go: false, discard: true };
  if (isAppDefinedCode(code)) throw new AppDefinedError(code, info);
  throw new ApiError(refuseError, info || undefined);
}

/** Writes an "after" event for `officialAccountId` when the app has that webhook on. */
export async function emitAfter(
  ctx: ServiceContext,
  tx: Tx,
  command: CallbackCommand,
  officialAccountId: string,
  fields: Record<string, unknown>,
): Promise<void> {
  if (!isOn(ctx, command)) return;
  const now = Date.now();
  await tx.enqueueWebhook({
    sdkappid: ctx.app.sdkappid,
    officialAccountId,
    command,
    body: { CallbackCommand: command, ...fields, EventTime: now },
    clientIp: ctx.clientIp,
    createdAt: now,
  });
}
