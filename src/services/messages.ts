/**
 * Broadcast messages, history and recall (official-accounts.md §4.10–4.12, §5).
 * A broadcast is one row in the account's timeline, keyed by a per-account Seq that is taken
 * in the same transaction as the insert: nothing is written per subscriber, so the cost of a
 * send does not depend on how many subscribers the account has.
 */
import { createHash } from 'node:crypto';
import { ApiError } from '../errors.ts';
import type { AppRecord, MessageOutcome, MessageRecord } from '../store/records.ts';
import type { StoreTx } from '../store/store.ts';
import { CALLBACKS } from '../webhooks/commands.ts';
import type { ServiceContext } from './context.ts';
import { askBefore, type BeforeVerdict, emitAfter, isOn } from './events.ts';
import { validateMsgBody } from './message-body.ts';
import { requireOfficialAccountService } from './official-accounts.ts';
import { utf8Bytes } from './rules.ts';

/** Message content limit (platform.md §1.7): MsgBody plus CloudCustomData, UTF-8 JSON. */
export const MAX_MESSAGE_BYTES = 12 * 1024;
export const DEDUPE_WINDOW_SECONDS = 5 * 60;
export const MAX_HISTORY_PAGE = 20;
export const MAX_RECALL_KEYS = 10;
export const MAX_RECALL_REASON_BYTES = 100;

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

export const FORBID_BEFORE_SEND = 'ForbidBeforeSendMsgCallback';
export const FORBID_AFTER_SEND = 'ForbidAfterSendMsgCallback';

export function msgKey(seq: number, time: number): string {
  return `${seq}_1_${time}`;
}

/** Parses "{Seq}_1_{ServerTime}"; null when the key does not have that shape. */
export function parseMsgKey(key: string): { seq: number; time: number } | null {
  const match = /^(\d{1,15})_1_(\d{1,15})$/.exec(key);
  return match ? { seq: Number(match[1]), time: Number(match[2]) } : null;
}

/** What makes two sends "the same message" for duplicate suppression (with Random). */
function contentHash(bodyJson: string, cloudCustomData: string | undefined, onlineOnly: boolean): string {
  return createHash('sha256')
    .update(JSON.stringify([bodyJson, cloudCustomData ?? null, onlineOnly]))
    .digest('base64');
}

/** Checks a send's content and options; answers the JSON of MsgBody (measured once, hashed once). */
export function checkSendInput(input: SendInput): string {
  validateMsgBody(input.msgBody);
  const bodyJson = JSON.stringify(input.msgBody);
  const size = utf8Bytes(bodyJson) + utf8Bytes(input.cloudCustomData ?? '');
  if (size > MAX_MESSAGE_BYTES)
    throw new ApiError(80002, `message content is ${size} bytes; at most ${MAX_MESSAGE_BYTES}`);
  if (input.onlineOnlyFlag !== undefined && input.onlineOnlyFlag !== 0 && input.onlineOnlyFlag !== 1) {
    throw new ApiError(6017, 'OnlineOnlyFlag must be 0 or 1');
  }
  if (input.onlineOnlyFlag === 1 && input.sendMsgControl?.includes('NoLastMsg')) {
    throw new ApiError(6017, 'SendMsgControl NoLastMsg cannot be combined with OnlineOnlyFlag 1');
  }
  return bodyJson;
}

/**
 * send_official_account_msg.
 *
 * 1. Validation, and a quick duplicate check (same content and Random within 5 minutes answers
 *    with the first message's key and stores nothing).
 * 2. One transaction, under the account's row lock: the duplicate check again, the per-account
 *    limits, a Seq, and the message row. Doing the limit check here means identical sends racing
 *    each other (even on different nodes) store one message and are charged once.
 * 3. With a before-send webhook on, the row is stored `pending` (hidden) and the webhook is asked
 *    outside any transaction; a second transaction then settles it as sent (possibly rewritten),
 *    or discarded (ErrorCode 2: the caller still sees success; refusals answer their error).
 *    The AfterSendMsg event is written in the transaction that makes the message sent.
 */
export async function sendMessage(ctx: ServiceContext, input: SendInput): Promise<SendResult> {
  requireOfficialAccountService(ctx);
  const bodyJson = checkSendInput(input);
  const sdkappid = ctx.app.sdkappid;
  const id = input.officialAccountId;
  const onlineOnly = input.onlineOnlyFlag === 1 ? 1 : 0;
  const hash = contentHash(bodyJson, input.cloudCustomData, onlineOnly === 1);
  const since = () => ctx.now() - DEDUPE_WINDOW_SECONDS;
  const repeat = (m: MessageRecord): SendResult => ({ msgTime: m.time, msgKey: m.msgKey, seq: m.seq, duplicate: true });
  const missing = () => new ApiError(130004, `official account "${id}" does not exist`);

  // An unknown account has no duplicate; the transaction below answers 130004 for it.
  const earlier = await ctx.store.findDuplicateMessage(sdkappid, id, input.random, hash, since());
  if (earlier) return repeat(earlier);

  const askWebhook = !input.forbidCallbackControl?.includes(FORBID_BEFORE_SEND) && isOn(ctx, CALLBACKS.beforeSendMsg);
  const emitsAfter = !input.forbidCallbackControl?.includes(FORBID_AFTER_SEND);
  const body = input.msgBody as unknown[];
  const cloudCustomData = input.cloudCustomData ?? null;
  // Allowance charged by attempts of the transaction that then rolled back, to give back.
  let uncommittedCharges = 0;
  const reserved = await ctx.store
    .transaction(async (tx) => {
      if (!(await tx.lockOfficialAccount(sdkappid, id))) throw missing();
      const raced = await tx.findDuplicateMessage(sdkappid, id, input.random, hash, since());
      if (raced) return repeat(raced);
      const refusal = await ctx.sendLimits.allow(ctx.app, id);
      if (refusal !== null) throw new ApiError(60007, refusal);
      uncommittedCharges++;
      const time = ctx.now();
      const seq = await tx.takeMessageSeq(sdkappid, id, askWebhook ? 0 : time);
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
      });
      if (!askWebhook)
        await settleSend(
          ctx,
          tx,
          { id, seq, msgKey: key, time, onlineOnly, emitsAfter },
          { state: 'sent', body, cloudCustomData },
          false,
        );
      return { msgTime: time, msgKey: key, seq, duplicate: false };
    })
    .then(
      async (result) => {
        if (!result.duplicate) uncommittedCharges--; // the committed attempt keeps its charge
        for (; uncommittedCharges > 0; uncommittedCharges--) await ctx.sendLimits.refund(ctx.app, id);
        return result;
      },
      async (e: unknown) => {
        for (; uncommittedCharges > 0; uncommittedCharges--) await ctx.sendLimits.refund(ctx.app, id);
        throw e;
      },
    );
  if (reserved.duplicate || !askWebhook) return reserved;

  const settle = (state: MessageOutcome['state'], sentBody: unknown[], data: string | null) =>
    ctx.store.transaction((tx) =>
      settleSend(
        ctx,
        tx,
        { id, seq: reserved.seq, msgKey: reserved.msgKey, time: reserved.msgTime, onlineOnly, emitsAfter },
        { state, body: sentBody, cloudCustomData: data },
      ),
    );

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
      10016,
      true,
    );
  } catch (e) {
    // Refused by the app backend: nothing was sent, so nothing is charged. (Unless the answer
    // came so late that the message was already settled as abandoned and sent: then it was.)
    if (!(await settle('refused', body, cloudCustomData))) {
      const now = (await ctx.store.getMessages(sdkappid, id, [reserved.seq])).get(reserved.seq);
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

interface Reserved {
  id: string;
  seq: number;
  msgKey: string;
  time: number;
  onlineOnly: 0 | 1;
  emitsAfter: boolean;
}

/**
 * Gives a send its outcome; a sent message moves LastMsgTime and emits AfterSendMsg. `stored`
 * false: the row was just inserted as sent (no webhook to wait for), only the effects remain.
 */
async function settleSend(
  ctx: ServiceContext,
  tx: StoreTx,
  m: Reserved,
  outcome: MessageOutcome,
  stored = true,
): Promise<boolean> {
  const sdkappid = ctx.app.sdkappid;
  // Only a message still pending is settled (a late answer never overrides the recovery's).
  if (stored && !(await tx.settleMessage(sdkappid, m.id, m.seq, outcome))) return false;
  if (outcome.state !== 'sent') return true;
  if (stored) await tx.touchLastMsgTime(sdkappid, m.id, m.time);
  if (!m.emitsAfter) return true;
  await emitAfter(ctx, tx, CALLBACKS.afterSendMsg, m.id, {
    Official_Account: m.id,
    MsgKey: m.msgKey,
    MsgTime: m.time,
    OnlineOnlyFlag: m.onlineOnly,
    MsgBody: outcome.body,
    ...(outcome.cloudCustomData !== null && { CloudCustomData: outcome.cloudCustomData }),
  });
  return true;
}

/**
 * Sends whose node died between reserving the message and settling it (the before-send webhook's
 * answer never came back) are settled as if that webhook had failed: sent under the app's
 * `allow` policy, refused under `reject`. A send counts as abandoned once it has been pending
 * longer than `abandonAfterSeconds` (more than the webhook's timeout, so no live call is taken
 * over); 0 takes every pending send, for a store only this process uses. Safe on many nodes.
 */
export async function settleAbandonedSends(
  deps: Pick<ServiceContext, 'store' | 'webhooks' | 'sendLimits'> & {
    getApp(sdkappid: number): Promise<AppRecord | undefined>;
  },
  now: number,
  abandonAfterSeconds: number,
): Promise<number> {
  let settled = 0;
  for (const { sdkappid, message } of await deps.store.listPendingMessages(now - abandonAfterSeconds + 1, 100)) {
    const app = await deps.getApp(sdkappid);
    if (!app) continue;
    const ctx: ServiceContext = {
      ...deps,
      app,
      operator: '',
      clientIp: message.options.clientIp ?? '',
      now: () => now,
    };
    const id = message.officialAccountId;
    const done = await deps.store.transaction(async (tx) => {
      if (!(await tx.lockOfficialAccount(sdkappid, id))) return false;
      // Another node may have settled it meanwhile: only a row still pending is ours to settle.
      const current = (await tx.getMessages(sdkappid, id, [message.seq])).get(message.seq);
      if (current?.state !== 'pending') return false;
      const reserved: Reserved = {
        id,
        seq: current.seq,
        msgKey: current.msgKey,
        time: current.time,
        onlineOnly: current.onlineOnly ? 1 : 0,
        emitsAfter: !current.options.forbidCallbackControl?.includes(FORBID_AFTER_SEND),
      };
      const state = app.webhook.beforeFailure === 'reject' ? 'refused' : 'sent';
      return settleSend(ctx, tx, reserved, { state, body: current.body, cloudCustomData: current.cloudCustomData });
    });
    if (done) settled++;
  }
  return settled;
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

export interface HistoryPage {
  messages: MessageRecord[];
  lastMsgKey: string;
  /** 1 the page is what was asked for, 0 truncated to 20, 2 no older history remains. */
  isFinished: 0 | 1 | 2;
}

export async function getHistory(
  ctx: ServiceContext,
  officialAccountId: string,
  reqMsgNumber: number,
  lastMsgKey: string | undefined,
  withRecalled: boolean,
): Promise<HistoryPage> {
  requireOfficialAccountService(ctx);
  if (reqMsgNumber < 1) throw new ApiError(6017, 'ReqMsgNumber must be at least 1');
  let beforeSeq: number | null = null;
  if (lastMsgKey !== undefined && lastMsgKey !== '') {
    const parsed = parseMsgKey(lastMsgKey);
    if (!parsed) throw new ApiError(6017, `LastMsgKey "${lastMsgKey}" is not a MsgKey ({Seq}_1_{Time})`);
    beforeSeq = parsed.seq;
  }
  const pageSize = Math.min(reqMsgNumber, MAX_HISTORY_PAGE);
  const sdkappid = ctx.app.sdkappid;
  return ctx.store.transaction(async (tx) => {
    if (!(await tx.getOfficialAccounts(sdkappid, [officialAccountId])).has(officialAccountId)) {
      throw new ApiError(130004, `official account "${officialAccountId}" does not exist`);
    }
    const rows = await tx.listMessages(sdkappid, officialAccountId, beforeSeq, pageSize + 1, withRecalled);
    const messages = rows.slice(0, pageSize);
    const more = rows.length > pageSize;
    return {
      messages,
      lastMsgKey: messages.at(-1)?.msgKey ?? '',
      isFinished: !more ? 2 : reqMsgNumber > MAX_HISTORY_PAGE ? 0 : 1,
    };
  });
}

/** Per-key outcome of a recall: 0 recalled, 1 no such message, 2 already recalled. */
export type RecallCode = 0 | 1 | 2;

export async function recallMessages(
  ctx: ServiceContext,
  officialAccountId: string,
  keys: readonly string[],
  reason: string,
): Promise<{ results: { msgKey: string; retCode: RecallCode; seq?: number }[]; recalled: MessageRecord[] }> {
  requireOfficialAccountService(ctx);
  if (keys.length === 0) throw new ApiError(6017, 'MsgKeyList must not be empty');
  if (keys.length > MAX_RECALL_KEYS) throw new ApiError(6017, `MsgKeyList holds at most ${MAX_RECALL_KEYS} keys`);
  if (utf8Bytes(reason) > MAX_RECALL_REASON_BYTES)
    throw new ApiError(6017, `Reason exceeds ${MAX_RECALL_REASON_BYTES} bytes`);
  const sdkappid = ctx.app.sdkappid;
  return ctx.store.transaction(async (tx) => {
    if (!(await tx.lockOfficialAccount(sdkappid, officialAccountId))) {
      throw new ApiError(130004, `official account "${officialAccountId}" does not exist`);
    }
    const parsed = keys.map((key) => ({ key, at: parseMsgKey(key) }));
    const found = await tx.getMessages(
      sdkappid,
      officialAccountId,
      parsed.flatMap((p) => (p.at ? [p.at.seq] : [])),
    );
    const recalled = new Map<number, MessageRecord>();
    const results = parsed.map(({ key, at }) => {
      const message = at ? found.get(at.seq) : undefined;
      if (!message || message.msgKey !== key || message.state !== 'sent') return { msgKey: key, retCode: 1 as const };
      if (message.recalled || recalled.has(message.seq)) return { msgKey: key, retCode: 2 as const, seq: message.seq };
      recalled.set(message.seq, message);
      return { msgKey: key, retCode: 0 as const, seq: message.seq };
    });
    const time = ctx.now();
    await tx.markRecalled(sdkappid, officialAccountId, [...recalled.keys()], reason, time);
    if (recalled.size > 0) {
      await emitAfter(ctx, tx, CALLBACKS.afterMsgWithdraw, officialAccountId, {
        Official_Account: officialAccountId,
        WithdrawMsgList: [...recalled.values()].map((m) => ({ MsgKey: m.msgKey })),
      });
    }
    return {
      results,
      recalled: [...recalled.values()].map((m) => ({ ...m, recalled: true, recallReason: reason, recallTime: time })),
    };
  });
}
