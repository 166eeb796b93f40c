/**
 * An account's history, newest first, recalled messages included (WithRecalledMsg: 1) and struck
 * through; older pages on request; recall with confirmation.
 */
import { official } from '../api.ts';
import { useConfirm } from '../components/confirm.tsx';
import { Done, ErrorText, Loading } from '../components/notice.tsx';
import { describeBody, formatTime } from '../format.ts';
import { useAction, useOlderPages } from '../hooks.ts';
import type { HistoryMessage, MsgElement } from '../types.ts';

const PAGE = 20;
const RECALL_RESULT = ['recalled', 'no such message', 'already recalled'];

interface Page {
  RspMsgList: HistoryMessage[];
  LastMsgKey: string;
  IsFinished: 0 | 1 | 2;
}

interface Props {
  id: string;
  /** Bodies seen on this screen, so a message recalled meanwhile is still shown (struck through). */
  known: Map<string, MsgElement[]>;
  /** Changes when the history must be read again from the newest. */
  version: number;
}

export function MessageHistory({ id, known, version }: Props) {
  const history = useOlderPages<HistoryMessage, string>(
    async (lastMsgKey) => {
      const page = await official<Page>('official_account_msg_get_simple', {
        Official_Account: id,
        ReqMsgNumber: PAGE,
        WithRecalledMsg: 1,
        ...(lastMsgKey !== undefined && { LastMsgKey: lastMsgKey }),
      });
      for (const m of page.RspMsgList) if (m.IsPlaceMsg === 0) known.set(m.MsgKey, m.MsgBody);
      const done = page.IsFinished === 2 || page.RspMsgList.length === 0;
      return { rows: page.RspMsgList, older: done ? undefined : page.LastMsgKey };
    },
    [id, version],
  );
  const { rows: messages, loading, error } = history;
  const recall = useAction();
  const { ask, dialog } = useConfirm();

  const recallOne = async (message: HistoryMessage) => {
    const ok = await ask({
      title: 'Recall this message?',
      message: (
        <p>
          Message <span class="mono">{message.MsgKey}</span> disappears from every subscriber's conversation.
        </p>
      ),
      confirm: 'Recall',
    });
    if (!ok) return;
    await recall.run(async () => {
      const answer = await official<{ RecallRetList: { MsgKey: string; RetCode: number }[] }>(
        'official_account_msg_recall',
        { Official_Account: id, MsgKeyList: [message.MsgKey] },
      );
      history.reload();
      const result = answer.RecallRetList[0];
      return `${message.MsgKey}: ${RECALL_RESULT[result?.RetCode ?? 0] ?? result?.RetCode}`;
    });
  };

  return (
    <section class="panel" aria-labelledby="history-title">
      <div class="panel-head">
        <h2 id="history-title">History</h2>
        <button type="button" class="secondary" onClick={history.reload} disabled={loading}>
          Refresh
        </button>
      </div>
      <ErrorText text={error || recall.error} />
      <Done>{recall.done}</Done>
      {loading && messages.length === 0 && <Loading what="the history" />}
      {!loading && messages.length === 0 && !error && <p>No messages yet.</p>}
      <ol class="messages" data-testid="history" aria-busy={loading}>
        {messages.map((m) => {
          const recalled = m.IsPlaceMsg === 2;
          const body = recalled ? known.get(m.MsgKey) : m.MsgBody;
          const text = body ? describeBody(body) : '';
          return (
            <li key={m.MsgKey} class={recalled ? 'message recalled' : 'message'} data-msgkey={m.MsgKey}>
              <div class="message-meta">
                <span>{formatTime(m.MsgTimeStamp)}</span>
                <span class="mono">{m.MsgKey}</span>
                {recalled && <span class="badge">Recalled</span>}
              </div>
              {recalled ? (
                <p class="message-body">
                  <del>{text || 'Recalled message'}</del>
                </p>
              ) : (
                <p class="message-body">{text}</p>
              )}
              {m.CloudCustomData && <p class="hint">CloudCustomData: {m.CloudCustomData}</p>}
              {!recalled && (
                <button
                  type="button"
                  class="secondary small"
                  aria-label={`Recall message ${m.MsgKey}`}
                  onClick={() => void recallOne(m)}
                >
                  Recall
                </button>
              )}
            </li>
          );
        })}
      </ol>
      {history.hasOlder && (
        <button type="button" class="secondary" onClick={history.loadOlder} disabled={loading}>
          Older messages
        </button>
      )}
      {dialog}
    </section>
  );
}
