/**
 * One official account's timeline as this node's connected subscribers see it. A doorbell (or a
 * member joining) starts a pump: it reads the changes after the lowest cursor among the members,
 * once, and hands each member what it has not seen and is entitled to, in version order. A
 * member's frame is built once per identical view and shared, so a broadcast to many subscribers
 * costs one read and one serialisation, then one socket write each.
 */
import type { MessageRecord, MsgFlag } from '../store/records.ts';
import type { Reads } from '../store/store.ts';
import { EVENTS } from './protocol.ts';
import { messageView } from './views.ts';

/** A frame serialised once; its bytes are made once too, when a transport asks for them. */
export class Frame {
  private encoded: Buffer | undefined;

  /**
   * `resume`: after this frame the receiver has the account's timeline up to `version`.
   * `messages`: how many messages (received or recalled) it carries.
   */
  constructor(
    readonly text: string,
    readonly resume?: { officialAccountId: string; version: number },
    readonly messages = 0,
  ) {}

  get bytes(): Buffer {
    this.encoded ??= Buffer.from(this.text);
    return this.encoded;
  }

  static event(event: string, data: unknown): Frame {
    return new Frame(`{"op":"event","event":"${event}","data":${JSON.stringify(data)}}`);
  }
}

/** What a feed needs of a connected session. */
export interface Member {
  readonly userId: string;
  /** Queues the frame; false when the session is closing (e.g. it reads too slowly). */
  deliver(frame: Frame): boolean;
  /** The member has everything up to the account's version when it joined (login catch-up done). */
  synced(feed: AccountFeed): void;
}

export interface MemberState {
  /** The last version this member has been given (or had, by its own account at login). */
  cursor: number;
  /** Online-only messages at or below this version were sent before the member was live. */
  liveFrom: number;
  /** Messages that became visible at or below this version were sent before it subscribed. */
  fromVersion: number;
  msgFlag: MsgFlag;
  subscribeTime: number;
  /** Waiting for its first drain (login catch-up). */
  syncing: boolean;
}

const BATCH = 200;

/** The messages of one delivery, each serialised once per notify setting. */
class Serialised {
  private readonly cache = new Map<string, string>();

  json(row: MessageRecord, notify: boolean): string {
    const key = `${row.version}|${notify ? 1 : 0}`;
    let text = this.cache.get(key);
    if (text === undefined) {
      text = JSON.stringify(messageView(row, notify));
      this.cache.set(key, text);
    }
    return text;
  }
}

export class AccountFeed {
  readonly members = new Map<Member, MemberState>();
  /**
   * Members by cursor. Live members share the latest cursor, so a delivery only visits members
   * that are behind, and a member catching up never makes the others be visited again.
   */
  private readonly byCursor = new Map<number, Set<Member>>();
  private readonly syncing = new Set<Member>();
  private pumping = false;
  private again = false;

  constructor(
    readonly sdkappid: number,
    readonly officialAccountId: string,
    private readonly reads: Pick<Reads, 'timelineChanges'>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The lowest cursor among the members: what the next read starts after. */
  get lowestCursor(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const cursor of this.byCursor.keys()) if (cursor < lowest) lowest = cursor;
    return lowest;
  }

  join(member: Member, state: MemberState): void {
    this.leave(member);
    this.members.set(member, state);
    this.place(member, state.cursor);
    if (state.syncing) this.syncing.add(member);
    void this.pump();
  }

  leave(member: Member): void {
    const state = this.members.get(member);
    if (!state) return;
    this.members.delete(member);
    this.syncing.delete(member);
    this.unplace(member, state.cursor);
  }

  /** Moves a member's cursor forward (e.g. back from Discard: what was sent meanwhile is skipped). */
  advance(member: Member, cursor: number): void {
    const state = this.members.get(member);
    if (!state || cursor <= state.cursor) return;
    this.unplace(member, state.cursor);
    state.cursor = cursor;
    this.place(member, cursor);
  }

  /** A change may be waiting: read and deliver what the members have not seen. */
  ring(): void {
    void this.pump();
  }

  private place(member: Member, cursor: number): void {
    let group = this.byCursor.get(cursor);
    if (!group) {
      group = new Set();
      this.byCursor.set(cursor, group);
    }
    group.add(member);
  }

  private unplace(member: Member, cursor: number): void {
    const group = this.byCursor.get(cursor);
    group?.delete(member);
    if (group?.size === 0) this.byCursor.delete(cursor);
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        await this.drain();
      } while (this.again);
    } catch (e) {
      // The store is unreachable: the sweep rings again later, nothing is lost.
      this.onError(e);
    } finally {
      this.pumping = false;
    }
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.members.size === 0) return;
      const from = this.lowestCursor;
      const rows = await this.reads.timelineChanges(this.sdkappid, this.officialAccountId, from, BATCH);
      if (rows.length > 0) this.deliver(rows, from);
      // A member that joined during the read with an older cursor was not served: read again for it.
      if (rows.length < BATCH && this.lowestCursor >= from) break;
    }
    for (const member of [...this.syncing]) {
      this.syncing.delete(member);
      const state = this.members.get(member);
      if (state) state.syncing = false;
      member.synced(this);
    }
  }

  /** Hands out rows read after `from`; members behind `from` (they joined meanwhile) wait for their own read. */
  private deliver(rows: MessageRecord[], from: number): void {
    const serialised = new Serialised();
    const frames = new Map<string, Frame[]>();
    const last = (rows.at(-1) as MessageRecord).version;
    const resume = { officialAccountId: this.officialAccountId, version: last };
    // Below the lowest visible version every cursor and threshold gives the same answers, so
    // members whose values differ only there share their frames.
    let floor = Number.POSITIVE_INFINITY;
    for (const row of rows) floor = Math.min(floor, row.sentVersion - 1);
    const groups = [...this.byCursor].filter(([cursor]) => cursor >= from && cursor < last);
    for (const [groupCursor, group] of groups) {
      this.byCursor.delete(groupCursor);
      const cursor = Math.max(groupCursor, floor);
      for (const member of group) {
        const state = this.members.get(member) as MemberState;
        const fromVersion = Math.max(state.fromVersion, floor);
        const liveFrom = Math.max(state.liveFrom, floor);
        const key = `${cursor}|${fromVersion}|${liveFrom}|${state.msgFlag}`;
        let batch = frames.get(key);
        if (batch === undefined) {
          batch = framesFor(rows, serialised, { cursor, fromVersion, liveFrom, msgFlag: state.msgFlag }, resume);
          frames.set(key, batch);
        }
        state.cursor = last;
        this.place(member, last);
        for (const frame of batch) {
          if (!member.deliver(frame)) {
            this.leave(member);
            break;
          }
        }
      }
    }
  }
}

/** What a member with this view is owed of `rows`: new messages, then recalls of ones it has. */
function framesFor(
  rows: MessageRecord[],
  serialised: Serialised,
  view: { cursor: number; fromVersion: number; liveFrom: number; msgFlag: MsgFlag },
  resume: Frame['resume'],
): Frame[] {
  const received: string[] = [];
  const revoked: string[] = [];
  for (const row of rows) {
    if (row.version <= view.cursor || row.sentVersion <= view.fromVersion) continue;
    // Online-only messages reach only those connected when they were sent.
    if (row.onlineOnly && row.sentVersion <= view.liveFrom) continue;
    if (row.recalled) {
      // Only a message the member was given can be taken back; one it never saw stays unseen.
      if (row.sentVersion <= view.cursor) revoked.push(serialised.json(row, false));
    } else if (view.msgFlag !== 'Discard') {
      received.push(serialised.json(row, view.msgFlag === 'AcceptAndNotify'));
    }
  }
  const frames: Frame[] = [];
  if (received.length > 0) frames.push(eventFrame(EVENTS.MESSAGE_RECEIVED, received, resume));
  if (revoked.length > 0) frames.push(eventFrame(EVENTS.MESSAGE_REVOKED, revoked, resume));
  return frames;
}

function eventFrame(event: string, items: string[], resume: Frame['resume']): Frame {
  return new Frame(`{"op":"event","event":"${event}","data":[${items.join(',')}]}`, resume, items.length);
}
