/**
 * The doorbell between Herald nodes: what changed, never the data itself (the store stays the
 * truth). One node publishes; every node, itself included, hears it and serves its own sockets.
 * Delivery between nodes is at most once, so each node also looks for missed changes itself (the
 * hub's sweep); after a lost link, `onReconnect` asks for a look at once.
 */
import type { SignOutReason } from '../services/notifier.ts';
import type { MsgFlag } from '../store/records.ts';

export type BusMessage =
  | { t: 'timeline'; a: number; o: string; v: number }
  | { t: 'subscribed'; a: number; o: string; u: string[]; v: number }
  | { t: 'unsubscribed'; a: number; o: string; u: string[] }
  | { t: 'receiveOption'; a: number; o: string; u: string; f: MsgFlag; v: number }
  | { t: 'info'; a: number; o: string }
  | { t: 'deleted'; a: number; o: string }
  | { t: 'signOut'; a: number; u: string[]; r: SignOutReason }
  | { t: 'reset'; a: number };

export interface Bus {
  publish(message: BusMessage): void;
  onMessage(listener: (message: BusMessage) => void): void;
  /** The link to the other nodes was lost and is back: doorbells may have been missed meanwhile. */
  onReconnect(listener: () => void): void;
  close(): Promise<void>;
}

/** One node (SQLite, or a single PostgreSQL node without Redis is not this: see open-bus.ts). */
export class LocalBus implements Bus {
  private readonly listeners: ((message: BusMessage) => void)[] = [];

  publish(message: BusMessage): void {
    // Asynchronously, as a remote bus would deliver it: never inside the publisher's call stack.
    setImmediate(() => {
      for (const listener of this.listeners) listener(message);
    });
  }

  onMessage(listener: (message: BusMessage) => void): void {
    this.listeners.push(listener);
  }

  onReconnect(): void {}

  async close(): Promise<void> {}
}

/**
 * The messages of one payload from another node: a message, or an array of them (a node that
 * coalesces its doorbells, as the PostgreSQL bus does). Anything that is not one is dropped.
 */
export function parseBusMessages(text: string): BusMessage[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  const isMessage = (m: unknown): m is BusMessage =>
    m !== null && typeof m === 'object' && typeof (m as { t?: unknown }).t === 'string';
  if (Array.isArray(value)) return value.filter(isMessage);
  return isMessage(value) ? [value] : [];
}
