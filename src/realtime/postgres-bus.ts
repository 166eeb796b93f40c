/**
 * The doorbell over PostgreSQL LISTEN/NOTIFY, for nodes sharing a database without Redis. One
 * dedicated connection listens (and notifies); when it is lost it is opened again with backoff,
 * and the hub is asked to look for changes it may have missed meanwhile.
 *
 * Doorbells are coalesced: while one NOTIFY is on its way, those published meanwhile wait and go
 * together as one JSON array in the next. Under load that turns a round trip per write into one
 * per round trip's worth of writes, on the database and in this process; an idle node still
 * rings at once.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { type Bus, type BusMessage, parseBusMessages } from './bus.ts';

const MAX_BACKOFF_MS = 5000;
/** NOTIFY payloads must stay under 8000 bytes; a batch is closed before it reaches this. */
const MAX_PAYLOAD_BYTES = 7000;

export class PostgresBus implements Bus {
  private readonly listeners: ((message: BusMessage) => void)[] = [];
  private readonly reconnectListeners: (() => void)[] = [];
  private client: pg.Client | null = null;
  private closed = false;
  /** Doorbells waiting for the NOTIFY in flight to finish, serialised. */
  private waiting: string[] = [];
  private sending = false;

  private constructor(
    private readonly url: string,
    /** A valid identifier per deployment: NOTIFY channels are shared by the whole database. */
    private readonly channel: string,
  ) {}

  static async open(url: string, namespace: string): Promise<PostgresBus> {
    const channel = `herald_${createHash('sha256').update(namespace).digest('hex').slice(0, 24)}`;
    const bus = new PostgresBus(url, channel);
    await bus.connect();
    return bus;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => {
      if (n.payload === undefined) return;
      for (const message of parseBusMessages(n.payload)) for (const listener of this.listeners) listener(message);
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (e) {
      // Half-open (connected, LISTEN refused) must not outlive the attempt.
      void client.end().catch(() => {});
      throw e;
    }
    if (this.closed) {
      // Closed while this reconnection was under way: nothing may keep the process alive.
      void client.end().catch(() => {});
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    void client.end().catch(() => {});
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    for (let delay = 100; !this.closed; delay = Math.min(MAX_BACKOFF_MS, delay * 2)) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      try {
        await this.connect();
        for (const listener of this.reconnectListeners) listener();
        return;
      } catch {
        // the database is still unreachable; try again
      }
    }
  }

  publish(message: BusMessage): void {
    // Without a connection the doorbell is lost; the hubs' sweeps find the change.
    if (this.client === null) return;
    this.waiting.push(JSON.stringify(message));
    if (!this.sending) void this.send();
  }

  /** Sends what waits, a batch per NOTIFY, until nothing does. */
  private async send(): Promise<void> {
    this.sending = true;
    try {
      while (this.waiting.length > 0) {
        const client = this.client;
        if (client === null) {
          this.waiting = [];
          return;
        }
        const batch: string[] = [];
        let bytes = 2;
        while (this.waiting.length > 0) {
          const next = this.waiting[0] as string;
          const size = Buffer.byteLength(next) + 1;
          if (batch.length > 0 && bytes + size > MAX_PAYLOAD_BYTES) break;
          batch.push(next);
          bytes += size;
          this.waiting.shift();
        }
        const payload = batch.length === 1 ? (batch[0] as string) : `[${batch.join(',')}]`;
        await client.query('select pg_notify($1, $2)', [this.channel, payload]).catch(() => {});
      }
    } finally {
      this.sending = false;
    }
  }

  onMessage(listener: (message: BusMessage) => void): void {
    this.listeners.push(listener);
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}
