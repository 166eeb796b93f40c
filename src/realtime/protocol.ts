/**
 * Herald's subscriber protocol (docs/client-protocol.md): JSON text frames over a WebSocket at
 * /realtime/ws, or a read-only Server-Sent Events stream at /realtime/sse. Names follow Tencent's
 * Web SDK (`MESSAGE_RECEIVED`, `c2c_<officialAccountID>`, …) so a client maps onto it directly.
 */

export const WS_PATH = '/realtime/ws';
export const SSE_PATH = '/realtime/sse';
/** herald/client as one ES module for browsers, served by Herald itself. */
export const CLIENT_SCRIPT_PATH = '/realtime/herald-client.mjs';

/** What a client may ask, in `{"op": …, "id": …}` frames. */
export const OPS = [
  'login',
  'logout',
  'subscribe',
  'unsubscribe',
  'getOfficialAccountsInfo',
  'getMessageList',
  'setReceiveOption',
  'ping',
] as const;
export type Op = (typeof OPS)[number];

/** What the server pushes, in `{"op": "event", "event": …, "data": …}` frames. */
export const EVENTS = {
  MESSAGE_RECEIVED: 'MESSAGE_RECEIVED',
  MESSAGE_REVOKED: 'MESSAGE_REVOKED',
  OFFICIAL_ACCOUNT_SUBSCRIBED: 'OFFICIAL_ACCOUNT_SUBSCRIBED',
  OFFICIAL_ACCOUNT_UNSUBSCRIBED: 'OFFICIAL_ACCOUNT_UNSUBSCRIBED',
  OFFICIAL_ACCOUNT_DELETED: 'OFFICIAL_ACCOUNT_DELETED',
  OFFICIAL_ACCOUNT_INFO_CHANGED: 'OFFICIAL_ACCOUNT_INFO_CHANGED',
  KICKED_OUT: 'KICKED_OUT',
} as const;
export type EventName = keyof typeof EVENTS;

/** Why a session ends, in the KICKED_OUT event and the close code (Tencent's KICKED_OUT types). */
export const KICK_TYPES = {
  kicked: 'kicked',
  userSigExpired: 'userSigExpired',
  multipleDevices: 'multipleDevices',
  deleted: 'deleted',
} as const;
export type KickType = keyof typeof KICK_TYPES;

/**
 * WebSocket close codes (4000–4999 are the application's). A client reconnects after 1001, 1006,
 * 4008, 4010 and 4503; after the others it must not, or must log in anew.
 */
export const CLOSE = {
  /** The server is shutting down; reconnect (to another node) and resume. */
  goingAway: 1001,
  /** A frame over the hard cap. */
  tooBig: 1009,
  /** kick (REST `im_open_login_svc/kick`): every older UserSig is void; log in with a new one. */
  kicked: 4001,
  /** Login refused (bad UserSig, not imported, …); the reason is in the last error reply. */
  loginRefused: 4002,
  /** No login frame in time. */
  loginTimeout: 4003,
  /** The UserSig expired while connected; log in with a new one. */
  userSigExpired: 4004,
  /** The user logged in on more devices than allowed; this, the oldest, was closed. */
  multipleDevices: 4005,
  /** The user's account was deleted. */
  deleted: 4006,
  /** The client logged out. */
  loggedOut: 4007,
  /** The client read too slowly: its send buffer passed the cap. Reconnect and resume. */
  tooSlow: 4008,
  /** No pong within the idle timeout. Reconnect and resume. */
  idle: 4010,
  /** The node cannot serve right now (store unreachable). Reconnect later and resume. */
  unavailable: 4503,
} as const;

/** Per-account resume points a client sends at login: officialAccountID → the last version it has. */
export type Cursors = Record<string, number>;

export interface ClientFrame {
  op: Op;
  /** Echoed in the reply; absent for fire-and-forget frames. */
  id?: number | string;
  [field: string]: unknown;
}

/** What a subscriber's device sees of an official account (V2TIMOfficialAccountInfo). */
export interface OfficialAccountInfo {
  officialAccountID: string;
  officialAccountName: string;
  faceUrl: string;
  organization: string;
  introduction: string;
  customData: string;
  createTime: number;
  subscriberCount: number;
  /** When this user subscribed (0: not subscribed). */
  subscribeTime: number;
  /** This user's receive option for the account (absent when not subscribed). */
  msgFlag?: string;
}

/** A broadcast as a subscriber's device sees it: a one-to-one message from the account. */
export interface Message {
  /** The MsgKey. */
  ID: string;
  conversationID: string;
  conversationType: 'C2C';
  from: string;
  flow: 'in';
  /** MsgSeq. */
  sequence: number;
  /** MsgTime, Unix seconds. */
  time: number;
  random: number;
  /** The REST MsgBody, unchanged (empty once recalled). */
  msgBody: unknown[];
  cloudCustomData: string;
  isRevoked: boolean;
  revokeReason: string;
  /** false for a subscriber whose receive option is AcceptNotNotify: show it, but do not notify. */
  notify: boolean;
  onlineOnly: boolean;
  /** The account's timeline version of this change: the client's resume point. */
  version: number;
}
