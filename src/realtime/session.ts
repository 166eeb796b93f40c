/**
 * One subscriber connection, whatever carries it (WebSocket, or SSE for reading only): the
 * login, the client's requests, and what the hub pushes. Every refusal is a reply with a
 * Tencent-style code that changes nothing; only a failed login, a kick or a slow reader closes.
 */
import { randomUUID } from 'node:crypto';
import type { AppRegistry } from '../auth/apps.ts';
import type { UserSigVerifier, VerifiedSig } from '../auth/verifier.ts';
import { ApiError, badBody, badQuery, invalidParameter, unknownCommand, unknownSdkAppId } from '../errors.ts';
import type { AuthFailureLimits } from '../limits/auth-failures.ts';
import type { ServiceContext } from '../services/context.ts';
import * as devices from '../services/devices.ts';
import type { AppRecord } from '../store/records.ts';
import { type AccountFeed, Frame } from './feed.ts';
import { DEFAULT_MESSAGE_COUNT, FRAME_VALIDATORS, type FrameOf } from './frames.ts';
import type { Hub, HubSession, Joined } from './hub.ts';
import type { Presence } from './presence.ts';
import { CLOSE, type Cursors, EVENTS, type KickType, OPS, type Op } from './protocol.ts';
import { accountOfConversation, accountView, messageView } from './views.ts';

/** Carries frames one way or both. */
export interface Transport {
  readonly kind: TransportKind;
  readonly remoteAddress: string;
  send(frame: Frame): void;
  /** Bytes queued and not yet written to the network. */
  bufferedBytes(): number;
  close(code: number, reason: string): void;
}

export type TransportKind = 'ws' | 'sse';

/** Told when sessions start and end and what is pushed to them (metrics); on the delivery path, so it must be cheap. */
export interface SessionObserver {
  opened(transport: TransportKind): void;
  /** `code`: the one Herald closed with, else the peer's WebSocket close code (none: an SSE stream the client left). */
  closed(transport: TransportKind, code: number | undefined): void;
  /** Messages (received or recalled) pushed to one device. */
  pushed(messages: number): void;
}

export interface SessionLimits {
  /** A larger client frame answers 60003 and is otherwise ignored. */
  maxFrameBytes: number;
  /** A session whose unsent bytes pass this is closed (4008) and resumes later. */
  maxBufferedBytes: number;
  loginTimeoutMs: number;
  /** Requests per second a session may make (60007 beyond). */
  requestsPerSecond: number;
}

export interface SessionDeps {
  hub: Hub;
  apps: AppRegistry;
  verifier: UserSigVerifier;
  authFailures: AuthFailureLimits;
  presence: Presence;
  /** Everything a service call needs but the app, the user and their address. */
  services: Omit<ServiceContext, 'app' | 'operator' | 'clientIp'>;
  limits: SessionLimits;
  onError(error: unknown): void;
  /** The session has ended (either side closed it). */
  onClosed?(session: Session): void;
  observer?: SessionObserver | undefined;
}

type LoginFrame = FrameOf<'login'>;

export interface LoginReply {
  userID: string;
  platform: string;
  /** Where delivery starts for every account the user subscribes to (their resume points). */
  cursors: Cursors;
  officialAccounts: ReturnType<typeof accountView>[];
}

/** The longest a timer may wait (setTimeout's limit); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Session implements HubSession {
  readonly id = randomUUID();
  readonly openedAt = Date.now();
  sdkappid = 0;
  userId = '';
  private platform = 'Web';
  private app: AppRecord | undefined;
  private state: 'new' | 'loggingIn' | 'live' | 'closed' = 'new';
  private pendingSync = 0;
  private timers: NodeJS.Timeout[] = [];
  private tokens: number;
  private refilledAt = Date.now();
  private left = false;
  private closedWith: number | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly deps: SessionDeps,
  ) {
    this.tokens = deps.limits.requestsPerSecond;
    deps.observer?.opened(transport.kind);
    this.timer(deps.limits.loginTimeoutMs, () => {
      if (this.state === 'new') this.close(CLOSE.loginTimeout, 'no login frame in time');
    });
  }

  get loggedIn(): boolean {
    return this.state === 'live';
  }

  // Frames from the client.

  /** One text frame from the client. */
  async receive(text: string): Promise<void> {
    if (this.state === 'closed') return;
    if (Buffer.byteLength(text) > this.deps.limits.maxFrameBytes) {
      this.error(undefined, badBody(`frame exceeds ${this.deps.limits.maxFrameBytes} bytes`));
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      this.error(undefined, badBody('frame is not JSON'));
      return;
    }
    if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) {
      this.error(undefined, badBody('frame must be a JSON object'));
      return;
    }
    const { op, id } = frame as { op?: unknown; id?: unknown };
    const replyId = typeof id === 'number' || typeof id === 'string' ? id : undefined;
    if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) {
      this.error(replyId, unknownCommand('realtime', String(op)));
      return;
    }
    if (!this.takeToken()) {
      this.error(
        replyId,
        new ApiError('rateLimited', `at most ${this.deps.limits.requestsPerSecond} requests per second`),
      );
      return;
    }
    const validation = FRAME_VALIDATORS[op as Op](frame);
    if (!validation.ok) {
      this.error(replyId, invalidParameter(validation.problem));
      return;
    }
    try {
      const data = await this.handle(op as Op, validation.value);
      this.reply(replyId, data);
    } catch (e) {
      if (e instanceof ApiError) this.error(replyId, e);
      else {
        this.deps.onError(e);
        this.error(replyId, new ApiError('internalError'));
      }
    }
  }

  private async handle(op: Op, frame: unknown): Promise<unknown> {
    if (op === 'ping') return {};
    if (op === 'login') return this.login(frame as LoginFrame);
    if (this.state !== 'live') throw new ApiError('notLoggedIn');
    const ctx = await this.context();
    switch (op) {
      case 'logout':
        this.timer(0, () => this.close(CLOSE.loggedOut, 'logged out'));
        return {};
      case 'subscribe':
        await devices.subscribe(ctx, (frame as FrameOf<'subscribe'>).officialAccountID);
        return {};
      case 'unsubscribe':
        await devices.unsubscribe(ctx, (frame as FrameOf<'unsubscribe'>).officialAccountID);
        return {};
      case 'setReceiveOption': {
        const { officialAccountID, msgFlag } = frame as FrameOf<'setReceiveOption'>;
        await devices.setReceiveOption(ctx, officialAccountID, msgFlag);
        return {};
      }
      case 'getOfficialAccountsInfo': {
        const results = await devices.accountsInfo(
          ctx,
          (frame as FrameOf<'getOfficialAccountsInfo'>).officialAccountIDList,
        );
        return results.map((r) =>
          r.found
            ? { resultCode: 0, resultInfo: '', officialAccountInfo: accountView(r.account, r.subscription) }
            : {
                resultCode: 130004,
                resultInfo: `official account "${r.id}" does not exist`,
                officialAccountInfo: null,
              },
        );
      }
      case 'getMessageList': {
        const { conversationID, count, nextReqMessageID } = frame as FrameOf<'getMessageList'>;
        const officialAccountId = accountOfConversation(conversationID);
        if (officialAccountId === null) throw invalidParameter('conversationID must be c2c_<officialAccountID>');
        const page = await devices.messageList(
          ctx,
          officialAccountId,
          count ?? DEFAULT_MESSAGE_COUNT,
          nextReqMessageID,
        );
        return {
          messageList: page.messages.map((m) => messageView(m, true)),
          nextReqMessageID: page.nextMsgKey,
          isCompleted: page.completed,
        };
      }
      default:
        throw unknownCommand('realtime', op);
    }
  }

  /** A service context for this user, with the app's settings as they are now. */
  private async context(): Promise<ServiceContext> {
    const app = (await this.deps.apps.get(this.sdkappid)) ?? this.app;
    if (!app) throw unknownSdkAppId(String(this.sdkappid));
    return { ...this.deps.services, app, operator: this.userId, clientIp: this.transport.remoteAddress };
  }

  // Login.

  /**
   * Checks exactly as the REST pipeline does (app, identifier and UserSig present, failed-check
   * limit, the UserSig itself), then that the user is imported and not kicked since the sig was
   * issued; joins the hub, and catches the client up from its cursors.
   */
  async login(frame: LoginFrame): Promise<LoginReply> {
    if (this.state !== 'new') throw invalidParameter('this connection has logged in already');
    this.state = 'loggingIn';
    try {
      return await this.admit(frame);
    } catch (e) {
      if (this.state === 'loggingIn') this.timer(0, () => this.close(CLOSE.loginRefused, 'login refused'));
      throw e;
    }
  }

  private async admit(frame: LoginFrame): Promise<LoginReply> {
    const raw = String(frame.sdkappid);
    if (raw === '') throw new ApiError('sdkAppIdMissing');
    const sdkappid = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
    const app = Number.isNaN(sdkappid) ? undefined : await this.deps.apps.get(sdkappid);
    if (app === undefined) throw unknownSdkAppId(raw);
    if (!frame.userID) throw badQuery('userID is missing');
    if (!frame.userSig) throw badQuery('userSig is missing');
    const caller = `${this.transport.remoteAddress}|${sdkappid}`;
    if (this.deps.authFailures.blocked(caller)) throw new ApiError('tooManyAuthFailures');
    let sig: VerifiedSig;
    try {
      sig = this.deps.verifier.verify({
        sdkappid,
        identifier: frame.userID,
        userSig: frame.userSig,
        secretKey: app.secretKey,
        now: this.deps.services.now(),
      });
    } catch (e) {
      await this.deps.authFailures.recordFailure(caller);
      throw e;
    }
    this.sdkappid = sdkappid;
    this.userId = frame.userID;
    this.app = app;
    this.platform = frame.platform ?? 'Web';
    const ctx = await this.context();
    await devices.checkLogin(ctx, sig.issuedAt);
    if (this.state !== 'loggingIn') throw new ApiError('internalError', 'the connection closed during login');

    // From here on every change reaches this session (queued until it has joined its feeds).
    this.deps.hub.admit(this);
    const subscribed = await devices.subscriptionsOf(ctx);
    if (this.state !== 'loggingIn') throw new ApiError('internalError', 'the connection closed during login');
    const given: Cursors = frame.cursors ?? {};
    const joined: Joined[] = subscribed.map(({ subscription, account }) => {
      // No cursor: the client has nothing to resume, so it starts with what is sent from now on.
      const cursor = Math.min(given[account.id] ?? account.version, account.version);
      return {
        officialAccountId: account.id,
        state: {
          cursor,
          liveFrom: account.version,
          fromVersion: subscription.fromVersion,
          msgFlag: subscription.msgFlag,
          subscribeTime: subscription.subscribeTime,
          syncing: true,
        },
      };
    });
    this.state = 'live';
    this.armExpiry(sig.expiresAt);
    await this.deps.presence.add(sdkappid, this.userId, this.id, this.platform).catch((e) => this.deps.onError(e));
    const reply: LoginReply = {
      userID: this.userId,
      platform: this.platform,
      cursors: Object.fromEntries(joined.map((j) => [j.officialAccountId, j.state.cursor])),
      officialAccounts: subscribed.map(({ account, subscription }) => accountView(account, subscription)),
    };
    // The reply goes out before any catch-up: join the feeds once this call has answered.
    this.pendingSync = joined.length;
    setImmediate(() => {
      this.deps.hub.join(this, joined);
      if (joined.length === 0) this.sendRaw('{"op":"synced"}');
    });
    return reply;
  }

  /**
   * SSE: the credentials come from the query string and the login reply is the stream's first
   * frame (id "login"); a refusal is an error frame, then the stream ends.
   */
  async loginFromQuery(fields: {
    sdkappid: string;
    userID: string;
    userSig: string;
    platform: string | undefined;
    cursors: Cursors;
  }): Promise<LoginReply | null> {
    const frame = {
      op: 'login',
      id: 'login',
      sdkappid: fields.sdkappid,
      userID: fields.userID,
      userSig: fields.userSig,
      cursors: fields.cursors,
      ...(fields.platform !== undefined && { platform: fields.platform }),
    };
    const validation = FRAME_VALIDATORS.login(frame);
    try {
      if (!validation.ok) throw invalidParameter(validation.problem);
      const data = await this.login(validation.value);
      this.reply('login', data);
      return data;
    } catch (e) {
      this.error('login', e instanceof ApiError ? e : new ApiError('internalError'));
      if (!(e instanceof ApiError)) this.deps.onError(e);
      this.timer(0, () => this.close(CLOSE.loginRefused, 'login refused'));
      return null;
    }
  }

  /** At the UserSig's expiry the session ends: KICKED_OUT (userSigExpired), close 4004. */
  private armExpiry(expiresAt: number): void {
    const check = () => {
      const left = expiresAt - this.deps.services.now();
      if (left < 0) this.kick('userSigExpired');
      else this.timer(Math.min(MAX_TIMER_MS, (left + 1) * 1000), check);
    };
    check();
  }

  // What the hub pushes.

  deliver(frame: Frame): boolean {
    if (this.state === 'closed') return false;
    if (this.transport.bufferedBytes() > this.deps.limits.maxBufferedBytes) {
      this.close(CLOSE.tooSlow, 'the client reads too slowly; reconnect and resume');
      return false;
    }
    this.transport.send(frame);
    if (frame.messages > 0) this.deps.observer?.pushed(frame.messages);
    return true;
  }

  synced(_feed: AccountFeed): void {
    this.pendingSync--;
    if (this.pendingSync === 0) this.sendRaw('{"op":"synced"}');
  }

  kick(type: KickType): void {
    if (this.state === 'closed') return;
    const code = {
      kicked: CLOSE.kicked,
      userSigExpired: CLOSE.userSigExpired,
      multipleDevices: CLOSE.multipleDevices,
      deleted: CLOSE.deleted,
    }[type];
    this.sendRaw(`{"op":"event","event":"${EVENTS.KICKED_OUT}","data":{"type":"${type}"}}`);
    this.close(code, `kicked out: ${type}`);
  }

  // Replies and closing.

  private reply(id: number | string | undefined, data: unknown): void {
    if (id === undefined) return;
    this.sendRaw(JSON.stringify({ op: 'reply', id, code: 0, message: '', data }));
  }

  private error(id: number | string | undefined, error: ApiError): void {
    const frame = {
      op: id === undefined ? 'error' : 'reply',
      ...(id !== undefined && { id }),
      code: error.code,
      message: error.info,
    };
    this.sendRaw(JSON.stringify(frame));
  }

  private sendRaw(text: string): void {
    if (this.state === 'closed') return;
    this.transport.send(new Frame(text));
  }

  private takeToken(): boolean {
    const now = Date.now();
    const rate = this.deps.limits.requestsPerSecond;
    this.tokens = Math.min(rate, this.tokens + ((now - this.refilledAt) * rate) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private timer(ms: number, run: () => void): void {
    const timer = setTimeout(run, ms);
    timer.unref();
    this.timers.push(timer);
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closedWith = code;
    this.transport.close(code, reason);
    this.closed();
  }

  /** The transport is gone (closed by either side; `code` as it saw it): leave the hub and presence, once. */
  closed(code?: number): void {
    if (this.left) return;
    this.left = true;
    this.deps.observer?.closed(this.transport.kind, this.closedWith ?? code);
    const wasLive = this.userId !== '';
    this.state = 'closed';
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    this.deps.hub.leave(this);
    this.deps.onClosed?.(this);
    if (wasLive) void this.deps.presence.remove(this.sdkappid, this.userId, this.id).catch((e) => this.deps.onError(e));
  }
}
