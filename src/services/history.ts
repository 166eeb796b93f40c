/** Message history and recall (official-accounts.md §4.11–4.12, §5.3–5.4). */
import { invalidParameter, officialAccountNotFound } from '../errors.ts';
import type { MessageRecord } from '../store/records.ts';
import { CALLBACKS } from '../webhooks/commands.ts';
import type { ServiceContext } from './context.ts';
import { emitAfter } from './events.ts';
import { parseMsgKey } from './msg-key.ts';
import { utf8Bytes } from './rules.ts';

export const MAX_HISTORY_PAGE = 20;
export const MAX_RECALL_KEYS = 10;
export const MAX_RECALL_REASON_BYTES = 100;

export interface HistoryPage {
  messages: MessageRecord[];
  lastMsgKey: string;
  /** 1 the page is what was asked for, 0 truncated to 20, 2 no older history remains. */
  isFinished: 0 | 1 | 2;
}

/** Newest first, older than `lastMsgKey` when given; recalled messages only when asked for. */
export async function getHistory(
  ctx: ServiceContext,
  officialAccountId: string,
  reqMsgNumber: number,
  lastMsgKey: string | undefined,
  withRecalled: boolean,
): Promise<HistoryPage> {
  let beforeSeq: number | null = null;
  if (lastMsgKey !== undefined && lastMsgKey !== '') {
    const parsed = parseMsgKey(lastMsgKey);
    if (!parsed) throw invalidParameter(`LastMsgKey "${lastMsgKey}" is not a MsgKey ({Seq}_1_{Time})`);
    beforeSeq = parsed.seq;
  }
  const pageSize = Math.min(reqMsgNumber, MAX_HISTORY_PAGE);
  const sdkappid = ctx.app.sdkappid;
  // One statement: whether the account exists and its page, from the same snapshot.
  const { account, messages: rows } = await ctx.store.reads.historyPage(
    sdkappid,
    officialAccountId,
    beforeSeq,
    pageSize + 1,
    withRecalled,
  );
  if (!account) throw officialAccountNotFound(officialAccountId);
  const messages = rows.slice(0, pageSize);
  const more = rows.length > pageSize;
  return {
    messages,
    lastMsgKey: messages.at(-1)?.msgKey ?? '',
    isFinished: !more ? 2 : reqMsgNumber > MAX_HISTORY_PAGE ? 0 : 1,
  };
}

/** Per-key outcome of a recall: 0 recalled, 1 no such message, 2 already recalled. */
export type RecallCode = 0 | 1 | 2;

export async function recallMessages(
  ctx: ServiceContext,
  officialAccountId: string,
  keys: readonly string[],
  reason: string,
): Promise<{ results: { msgKey: string; retCode: RecallCode; seq?: number }[]; recalled: MessageRecord[] }> {
  if (utf8Bytes(reason) > MAX_RECALL_REASON_BYTES) {
    throw invalidParameter(`Reason exceeds ${MAX_RECALL_REASON_BYTES} bytes`);
  }
  const sdkappid = ctx.app.sdkappid;
  return ctx.store.transaction(async (tx) => {
    if (!(await tx.lockOfficialAccount(sdkappid, officialAccountId))) {
      throw officialAccountNotFound(officialAccountId);
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
    if (recalled.size > 0) {
      const version = await tx.markRecalled(sdkappid, officialAccountId, [...recalled.keys()], reason, time);
      tx.onCommit(() => ctx.notifier.timelineChanged(sdkappid, officialAccountId, version));
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
