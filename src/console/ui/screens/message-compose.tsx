/** Compose and broadcast a text or custom message (send_official_account_msg). */
import { useId, useState } from 'preact/hooks';
import { official } from '../api.ts';
import { Field, TextArea } from '../components/field.tsx';
import { Done, ErrorText } from '../components/notice.tsx';
import { formatTime, randomUint32 } from '../format.ts';
import { useAction } from '../hooks.ts';
import type { MsgElement } from '../types.ts';

type Kind = 'text' | 'custom';

export function MessageCompose({ id, onSent }: { id: string; onSent(msgKey: string, body: MsgElement[]): void }) {
  const [kind, setKind] = useState<Kind>('text');
  const [text, setText] = useState('');
  const [custom, setCustom] = useState({ Data: '', Desc: '', Ext: '' });
  const [cloudData, setCloudData] = useState('');
  const [sent, setSent] = useState<{ key: string; time: number } | null>(null);
  const action = useAction();
  const limitsId = useId();

  const body = (): MsgElement[] => {
    if (kind === 'text') {
      if (text === '') throw new Error('Type the text to send');
      return [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }];
    }
    const content: Record<string, string> = {};
    for (const [field, value] of Object.entries(custom)) if (value !== '') content[field] = value;
    return [{ MsgType: 'TIMCustomElem', MsgContent: content }];
  };

  const submit = (e: Event) => {
    e.preventDefault();
    setSent(null);
    void action.run(async () => {
      const MsgBody = body();
      const answer = await official<{ MsgKey: string; MsgTime: number }>('send_official_account_msg', {
        Official_Account: id,
        Random: randomUint32(),
        MsgBody,
        ...(cloudData !== '' && { CloudCustomData: cloudData }),
      });
      setSent({ key: answer.MsgKey, time: answer.MsgTime });
      setText('');
      setCustom({ Data: '', Desc: '', Ext: '' });
      onSent(answer.MsgKey, MsgBody);
      return undefined;
    });
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="compose-title" aria-describedby={limitsId}>
      <h2 id="compose-title">Send a message</h2>
      <fieldset class="choices">
        <legend>Message type</legend>
        <label>
          <input type="radio" name="kind" value="text" checked={kind === 'text'} onChange={() => setKind('text')} />
          Text
        </label>
        <label>
          <input
            type="radio"
            name="kind"
            value="custom"
            checked={kind === 'custom'}
            onChange={() => setKind('custom')}
          />
          Custom (TIMCustomElem)
        </label>
      </fieldset>
      {kind === 'text' ? (
        <TextArea label="Message text" value={text} onValue={setText} required />
      ) : (
        <div class="grid">
          <Field label="Data" value={custom.Data} onValue={(Data) => setCustom((c) => ({ ...c, Data }))} />
          <Field label="Desc" value={custom.Desc} onValue={(Desc) => setCustom((c) => ({ ...c, Desc }))} />
          <Field label="Ext" value={custom.Ext} onValue={(Ext) => setCustom((c) => ({ ...c, Ext }))} />
        </div>
      )}
      <Field
        label="CloudCustomData"
        value={cloudData}
        onValue={setCloudData}
        hint="Optional data delivered with the message"
      />
      <p class="hint" id={limitsId}>
        Send limits: Herald applies Tencent's limits per official account (by default 1 message a second and 2 an hour,
        unless the app or the server sets others). A send over a limit is refused with 60007, and its ErrorInfo names
        the setting that lifts it.
      </p>
      <ErrorText text={action.error} />
      {sent && (
        <Done>
          Sent at {formatTime(sent.time)}. MsgKey <code data-testid="sent-msgkey">{sent.key}</code>
        </Done>
      )}
      <div class="actions">
        <button type="submit" disabled={action.busy}>
          {action.busy ? 'Sending…' : 'Send to all subscribers'}
        </button>
      </div>
    </form>
  );
}
