/**
 * HeraldChat: the subscriber's side of an official-account system, in the style of Tencent's Web
 * SDK (`TencentCloudChat.create`, `login`, `on(EVENT.MESSAGE_RECEIVED, …)`). Every method resolves
 * with `{ code: 0, data }` or rejects with a ChatError carrying the Tencent code. The connection
 * comes back by itself after a drop and resumes from what the client has: no message is missed,
 * and none is surfaced twice.
 */
import { CLOSE, type Cursors, EVENTS, type Message, type OfficialAccountInfo, WS_PATH } from '../realtime/protocol.ts';
import { Connection, type ReconnectPolicy, type WebSocketConstructor } from './connection.ts';
import { ChatError, ERROR_CODES } from './errors.ts';
import { Seen } from './seen.ts';

export const EVENT = {
  ...EVENTS,
  NET_STATE_CHANGE: 'NET_STATE_CHANGE',
  /** The catch-up after a login or a reconnect is complete: what follows is live. */
  SYNC_COMPLETED: 'SYNC_COMPLETED',
  /** A reconnect's login was refused for another reason than an expired UserSig. */
  ERROR: 'ERROR',
} as const;
export type EventName = (typeof EVENT)[keyof typeof EVENT];

export const NET_STATE = { CONNECTED: 'connected', CONNECTING: 'connecting', DISCONNECTED: 'disconnected' } as const;

export interface ChatEvent<T = unknown> {
  name: EventName;
  data: T;
}
export type Handler<T = unknown> = (event: ChatEvent<T>) => void;

export interface Result<T> {
  code: 0;
  data: T;
}

export interface CreateOptions {
  /** Herald's base URL, e.g. http://127.0.0.1:9500 (https:// gives wss://). */
  url: string;
  SDKAppID: number;
  /** The WebSocket class: the browser's own by default; in Node 20 pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** What query_online_status reports for this client's connections (default Web). */
  platform?: string;
  /** Resume points saved from an earlier session (getCursors()), so a reload misses nothing. */
  cursors?: Cursors;
  reconnect?: Partial<ReconnectPolicy>;
  requestTimeoutMs?: number;
}

interface LoginData {
  userID: string;
  platform: string;
  cursors: Cursors;
  officialAccounts: OfficialAccountInfo[];
}

const KICK_CODES: Record<number, string> = {
  [CLOSE.kicked]: 'kicked',
  [CLOSE.userSigExpired]: 'userSigExpired',
  [CLOSE.multipleDevices]: 'multipleDevices',
  [CLOSE.deleted]: 'deleted',
};

export class HeraldChat {
  static readonly EVENT = EVENT;
  static readonly NET_STATE = NET_STATE;

  static create(options: CreateOptions): HeraldChat {
    return new HeraldChat(options);
  }

  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly cursors: Cursors;
  private readonly seen = new Seen();
  private connection: Connection | null = null;
  private credentials: { userID: string; userSig: string } | null = null;
  private firstLogin: { resolve(data: LoginData): void; reject(error: ChatError): void } | null = null;
  private kickedOut = false;
  /** Frames that arrive while a login's reply is being handled wait for it (the reply comes first). */
  private held: Record<string, unknown>[] | null = null;

  private constructor(private readonly options: CreateOptions) {
    this.cursors = { ...(options.cursors ?? {}) };
  }

  on<T = unknown>(event: EventName, handler: Handler<T>): void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler as Handler);
  }

  off<T = unknown>(event: EventName, handler: Handler<T>): void {
    this.handlers.get(event)?.delete(handler as Handler);
  }

  /** The last version the client has of each account: save it to resume after a reload. */
  getCursors(): Cursors {
    return { ...this.cursors };
  }

  /** Logs in with the user's own UserSig; rejects with the refusal's code (e.g. 70001, 70107). */
  async login(options: { userID: string; userSig: string }): Promise<Result<LoginData>> {
    if (!options?.userID || !options.userSig)
      throw new ChatError(ERROR_CODES.invalidParameters, 'userID and userSig are required');
    if (this.connection) throw new ChatError(ERROR_CODES.invalidParameters, 'already logged in; log out first');
    const WebSocketImpl = this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketImpl)
      throw new ChatError(ERROR_CODES.invalidParameters, 'no WebSocket: pass one (e.g. from the ws package)');
    this.credentials = { userID: options.userID, userSig: options.userSig };
    this.kickedOut = false;
    const url = `${this.options.url.replace(/^http/, 'ws').replace(/\/+$/, '')}${WS_PATH}`;
    const connection = new Connection(
      url,
      WebSocketImpl,
      { minDelayMs: 500, maxDelayMs: 30_000, ...this.options.reconnect },
      this.options.requestTimeoutMs ?? 15_000,
      {
        onOpen: () => void this.sendLogin(connection),
        onFrame: (frame) => this.frame(frame),
        onClose: (code, _reason, willReconnect) => this.lost(code, willReconnect),
      },
    );
    this.connection = connection;
    const logged = new Promise<LoginData>((resolve, reject) => (this.firstLogin = { resolve, reject }));
    this.emit(EVENT.NET_STATE_CHANGE, { state: NET_STATE.CONNECTING });
    connection.start();
    try {
      return { code: 0, data: await logged };
    } catch (e) {
      this.connection = null;
      connection.stop();
      throw e;
    }
  }

  async logout(): Promise<Result<Record<string, never>>> {
    const connection = this.connection;
    this.connection = null;
    this.credentials = null;
    if (connection?.open) await connection.request('logout', {}).catch(() => {});
    connection?.stop(1000, 'logged out');
    return { code: 0, data: {} };
  }

  subscribeOfficialAccount(options: { officialAccountID: string }) {
    return this.call<Record<string, never>>('subscribe', { officialAccountID: options?.officialAccountID });
  }

  unsubscribeOfficialAccount(options: { officialAccountID: string }) {
    return this.call<Record<string, never>>('unsubscribe', { officialAccountID: options?.officialAccountID });
  }

  /** Profiles of accounts (an empty list: every account the user subscribes to). */
  getOfficialAccountsInfo(options: { officialAccountIDList: string[] }) {
    return this.call<{ resultCode: number; resultInfo: string; officialAccountInfo: OfficialAccountInfo | null }[]>(
      'getOfficialAccountsInfo',
      { officialAccountIDList: options?.officialAccountIDList ?? [] },
    );
  }

  /** History of a `c2c_<officialAccountID>` conversation, newest first. */
  getMessageList(options: { conversationID: string; count?: number; nextReqMessageID?: string }) {
    return this.call<{ messageList: Message[]; nextReqMessageID: string; isCompleted: boolean }>('getMessageList', {
      conversationID: options?.conversationID,
      ...(options?.count !== undefined && { count: options.count }),
      ...(options?.nextReqMessageID !== undefined && { nextReqMessageID: options.nextReqMessageID }),
    });
  }

  /** How this user receives an account's messages: AcceptAndNotify, AcceptNotNotify or Discard. */
  setReceiveOption(options: { officialAccountID: string; msgFlag: 'AcceptAndNotify' | 'AcceptNotNotify' | 'Discard' }) {
    return this.call<Record<string, never>>('setReceiveOption', {
      officialAccountID: options?.officialAccountID,
      msgFlag: options?.msgFlag,
    });
  }

  private async call<T>(op: string, fields: Record<string, unknown>): Promise<Result<T>> {
    if (!this.connection) throw new ChatError(ERROR_CODES.notLoggedIn, 'not logged in');
    return { code: 0, data: (await this.connection.request(op, fields)) as T };
  }

  private async sendLogin(connection: Connection): Promise<void> {
    const credentials = this.credentials;
    if (!credentials) return;
    this.held = [];
    try {
      const data = (await connection.request('login', {
        sdkappid: this.options.SDKAppID,
        userID: credentials.userID,
        userSig: credentials.userSig,
        platform: this.options.platform ?? 'Web',
        cursors: this.cursors,
      })) as LoginData;
      for (const [id, version] of Object.entries(data.cursors))
        this.cursors[id] = Math.max(this.cursors[id] ?? 0, version);
      connection.established();
      this.emit(EVENT.NET_STATE_CHANGE, { state: NET_STATE.CONNECTED });
      this.firstLogin?.resolve(data);
      this.firstLogin = null;
      // After the caller's `await login()` has run on: handlers it attaches then get the catch-up.
      setTimeout(() => this.release(), 0);
    } catch (e) {
      this.held = null;
      const error = e instanceof ChatError ? e : new ChatError(ERROR_CODES.timeout, String(e));
      if (this.firstLogin) {
        this.firstLogin.reject(error);
        this.firstLogin = null;
        return;
      }
      // A reconnect's login was refused: the session cannot go on.
      this.connection = null;
      connection.stop();
      if (error.code === 70001) this.kick('userSigExpired');
      else this.emit(EVENT.ERROR, { code: error.code, message: error.message });
    }
  }

  private release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const frame of held) this.frame(frame);
  }

  private frame(frame: Record<string, unknown>): void {
    if (this.held) {
      this.held.push(frame);
      return;
    }
    if (frame.op === 'synced') {
      this.emit(EVENT.SYNC_COMPLETED, {});
      return;
    }
    if (frame.op !== 'event') return;
    const name = frame.event as EventName;
    if (name === EVENT.MESSAGE_RECEIVED) {
      const fresh = (frame.data as Message[]).filter((m) => this.advance(m) && this.seen.first(m.ID));
      if (fresh.length > 0) this.emit(name, fresh);
    } else if (name === EVENT.MESSAGE_REVOKED) {
      const revoked = (frame.data as Message[]).filter((m) => this.advance(m) && this.seen.firstRevoke(m.ID));
      if (revoked.length > 0) this.emit(name, revoked);
    } else if (name === EVENT.KICKED_OUT) {
      this.kick(String((frame.data as { type?: unknown })?.type ?? 'kicked'));
    } else if (name === EVENT.OFFICIAL_ACCOUNT_SUBSCRIBED) {
      const id = (frame.data as OfficialAccountInfo).officialAccountID;
      this.emit(name, frame.data);
      // A new subscription starts now; the cursor comes with its first message.
      if (id && this.cursors[id] === undefined) this.cursors[id] = 0;
    } else if (Object.values(EVENT).includes(name)) {
      if (name === EVENT.OFFICIAL_ACCOUNT_UNSUBSCRIBED || name === EVENT.OFFICIAL_ACCOUNT_DELETED) {
        delete this.cursors[(frame.data as { officialAccountID: string }).officialAccountID];
      }
      this.emit(name, frame.data);
    }
  }

  /** Moves the account's cursor; false for a change the client has had already. */
  private advance(message: Message): boolean {
    const id = message.conversationID.slice(4);
    const cursor = this.cursors[id] ?? 0;
    if (message.version <= cursor && !message.isRevoked) return false;
    this.cursors[id] = Math.max(cursor, message.version);
    return true;
  }

  private kick(type: string): void {
    if (this.kickedOut) return;
    this.kickedOut = true;
    const connection = this.connection;
    this.connection = null;
    connection?.stop();
    this.emit(EVENT.KICKED_OUT, { type });
    this.emit(EVENT.NET_STATE_CHANGE, { state: NET_STATE.DISCONNECTED });
  }

  private lost(code: number, willReconnect: boolean): void {
    const kick = KICK_CODES[code];
    if (kick !== undefined) {
      this.kick(kick);
      return;
    }
    if (willReconnect) this.emit(EVENT.NET_STATE_CHANGE, { state: NET_STATE.CONNECTING });
    else if (this.connection) {
      this.connection = null;
      this.emit(EVENT.NET_STATE_CHANGE, { state: NET_STATE.DISCONNECTED });
    }
  }

  private emit(name: EventName, data: unknown): void {
    for (const handler of [...(this.handlers.get(name) ?? [])]) {
      try {
        handler({ name, data });
      } catch {
        // a failing handler must not stop delivery to the others
      }
    }
  }
}
