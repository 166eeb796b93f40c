/**
 * Live: be one of the app's users for a while. The console issues the user a UserSig, logs in with
 * herald/client over the browser's WebSocket, and shows what that subscriber receives as it
 * arrives: messages, recalls (struck through), account events and the connection state.
 */
import { useState } from 'preact/hooks';
import { Field } from '../components/field.tsx';
import { ErrorText } from '../components/notice.tsx';
import { Screen } from '../components/screen.tsx';
import { describeBody, formatTime } from '../format.ts';
import { type LiveMessage, type NetState, useLiveSession } from '../live-session.ts';

const STATE_TEXT: Record<NetState, string> = {
  connected: 'Connected',
  connecting: 'Connecting…',
  disconnected: 'Disconnected',
};

function LiveMessageItem({ m }: { m: LiveMessage }) {
  const text = describeBody(m.body);
  return (
    <li class={m.revoked ? 'message recalled' : 'message'} data-msgkey={m.id} data-testid="live-message">
      <div class="message-meta">
        <span>{formatTime(m.time)}</span>
        <span class="mono">{m.from}</span>
        {m.earlier && <span class="badge quiet">earlier</span>}
        {m.revoked && <span class="badge">Recalled</span>}
      </div>
      <p class="message-body">{m.revoked ? <del>{text || 'Recalled message'}</del> : text}</p>
    </li>
  );
}

export function LiveScreen({ sdkappid }: { sdkappid: number }) {
  const live = useLiveSession(sdkappid);
  const [user, setUser] = useState('');
  const [target, setTarget] = useState('');
  const busy = live.state !== 'disconnected';

  return (
    <Screen title="Live">
      <p class="hint">
        See what one subscriber receives, in real time: the console signs in as that user with herald/client, like their
        device would.
      </p>
      <div class="panel">
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (user.trim() !== '') void live.connect(user.trim());
          }}
        >
          <Field label="UserID" value={user} onValue={setUser} required hint="An imported account" />
          <button type="submit" disabled={busy}>
            Connect
          </button>
          <button type="button" class="secondary" disabled={!busy} onClick={() => void live.disconnect()}>
            Disconnect
          </button>
        </form>
        <p class="connection">
          Connection:{' '}
          <strong class={`state state-${live.state}`} data-testid="live-state" role="status">
            {STATE_TEXT[live.state]}
            {live.state === 'connected' && live.userId && ` as ${live.userId}`}
          </strong>
        </p>
        <ErrorText text={live.error} />
      </div>

      <div class="live-columns">
        <section class="panel" aria-labelledby="live-messages-title">
          <h2 id="live-messages-title">Messages</h2>
          {live.messages.length === 0 && <p>Nothing received yet.</p>}
          <ol class="messages" data-testid="live-messages" aria-live="polite">
            {live.messages.map((m) => (
              <LiveMessageItem key={m.id} m={m} />
            ))}
          </ol>
        </section>
        <div>
          <section class="panel" aria-labelledby="live-accounts-title">
            <h2 id="live-accounts-title">Subscribed official accounts</h2>
            {live.accounts.length === 0 && <p>None.</p>}
            <ul class="plain">
              {live.accounts.map((a) => (
                <li key={a.officialAccountID}>
                  {a.officialAccountName} <span class="mono">{a.officialAccountID}</span>
                </li>
              ))}
            </ul>
            {live.state === 'connected' && (
              <form
                class="inline-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (target.trim() !== '') void live.subscribe(target.trim()).then(() => setTarget(''));
                }}
              >
                <Field label="Subscribe from this device" value={target} onValue={setTarget} placeholder="@TOA#_news" />
                <button type="submit" class="secondary">
                  Subscribe
                </button>
              </form>
            )}
          </section>
          <section class="panel" aria-labelledby="live-events-title">
            <h2 id="live-events-title">Events</h2>
            {live.events.length === 0 && <p>No events yet.</p>}
            <ol class="events" data-testid="live-events">
              {live.events.map((e) => (
                <li key={e.key}>
                  <span class="hint">{formatTime(e.at, 'ms')}</span> {e.text}
                </li>
              ))}
            </ol>
          </section>
        </div>
      </div>
    </Screen>
  );
}
