/**
 * `herald/client`: the subscriber side of Herald, for browsers and Node 20.
 *
 *   import { HeraldChat } from 'herald/client';
 *   const chat = HeraldChat.create({ url: 'http://127.0.0.1:9500', SDKAppID: 1400000001, WebSocket });
 *   await chat.login({ userID: 'alice', userSig });
 *   chat.on(HeraldChat.EVENT.MESSAGE_RECEIVED, (e) => show(e.data));
 */
export {
  HeraldChat,
  EVENT,
  NET_STATE,
  type ChatEvent,
  type CreateOptions,
  type EventName,
  type Handler,
  type Result,
} from './chat.ts';
export { ChatError, ERROR_CODES } from './errors.ts';
export type { WebSocketConstructor, WebSocketLike } from './connection.ts';
export type { Cursors, Message, OfficialAccountInfo } from '../realtime/protocol.ts';
