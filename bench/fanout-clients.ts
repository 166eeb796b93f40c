/**
 * The load side of `npm run bench:fanout`, in its own process: N subscribers on raw WebSockets
 * (the protocol of docs/client-protocol.md, no client library), each logged in as its own user.
 * It records when every message reaches every client, counts duplicates and gaps, and on command
 * drops every connection at once and brings them all back with their cursors (a reconnect storm).
 * Driven over IPC by bench/fanout.ts.
 */
import { Api } from 'tls-sig-api-v2';
import WebSocket from 'ws';

interface Start {
  url: string;
  sdkappid: number;
  key: string;
  users: string[];
  officialAccountId: string;
}

type Command =
  | { t: 'connect' }
  | { t: 'ack'; id: string; at: number }
  | { t: 'drop' }
  | { t: 'report' }
  | { t: 'reset' };

const now = () => performance.timeOrigin + performance.now();
const HISTOGRAM_MS = 60_000;
const LIVE_PREFIX = '{"op":"event","event":"MESSAGE_RECEIVED","data":[{"ID":"';

/** The text between `after` and the next `until` in a frame. */
function readField(data: Buffer, after: string, until: string): string {
  const start = data.indexOf(after) + after.length;
  return data.toString('latin1', start, data.indexOf(until, start));
}

class Subscriber {
  socket: WebSocket | null = null;
  cursor = 0;
  readonly seen = new Set<string>();
  duplicates = 0;
  synced = false;

  constructor(
    readonly user: string,
    private readonly start: Start,
    private readonly sig: string,
    private readonly onMessage: (id: string, at: number) => void,
  ) {}

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${this.start.url.replace(/^http/, 'ws')}/realtime/ws`, {
        perMessageDeflate: false,
        skipUTF8Validation: true,
      });
      this.socket = socket;
      this.synced = false;
      socket.on('open', () => {
        const cursors = this.cursor > 0 ? { [this.start.officialAccountId]: this.cursor } : {};
        socket.send(
          JSON.stringify({
            op: 'login',
            id: 1,
            sdkappid: this.start.sdkappid,
            userID: this.user,
            userSig: this.sig,
            cursors,
          }),
        );
      });
      socket.on('message', (data: Buffer) => {
        const at = now();
        // The hot path reads a live message frame without parsing it whole: this process stands in
        // for thousands of devices on one core, and its own time would otherwise be measured.
        if (this.synced && data.indexOf(LIVE_PREFIX) === 0 && data.indexOf('},{"ID"') === -1) {
          this.received(readField(data, '"ID":"', '"'), Number(readField(data, '"version":', '}')), at);
          return;
        }
        const frame = JSON.parse(data.toString()) as {
          op: string;
          id?: number;
          code?: number;
          event?: string;
          data?: unknown;
        };
        if (frame.op === 'reply' && frame.id === 1) {
          if (frame.code !== 0) reject(new Error(`${this.user}: login answered ${JSON.stringify(frame)}`));
          const cursors = (frame.data as { cursors: Record<string, number> }).cursors;
          this.cursor = Math.max(this.cursor, cursors[this.start.officialAccountId] ?? 0);
          resolve();
        } else if (frame.op === 'synced') {
          this.synced = true;
        } else if (frame.op === 'event' && frame.event === 'MESSAGE_RECEIVED') {
          for (const m of frame.data as { ID: string; version: number }[]) this.received(m.ID, m.version, at);
        }
      });
      socket.on('error', reject);
    });
  }

  private received(id: string, version: number, at: number): void {
    if (version <= this.cursor || this.seen.has(id)) {
      this.duplicates++;
      return;
    }
    this.cursor = version;
    this.seen.add(id);
    this.onMessage(id, at);
  }

  drop(): void {
    this.socket?.terminate();
    this.socket = null;
  }
}

let subscribers: Subscriber[] = [];
/** Receipt times per message ID. */
const receipts = new Map<string, number[]>();
const acks = new Map<string, number>();

function send(message: unknown): void {
  process.send?.(message);
}

process.on('message', async (raw: Start | Command) => {
  if ('users' in raw) {
    const api = new Api(raw.sdkappid, raw.key);
    subscribers = raw.users.map(
      (user) =>
        new Subscriber(user, raw, api.genUserSig(user, 86_400), (id, at) => {
          let list = receipts.get(id);
          if (!list) {
            list = [];
            receipts.set(id, list);
          }
          list.push(at);
        }),
    );
    send({ t: 'ready' });
    return;
  }
  const command = raw as Command;
  if (command.t === 'connect') {
    const began = now();
    // All at once: every client opens and logs in without waiting for the others.
    await Promise.all(subscribers.map((s) => s.connect()));
    while (!subscribers.every((s) => s.synced)) await new Promise((resolve) => setTimeout(resolve, 10));
    send({ t: 'connected', ms: now() - began });
  } else if (command.t === 'ack') {
    acks.set(command.id, command.at);
  } else if (command.t === 'drop') {
    for (const s of subscribers) s.drop();
    send({ t: 'dropped' });
  } else if (command.t === 'report') {
    /** Receipts by whole milliseconds after the send's reply (mergeable across load processes). */
    const histogram: number[] = [];
    let delivered = 0;
    let lastAt = 0;
    /** Per message: first and last receipt (how long the fan-out of one broadcast took). */
    const spans: Record<string, [number, number]> = {};
    for (const [id, times] of receipts) {
      const ack = acks.get(id);
      delivered += times.length;
      spans[id] = [Math.min(...times), Math.max(...times)];
      for (const t of times) {
        lastAt = Math.max(lastAt, t);
        // A push may beat the REST reply to the sender: that counts as no wait at all.
        if (ack !== undefined) {
          const ms = Math.min(HISTOGRAM_MS, Math.floor(Math.max(0, t - ack)));
          histogram[ms] = (histogram[ms] ?? 0) + 1;
        }
      }
    }
    send({
      t: 'report',
      delivered,
      perMessage: Object.fromEntries([...receipts].map(([id, times]) => [id, times.length])),
      spans,
      duplicates: subscribers.reduce((n, s) => n + s.duplicates, 0),
      histogram: Array.from(histogram, (n) => n ?? 0),
      lastAt,
    });
  } else if (command.t === 'reset') {
    receipts.clear();
    for (const s of subscribers) s.duplicates = 0;
    send({ t: 'reset' });
  }
});
