/** The doorbell over Redis pub/sub (HERALD_REDIS_URL): one channel per Herald deployment. */
import type { Redis } from 'ioredis';
import { type Bus, type BusMessage, parseBusMessages } from './bus.ts';

export class RedisBus implements Bus {
  private readonly listeners: ((message: BusMessage) => void)[] = [];
  private readonly reconnectListeners: (() => void)[] = [];
  private readonly subscriber: Redis;
  private connectedOnce = false;

  private constructor(
    private readonly publisher: Redis,
    private readonly channel: string,
  ) {
    // A connection in subscriber mode can do nothing else, so it is a second one.
    this.subscriber = publisher.duplicate({ lazyConnect: true });
    this.subscriber.on('message', (_channel: string, text: string) => {
      for (const message of parseBusMessages(text)) for (const listener of this.listeners) listener(message);
    });
    this.subscriber.on('ready', () => {
      if (this.connectedOnce) for (const listener of this.reconnectListeners) listener();
      this.connectedOnce = true;
    });
    // Errors surface as reconnects; ioredis retries on its own.
    this.subscriber.on('error', () => {});
  }

  static async open(publisher: Redis, namespace: string): Promise<RedisBus> {
    const bus = new RedisBus(publisher, `herald:${namespace}:bus`);
    await bus.subscriber.connect();
    await bus.subscriber.subscribe(bus.channel);
    return bus;
  }

  publish(message: BusMessage): void {
    // A lost doorbell is found again by the hub's sweep; the caller's command has committed.
    this.publisher.publish(this.channel, JSON.stringify(message)).catch(() => {});
  }

  onMessage(listener: (message: BusMessage) => void): void {
    this.listeners.push(listener);
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }
}
