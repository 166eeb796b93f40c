/**
 * Broadcasts (official-accounts.md §4.10, §5). A broadcast is one row in the account's timeline,
 * keyed by a per-account Seq taken in the same transaction as the insert: nothing is written per
 * subscriber, so the cost of a send does not depend on how many subscribers the account has.
 */
import { createHash } from 'node:crypto';
import { invalidParameter, messageTooLong, officialAccountNotFound, sendLimited } from '../errors.ts';
import type { MessageOutcome, MessageRecord } from '../store/records.ts';
import { CALLBACKS } from '../webhooks/commands.ts';
import type { ServiceContext } from './context.ts';
import { askBefore, type BeforeVerdict, isOn } from './events.ts';
import { validateMsgBody } from './message-body.ts';
import { msgKey } from './msg-key.ts';
import { utf8Bytes } from './rules.ts';
import { FORBID_AFTER_SEND, FORBID_BEFORE_SEND, type Reserved, settleSend } from './settle.ts';

/** Message content limit (platform.md §1.7): MsgBody plus CloudCustomData, UTF-8 JSON. */
export const MAX_MESSAGE_BYTES = 12 * 1024;
export const DEDUPE_WINDOW_SECONDS = 5 * 60;

export interface SendInput {
  officialAccountId: string;
  random: number;
  msgBody: unknown;
  cloudCustomData?: string | undefined;
  offlinePushInfo?: Record<string, unknown> | undefined;
  forbidCallbackControl?: string[] | undefined;
  onlineOnlyFlag?: number | undefined;
  sendMsgControl?: string[] | undefined;
}

export interface SendResult {
  msgTime: number;
  msgKey: string;
  seq: number;
  /** True when this call repeated a message sent within 5 minutes (nothing new was stored). */
  duplicate: boolean;
}

/** What makes two sends "the same message" for duplicate suppression (with Random); stored as content_hash. */
export function contentHash(bodyJson: string, cloudCustomData: string | undefined, onlineOnly: boolean): string {
  return createHash('sha256')
    .update(JSON.stringify([bodyJson, cloudCustomData ?? null, onlineOnly]))
    .digest('base64');
}

/** Checks a send's content and options; answers the JSON of MsgBody (measured once, hashed once). */
export function checkSendInput(input: SendInput): string {
  validateMsgBody(input.msgBody);
  const bodyJson = JSON.stringify(input.msgBody);
  const size = utf8Bytes(bodyJson) + utf8Bytes(input.cloudCustomData ?? '');
  if (size > MAX_MESSAGE_BYTES) throw messageTooLong(size, MAX_MESSAGE_BYTES);
  if (input.onlineOnlyFlag === 1 && input.sendMsgControl?.includes('NoLastMsg')) {
    throw invalidParameter('SendMsgControl NoLastMsg cannot be combined with OnlineOnlyFlag 1');
  }
  return bodyJson;
}

/** Ends a send's transaction with a rollback when it repeats an earlier message: nothing is stored or taken. */
class RepeatedSend {
  constructor(readonly earlier: MessageRecord) {}
}

/**
 * send_official_account_msg.
 *
 * 1. Validation.
 * 2. One transaction: a Seq (which locks the account's row), the duplicate check (same content
 *    and Random within 5 minutes answers with the first message's key and stores nothing), the
 *    per-account limits, and the message row: on PostgreSQL five round trips with begin and
 *    commit. Checking under the lock means identical sends racing each other (even on different
 *    nodes) store one message and are charged once; an attempt that rolls back gives its charge
 *    back.
 * 3. With a before-send webhook on, the row is stored `pending` (hidden) and the webhook is asked
 *    outside any transaction; a second transaction then settles it as sent (possibly rewritten),
 *    or discarded (ErrorCode 2: the caller still sees success; refusals answer their error).
 *    The AfterSendMsg event is written in the transaction that makes the message sent.
 */
export async function sendMessage(ctx: ServiceContext, input: SendInput): Promise<SendResult> {
  const bodyJson = checkSendInput(input);
  const sdkappid = ctx.app.sdkappid;
  const id = input.officialAccountId;
  const onlineOnly = input.onlineOnlyFlag === 1 ? 1 : 0;
  const hash = contentHash(bodyJson, input.cloudCustomData, onlineOnly === 1);

  const askWebhook = !input.forbidCallbackControl?.includes(FORBID_BEFORE_SEND) && isOn(ctx, CALLBACKS.beforeSendMsg);
  const emitsAfter = !input.forbidCallbackControl?.includes(FORBID_AFTER_SEND);
  const body = input.msgBody as unknown[];
  const cloudCustomData = input.cloudCustomData ?? null;
  let reserved: SendResult;
  try {
    reserved = await ctx.store.transaction(async (tx) => {
      // Taking the Seq locks the account's row: the duplicate check after it sees every send
      // that committed before, on any node. A repeat rolls the Seq back (RepeatedSend).
      const time = ctx.now();
      const taken = await tx.takeMessageSeq(sdkappid, id, askWebhook ? null : time);
      if (taken === undefined) throw officialAccountNotFound(id);
      const earlier = await tx.findDuplicateMessage(sdkappid, id, input.random, hash, time - DEDUPE_WINDOW_SECONDS);
      if (earlier) throw new RepeatedSend(earlier);
      const refusal = await ctx.sendLimits.allow(ctx.app, id);
      if (refusal !== null) throw sendLimited(refusal);
      tx.onRollback(() => ctx.sendLimits.refund(ctx.app, id));
      const { seq, version } = taken;
      const key = msgKey(seq, time);
      await tx.insertMessage(sdkappid, {
        officialAccountId: id,
        seq,
        msgKey: key,
        random: input.random,
        time,
        fromAccount: id,
        body,
        cloudCustomData,
        offlinePushInfo: input.offlinePushInfo ?? null,
        options: {
          ...(input.sendMsgControl && { sendMsgControl: input.sendMsgControl }),
          ...(input.forbidCallbackControl && { forbidCallbackControl: input.forbidCallbackControl }),
          ...(askWebhook && { clientIp: ctx.clientIp }),
        },
        onlineOnly: onlineOnly === 1,
        contentHash: hash,
        state: askWebhook ? 'pending' : 'sent',
        version,
      });
      if (!askWebhook) {
        const sent: Reserved = { id, seq, msgKey: key, time, onlineOnly, emitsAfter };
        await settleSend(ctx, tx, sent, { state: 'sent', body, cloudCustomData }, version);
      }
      return { msgTime: time, msgKey: key, seq, duplicate: false };
    });
  } catch (e) {
    if (!(e instanceof RepeatedSend)) throw e;
    const m = e.earlier;
    return { msgTime: m.time, msgKey: m.msgKey, seq: m.seq, duplicate: true };
  }
  if (reserved.duplicate || !askWebhook) return reserved;

  const pending: Reserved = {
    id,
    seq: reserved.seq,
    msgKey: reserved.msgKey,
    time: reserved.msgTime,
    onlineOnly,
    emitsAfter,
  };
  const settle = (state: MessageOutcome['state'], sentBody: unknown[], data: string | null) =>
    ctx.store.transaction((tx) => settleSend(ctx, tx, pending, { state, body: sentBody, cloudCustomData: data }));

  let verdict: BeforeVerdict;
  try {
    verdict = await askBefore(
      ctx,
      CALLBACKS.beforeSendMsg,
      {
        Official_Account: id,
        OnlineOnlyFlag: onlineOnly,
        MsgBody: body,
        ...(cloudCustomData !== null && { CloudCustomData: cloudCustomData }),
      },
      'sendRefusedByApp',
      true,
    );
  } catch (e) {
    // Refused by the app backend: nothing was sent, so nothing is charged. (Unless the answer
    // came so late that the message was already settled as abandoned and sent: then it was.)
    if (!(await settle('refused', body, cloudCustomData))) {
      const now = (await ctx.store.reads.getMessages(sdkappid, id, [reserved.seq])).get(reserved.seq);
      if (now?.state === 'sent') return reserved;
    }
    await ctx.sendLimits.refund(ctx.app, id);
    throw e;
  }
  if (!verdict.go) await settle('discarded', body, cloudCustomData);
  else {
    const rewritten = verdict.reply ? applyRewrite(verdict.reply, body, cloudCustomData) : { body, cloudCustomData };
    await settle('sent', rewritten.body, rewritten.cloudCustomData);
  }
  return reserved;
}

/**
 * A before-send reply may replace MsgBody and CloudCustomData. A replacement that is not a
 * valid message is ignored (the original goes out) rather than failing the sender's call.
 */
function applyRewrite(reply: Record<string, unknown>, body: unknown[], cloudCustomData: string | null) {
  let nextBody = body;
  if (reply.MsgBody !== undefined) {
    try {
      validateMsgBody(reply.MsgBody);
      nextBody = reply.MsgBody;
    } catch {
      // keep the original body
    }
  }
  const nextData = typeof reply.CloudCustomData === 'string' ? reply.CloudCustomData : cloudCustomData;
  return { body: nextBody, cloudCustomData: nextData };
}
