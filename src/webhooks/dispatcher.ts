/**
 * Delivers "after" events from the durable outbox, at least once. It claims due events that
 * are each the oldest pending event of their account (so one account's events go out in the
 * order they happened), holds them with a lease (a dispatcher that dies mid-delivery loses the
 * lease and another takes over), and retries failures with exponential backoff. It is woken
 * when a transaction writes an event, and otherwise polls, which also picks up events written
 * by other nodes.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AppRecord, OutboxEvent } from '../store/records.ts';
import type { Outbox } from '../store/store.ts';
import { callWebhook, webhookUrl } from './transport.ts';

export interface DispatcherOptions {
  /** First retry delay; doubles per failure up to maxRetryMs. */
  retryMs: number;
  maxRetryMs?: number;
  /** Give up on an event this long after it happened. */
  giveUpAfterMs?: number;
  /** Delivered and cancelled events are kept this long for inspection. */
  keepMs?: number;
  timeoutMs: number;
  leaseMs?: number;
  pollMs?: number;
  batch?: number;
  getApp(sdkappid: number): Promise<AppRecord | undefined>;
  log: Pick<FastifyBaseLogger, 'warn' | 'error' | 'debug'>;
  /** Told how each delivery attempt ended (metrics). */
  onDelivery?: ((result: DeliveryResult) => void) | undefined;
}

/** Delivered; failed and retried later; given up; cancelled (no webhook URL, or the callback is off). */
export type DeliveryResult = 'ok' | 'retry' | 'failed' | 'cancelled';

const HOUR = 3_600_000;
const MIN_SLEEP_MS = 50;

export class WebhookDispatcher {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private lastPrune = 0;

  constructor(
    private readonly outbox: Outbox,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.outbox.onEnqueued(() => this.wake());
    this.loop = this.run();
  }

  /** Stops claiming; resolves when deliveries in flight have finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private readonly inFlight = new Set<Promise<void>>();

  private async run(): Promise<void> {
    const { batch = 32, leaseMs = 30_000, pollMs = 1000 } = this.options;
    while (this.running) {
      this.woken = false;
      let claimed: OutboxEvent[] = [];
      const room = batch - this.inFlight.size;
      try {
        if (room > 0) claimed = await this.outbox.claim(Date.now(), leaseMs, room);
        // Deliveries run side by side: a receiver that hangs holds up only its own account.
        for (const event of claimed) {
          const delivery: Promise<void> = this.deliver(event)
            .catch((e: unknown) => this.options.log.error({ err: e, id: event.id }, 'webhook delivery step failed'))
            .finally(() => {
              this.inFlight.delete(delivery);
              this.wake(); // the account's next event may now be due, and there is room again
            });
          this.inFlight.add(delivery);
        }
        await this.prune();
      } catch (e) {
        if (!this.running) break;
        this.options.log.error({ err: e }, 'webhook dispatcher step failed');
      }
      if (claimed.length > 0 && this.inFlight.size < batch) continue;
      if (this.woken) continue;
      let delay = pollMs;
      try {
        const due = await this.outbox.nextDue();
        // Events that look due but could not be claimed are in flight (leased) or wait behind
        // their account's oldest event; a finished delivery wakes us, so a short floor avoids a
        // busy loop without delaying anything that is really due.
        if (due !== null) delay = Math.min(pollMs, Math.max(MIN_SLEEP_MS, due - Date.now()));
      } catch {
        // the store is closing or unreachable; poll again later
      }
      await this.sleep(delay);
    }
    await Promise.all(this.inFlight);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
      if (this.woken || !this.running) done();
    });
  }

  private async deliver(event: OutboxEvent): Promise<void> {
    const { retryMs, maxRetryMs = 60_000, giveUpAfterMs = 24 * HOUR, timeoutMs } = this.options;
    const app = await this.options.getApp(event.sdkappid);
    const url = app?.webhook.url ?? null;
    if (!app || url === null) return this.cancel(event.id, 'the app has no webhook URL any more');
    if (app.webhook.off.includes(event.command)) return this.cancel(event.id, `${event.command} was switched off`);

    const target = webhookUrl(
      { ...app.webhook, url },
      app.sdkappid,
      event.command,
      event.clientIp,
      Math.floor(Date.now() / 1000),
    );
    const result = await callWebhook(target, event.body, timeoutMs);
    const now = Date.now();
    this.options.onDelivery?.(result.ok ? 'ok' : now - event.createdAt > giveUpAfterMs ? 'failed' : 'retry');
    if (result.ok) return this.outbox.markDelivered(event.id, now);

    if (now - event.createdAt > giveUpAfterMs) {
      this.options.log.error({ id: event.id, command: event.command, error: result.error }, 'webhook event given up');
      return this.outbox.markCancelled(event.id, `gave up: ${result.error}`);
    }
    const delay = Math.min(maxRetryMs, retryMs * 2 ** Math.min(event.attempts, 20));
    this.options.log.warn(
      { id: event.id, command: event.command, attempt: event.attempts + 1, error: result.error },
      'webhook delivery failed; will retry',
    );
    await this.outbox.markFailed(event.id, result.error, now + delay);
  }

  private cancel(id: number, reason: string): Promise<void> {
    this.options.onDelivery?.('cancelled');
    return this.outbox.markCancelled(id, reason);
  }

  private async prune(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < HOUR) return;
    this.lastPrune = now;
    await this.outbox.prune(now - (this.options.keepMs ?? 7 * 24 * HOUR));
  }
}
