/** An official account's messages: compose and send, then the history with recall. */
import { useRef, useState } from 'preact/hooks';
import { ErrorText } from '../components/notice.tsx';
import { Screen } from '../components/screen.tsx';
import { useLoad } from '../hooks.ts';
import { href } from '../router.ts';
import type { MsgElement } from '../types.ts';
import { MessageCompose } from './message-compose.tsx';
import { MessageHistory } from './message-history.tsx';
import { loadInfo } from './official-account.tsx';

export function MessagesScreen({ id }: { id: string }) {
  const info = useLoad(() => loadInfo(id), [id]);
  const known = useRef(new Map<string, MsgElement[]>());
  const [version, setVersion] = useState(0);
  const name = info.data?.Name;
  return (
    <Screen title={name ? `Messages of ${name}` : 'Messages'}>
      <p class="breadcrumb">
        <a href={href({ name: 'official-accounts' })}>Official accounts</a> /{' '}
        <a href={href({ name: 'official-account', id })}>{name ?? id}</a> / Messages
      </p>
      <ErrorText text={info.error} />
      <MessageCompose
        id={id}
        onSent={(key, body) => {
          known.current.set(key, body);
          setVersion((v) => v + 1);
        }}
      />
      <MessageHistory id={id} known={known.current} version={version} />
    </Screen>
  );
}
