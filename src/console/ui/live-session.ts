/**
 * The Live view's subscriber: a HeraldChat over the browser's own WebSocket, logged in as the
 * chosen user with a UserSig the console issues, and what it receives as Preact state.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ChatError, type ChatEvent, HeraldChat, type Message, type OfficialAccountInfo } from '../../client/index.ts';
import { describe, issueUserSig } from './api.ts';

export type NetState = 'disconnected' | 'connecting' | 'connected';

export interface LiveMessage {
  id: string;
  from: string;
  time: number;
  sequence: number;
  body: unknown[];
  revoked: boolean;
  /** Read from the history at connect time rather than received live. */
  earlier: boolean;
}

export interface LiveEvent {
  key: number;
  at: number;
  text: string;
}

const HISTORY_ACCOUNTS = 10;
const HISTORY_COUNT = 20;

function failure(e: unknown): string {
  return e instanceof ChatError ? `${e.code}: ${e.message}` : describe(e);
}

function newestFirst(a: LiveMessage, b: LiveMessage): number {
  return b.time - a.time || b.sequence - a.sequence;
}

export function useLiveSession(sdkappid: number) {
  const chat = useRef<HeraldChat | null>(null);
  const [state, setState] = useState<NetState>('disconnected');
  const [userId, setUserId] = useState('');
  const [accounts, setAccounts] = useState<OfficialAccountInfo[]>([]);
  const [messages, setMessages] = useState<LiveMessage[]>([]);
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [error, setError] = useState('');
  const eventKey = useRef(0);

  const log = (text: string) => setEvents((all) => [{ key: ++eventKey.current, at: Date.now(), text }, ...all]);

  const merge = (incoming: Message[], earlier: boolean) =>
    setMessages((all) => {
      const byId = new Map(all.map((m) => [m.id, m]));
      for (const m of incoming) {
        const had = byId.get(m.ID);
        if (had) {
          if (m.isRevoked && !had.revoked) byId.set(m.ID, { ...had, revoked: true });
          continue;
        }
        byId.set(m.ID, {
          id: m.ID,
          from: m.from,
          time: m.time,
          sequence: m.sequence,
          body: m.msgBody,
          revoked: m.isRevoked,
          earlier,
        });
      }
      return [...byId.values()].sort(newestFirst);
    });

  const attach = (client: HeraldChat) => {
    const E = HeraldChat.EVENT;
    client.on(E.NET_STATE_CHANGE, (e: ChatEvent<{ state: NetState }>) => setState(e.data.state));
    client.on(E.MESSAGE_RECEIVED, (e: ChatEvent<Message[]>) => merge(e.data, false));
    client.on(E.MESSAGE_REVOKED, (e: ChatEvent<Message[]>) => {
      merge(e.data, false);
      for (const m of e.data) log(`Message ${m.ID} of ${m.from} was recalled`);
    });
    client.on(E.OFFICIAL_ACCOUNT_SUBSCRIBED, (e: ChatEvent<OfficialAccountInfo>) => {
      setAccounts((all) => [...all.filter((a) => a.officialAccountID !== e.data.officialAccountID), e.data]);
      log(`Subscribed to ${e.data.officialAccountName} (${e.data.officialAccountID})`);
    });
    client.on(E.OFFICIAL_ACCOUNT_UNSUBSCRIBED, (e: ChatEvent<{ officialAccountID: string }>) => {
      setAccounts((all) => all.filter((a) => a.officialAccountID !== e.data.officialAccountID));
      log(`Unsubscribed from ${e.data.officialAccountID}`);
    });
    client.on(E.OFFICIAL_ACCOUNT_INFO_CHANGED, (e: ChatEvent<OfficialAccountInfo>) => {
      setAccounts((all) => all.map((a) => (a.officialAccountID === e.data.officialAccountID ? e.data : a)));
      log(`${e.data.officialAccountID} changed its profile (now “${e.data.officialAccountName}”)`);
    });
    client.on(E.OFFICIAL_ACCOUNT_DELETED, (e: ChatEvent<{ officialAccountID: string }>) => {
      setAccounts((all) => all.filter((a) => a.officialAccountID !== e.data.officialAccountID));
      log(`${e.data.officialAccountID} was destroyed`);
    });
    client.on(E.KICKED_OUT, (e: ChatEvent<{ type: string }>) => {
      log(`Signed out by the server (${e.data.type})`);
      if (chat.current === client) chat.current = null;
    });
    client.on(E.ERROR, (e: ChatEvent<{ code: number; message: string }>) =>
      setError(`${e.data.code}: ${e.data.message}`),
    );
  };

  const loadEarlier = async (client: HeraldChat, subscribed: OfficialAccountInfo[]) => {
    for (const account of subscribed.slice(0, HISTORY_ACCOUNTS)) {
      try {
        const { data } = await client.getMessageList({
          conversationID: `c2c_${account.officialAccountID}`,
          count: HISTORY_COUNT,
        });
        merge(data.messageList, true);
      } catch {
        // the live view goes on without this account's earlier messages
      }
    }
  };

  const connect = async (user: string) => {
    setError('');
    setMessages([]);
    setEvents([]);
    setAccounts([]);
    setState('connecting');
    try {
      const sig = await issueUserSig(user);
      const client = HeraldChat.create({ url: location.origin, SDKAppID: sdkappid });
      attach(client);
      chat.current = client;
      const { data } = await client.login({ userID: user, userSig: sig.UserSig });
      setUserId(data.userID);
      setAccounts(data.officialAccounts);
      log(`Connected as ${data.userID}, subscribed to ${data.officialAccounts.length} official account(s)`);
      void loadEarlier(client, data.officialAccounts);
    } catch (e) {
      chat.current = null;
      setState('disconnected');
      setError(failure(e));
    }
  };

  const disconnect = async () => {
    const client = chat.current;
    chat.current = null;
    await client?.logout();
    setState('disconnected');
    log('Disconnected');
  };

  const subscribe = async (officialAccountID: string) => {
    const client = chat.current;
    if (!client) return;
    setError('');
    try {
      await client.subscribeOfficialAccount({ officialAccountID });
    } catch (e) {
      setError(failure(e));
    }
  };

  useEffect(
    () => () => {
      void chat.current?.logout();
      chat.current = null;
    },
    [],
  );

  return { state, userId, accounts, messages, events, error, connect, disconnect, subscribe };
}
