/**
 * The subscriber channel, as its sessions report it: open connections by transport, messages
 * pushed to devices, and how connections ended. Pushes are counted once per message per device,
 * on the fan-out path, so they go to a plain number that the counter reads when scraped.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { CLOSE } from '../realtime/protocol.ts';
import type { SessionObserver, TransportKind } from '../realtime/session.ts';

/**
 * Close codes shown as themselves: Herald's own, and the usual ones of a peer that left. A peer
 * may send any code, so the rest are counted as `other`.
 */
const KNOWN_CLOSE_CODES = new Set<number>([...Object.values(CLOSE), 1000, 1005, 1006]);

export function closeCodeLabel(code: number | undefined): string {
  if (code === undefined) return 'none';
  return KNOWN_CLOSE_CODES.has(code) ? String(code) : 'other';
}

export class SubscriberMetrics implements SessionObserver {
  private readonly connections: Record<TransportKind, Gauge.Internal<'transport'>>;
  private readonly closes: Counter<'transport' | 'code'>;
  private pushedMessages = 0;

  constructor(registry: Registry) {
    const connections = new Gauge({
      name: 'herald_subscriber_connections',
      help: 'Open subscriber connections on this node (logged in or logging in), by transport (ws, sse)',
      labelNames: ['transport'],
      registers: [registry],
    });
    this.connections = { ws: connections.labels('ws'), sse: connections.labels('sse') };
    this.connections.ws.set(0);
    this.connections.sse.set(0);

    let reported = 0;
    const pushed = () => this.pushedMessages;
    new Counter({
      name: 'herald_subscriber_deliveries_total',
      help: 'Messages (received or recalled) pushed to subscriber devices, one per message and device',
      registers: [registry],
      collect() {
        const now = pushed();
        if (now > reported) this.inc(now - reported);
        reported = now;
      },
    });

    this.closes = new Counter({
      name: 'herald_subscriber_closes_total',
      help: "Subscriber connections ended, by transport and close code (Herald's, else the peer's, or none)",
      labelNames: ['transport', 'code'],
      registers: [registry],
    });
  }

  opened(transport: TransportKind): void {
    this.connections[transport].inc();
  }

  closed(transport: TransportKind, code: number | undefined): void {
    this.connections[transport].dec();
    this.closes.labels(transport, closeCodeLabel(code)).inc();
  }

  pushed(messages: number): void {
    this.pushedMessages += messages;
  }
}
