/**
 * This node's connected subscribers: sessions by user, and a feed per official account that has
 * subscribers here. As the services' Notifier it publishes what changed on the bus; from the bus
 * (every node's changes, its own included) it rings feeds, moves sessions in and out of feeds and
 * pushes the account events. A periodic sweep compares each feed with the store, so a doorbell
 * lost between nodes delays a delivery but never loses it.
 */
import type { Notifier, SignOutReason, SubscriptionChange } from '../services/notifier.ts';
import type { MsgFlag, OfficialAccountRecord } from '../store/records.ts';
import type { Reads } from '../store/store.ts';
import type { Bus, BusMessage } from './bus.ts';
import { AccountFeed, Frame, type Member, type MemberState } from './feed.ts';
import { EVENTS, type KickType } from './protocol.ts';
import { accountView } from './views.ts';

/** What the hub needs of a connected session. */
export interface HubSession extends Member {
  readonly id: string;
  readonly sdkappid: number;
  readonly openedAt: number;
  /** Ends the session with a KICKED_OUT event and the matching close code. */
  kick(type: KickType): void;
}

/** A subscription as a session joins its feed with it. */
export interface Joined {
  officialAccountId: string;
  state: MemberState;
}

export interface HubOptions {
  /** Connections of one user on this node; a new one beyond it closes the oldest. */
  maxConnectionsPerUser: number;
  sweepMs: number;
  onError(error: unknown): void;
}

const key = (sdkappid: number, id: string) => `${sdkappid}|${id}`;

export class Hub implements Notifier {
  private readonly feeds = new Map<string, AccountFeed>();
  private readonly users = new Map<string, Set<HubSession>>();
  /** Sessions between their subscription snapshot and joining their feeds: bus changes wait here. */
  private readonly joining = new Map<HubSession, BusMessage[]>();
  /** Each session's changes apply one after another, in the order the bus gave them. */
  private readonly chains = new WeakMap<HubSession, Promise<void>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly bus: Bus,
    private readonly reads: Pick<Reads, 'timelineChanges' | 'accountVersions' | 'officialAccountsCached'>,
    private readonly options: HubOptions,
  ) {
    bus.onMessage((message) => this.onBusMessage(message));
    bus.onReconnect(() => void this.sweep());
    this.sweeper = setInterval(() => void this.sweep(), options.sweepMs);
    this.sweeper.unref();
  }

  get connectionCount(): number {
    let n = 0;
    for (const sessions of this.users.values()) n += sessions.size;
    return n;
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  // Notifier: what the services committed, told to every node.

  timelineChanged(sdkappid: number, officialAccountId: string, version: number): void {
    this.bus.publish({ t: 'timeline', a: sdkappid, o: officialAccountId, v: version });
  }

  subscriptionsChanged(change: SubscriptionChange): void {
    const { sdkappid: a, officialAccountId: o } = change;
    if (change.kind === 'subscribed')
      this.bus.publish({ t: 'subscribed', a, o, u: change.userIds, v: change.fromVersion });
    else if (change.kind === 'unsubscribed') this.bus.publish({ t: 'unsubscribed', a, o, u: change.userIds });
    else this.bus.publish({ t: 'receiveOption', a, o, u: change.userId, f: change.msgFlag, v: change.fromVersion });
  }

  officialAccountChanged(sdkappid: number, officialAccountId: string): void {
    this.bus.publish({ t: 'info', a: sdkappid, o: officialAccountId });
  }

  officialAccountDeleted(sdkappid: number, officialAccountId: string): void {
    this.bus.publish({ t: 'deleted', a: sdkappid, o: officialAccountId });
  }

  usersSignedOut(sdkappid: number, userIds: readonly string[], reason: SignOutReason): void {
    this.bus.publish({ t: 'signOut', a: sdkappid, u: [...userIds], r: reason });
  }

  appReset(sdkappid: number): void {
    this.bus.publish({ t: 'reset', a: sdkappid });
  }

  // Sessions.

  /**
   * A session that logged in, before its subscription snapshot is read: from now on it hears
   * every change (queued until `join`). Beyond the per-user cap the oldest session is closed.
   */
  admit(session: HubSession): void {
    const userKey = key(session.sdkappid, session.userId);
    let sessions = this.users.get(userKey);
    if (!sessions) {
      sessions = new Set();
      this.users.set(userKey, sessions);
    }
    sessions.add(session);
    this.joining.set(session, []);
    const excess = sessions.size - this.options.maxConnectionsPerUser;
    if (excess > 0) {
      const oldest = [...sessions].sort((x, y) => x.openedAt - y.openedAt).slice(0, excess);
      for (const old of oldest) old.kick('multipleDevices');
    }
  }

  /** The snapshot is applied: the session joins its feeds, then the changes it missed meanwhile apply. */
  join(session: HubSession, subscriptions: readonly Joined[]): void {
    const waiting = this.joining.get(session);
    if (waiting === undefined) return; // it closed meanwhile
    this.joining.delete(session);
    for (const { officialAccountId, state } of subscriptions)
      this.feed(session.sdkappid, officialAccountId).join(session, state);
    for (const message of waiting) this.enqueue(session, message);
  }

  leave(session: HubSession): void {
    this.joining.delete(session);
    const userKey = key(session.sdkappid, session.userId);
    const sessions = this.users.get(userKey);
    sessions?.delete(session);
    if (sessions?.size === 0) this.users.delete(userKey);
    for (const [feedKey, feed] of this.feeds) {
      feed.leave(session);
      if (feed.members.size === 0) this.feeds.delete(feedKey);
    }
  }

  private feed(sdkappid: number, officialAccountId: string): AccountFeed {
    const feedKey = key(sdkappid, officialAccountId);
    let feed = this.feeds.get(feedKey);
    if (!feed) {
      feed = new AccountFeed(sdkappid, officialAccountId, this.reads, this.options.onError);
      this.feeds.set(feedKey, feed);
    }
    return feed;
  }

  /** Asks the store for every feed's version; rings the feeds that are behind. */
  async sweep(): Promise<void> {
    const byApp = new Map<number, AccountFeed[]>();
    for (const feed of this.feeds.values()) {
      const list = byApp.get(feed.sdkappid);
      if (list) list.push(feed);
      else byApp.set(feed.sdkappid, [feed]);
    }
    try {
      for (const [sdkappid, feeds] of byApp) {
        for (let i = 0; i < feeds.length; i += 500) {
          const chunk = feeds.slice(i, i + 500);
          const versions = await this.reads.accountVersions(
            sdkappid,
            chunk.map((f) => f.officialAccountId),
          );
          for (const feed of chunk) {
            const version = versions.get(feed.officialAccountId);
            if (version !== undefined && version > feed.lowestCursor) feed.ring();
          }
        }
      }
    } catch (e) {
      this.options.onError(e);
    }
  }

  // The bus: changes from every node.

  private sessionsOf(sdkappid: number, userIds: readonly string[]): HubSession[] {
    return userIds.flatMap((u) => [...(this.users.get(key(sdkappid, u)) ?? [])]);
  }

  private onBusMessage(message: BusMessage): void {
    if (message.t === 'timeline') {
      this.feeds.get(key(message.a, message.o))?.ring();
      return;
    }
    if (message.t === 'info' || message.t === 'deleted') {
      void this.accountEvent(message.t, message.a, message.o);
      return;
    }
    if (message.t === 'reset') {
      this.endApp(message.a);
      return;
    }
    const users = message.t === 'receiveOption' ? [message.u] : message.u;
    for (const session of this.sessionsOf(message.a, users)) {
      const waiting = this.joining.get(session);
      if (waiting) waiting.push(message);
      else this.enqueue(session, message);
    }
  }

  private enqueue(session: HubSession, message: BusMessage): void {
    const previous = this.chains.get(session) ?? Promise.resolve();
    this.chains.set(
      session,
      previous.then(() => this.applyToSession(session, message)).catch((e: unknown) => this.options.onError(e)),
    );
  }

  private async applyToSession(session: HubSession, message: BusMessage): Promise<void> {
    switch (message.t) {
      case 'subscribed': {
        if (this.feeds.get(key(message.a, message.o))?.members.has(session)) return;
        const state: MemberState = {
          cursor: message.v,
          liveFrom: message.v,
          fromVersion: message.v,
          msgFlag: 'AcceptAndNotify',
          subscribeTime: Math.floor(Date.now() / 1000),
          syncing: false,
        };
        // The event first, then the account's messages.
        const account = await this.account(message.a, message.o);
        if (account) {
          session.deliver(Frame.event(EVENTS.OFFICIAL_ACCOUNT_SUBSCRIBED, infoFor(account, state, session.userId)));
        }
        if (!this.users.get(key(session.sdkappid, session.userId))?.has(session)) return; // it closed meanwhile
        this.feed(message.a, message.o).join(session, state);
        return;
      }
      case 'unsubscribed': {
        const feed = this.feeds.get(key(message.a, message.o));
        if (!feed?.members.has(session)) return;
        feed.leave(session);
        if (feed.members.size === 0) this.feeds.delete(key(message.a, message.o));
        session.deliver(Frame.event(EVENTS.OFFICIAL_ACCOUNT_UNSUBSCRIBED, { officialAccountID: message.o }));
        return;
      }
      case 'receiveOption': {
        const feed = this.feeds.get(key(message.a, message.o));
        const state = feed?.members.get(session);
        if (!feed || !state) return;
        state.msgFlag = message.f as MsgFlag;
        // Back from Discard: what was sent meanwhile stays discarded.
        state.fromVersion = Math.max(state.fromVersion, message.v);
        feed.advance(session, message.v);
        return;
      }
      case 'signOut':
        session.kick(message.r);
        return;
      default:
        return;
    }
  }

  /** Every session of the app ends (its account is gone); its feeds go with them. */
  private endApp(sdkappid: number): void {
    const prefix = key(sdkappid, '');
    for (const [userKey, sessions] of [...this.users]) {
      if (userKey.startsWith(prefix)) for (const session of [...sessions]) session.kick('deleted');
    }
    for (const [feedKey, feed] of [...this.feeds]) if (feed.sdkappid === sdkappid) this.feeds.delete(feedKey);
  }

  /** OFFICIAL_ACCOUNT_INFO_CHANGED / _DELETED to every local subscriber of the account. */
  private async accountEvent(kind: 'info' | 'deleted', sdkappid: number, id: string): Promise<void> {
    const feedKey = key(sdkappid, id);
    const feed = this.feeds.get(feedKey);
    if (!feed) return;
    if (kind === 'deleted') {
      this.feeds.delete(feedKey);
      const frame = Frame.event(EVENTS.OFFICIAL_ACCOUNT_DELETED, { officialAccountID: id });
      for (const member of feed.members.keys()) member.deliver(frame);
      return;
    }
    const account = await this.account(sdkappid, id);
    if (!account) return;
    for (const [member, state] of feed.members) {
      member.deliver(Frame.event(EVENTS.OFFICIAL_ACCOUNT_INFO_CHANGED, infoFor(account, state, member.userId)));
    }
  }

  private async account(sdkappid: number, id: string): Promise<OfficialAccountRecord | undefined> {
    try {
      return (await this.reads.officialAccountsCached(sdkappid, [id])).get(id);
    } catch (e) {
      this.options.onError(e);
      return undefined;
    }
  }
}

function infoFor(account: OfficialAccountRecord, state: MemberState, userId: string) {
  return accountView(account, {
    officialAccountId: account.id,
    userId,
    subSeq: 0,
    subscribeTime: state.subscribeTime,
    customString: '',
    msgFlag: state.msgFlag,
    lastSendMsgTime: 0,
    fromVersion: state.fromVersion,
  });
}
