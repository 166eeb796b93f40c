/** The Webhooks services use: which callbacks are on, and synchronous "before" calls. */
import type { BeforeOutcome, Webhooks } from '../services/context.ts';
import type { AppRecord } from '../store/records.ts';
import type { CallbackCommand } from './commands.ts';
import { callWebhook, webhookUrl } from './transport.ts';

/** Told how each "before" call ended and how long it took (metrics). */
export type BeforeCallObserver = (ok: boolean, seconds: number) => void;

export class WebhookGateway implements Webhooks {
  constructor(
    private readonly timeoutMs: number,
    private readonly onBefore?: BeforeCallObserver,
  ) {}

  isOn(app: AppRecord, command: CallbackCommand): boolean {
    return app.webhook.url !== null && !app.webhook.off.includes(command);
  }

  async before(
    app: AppRecord,
    command: CallbackCommand,
    body: Record<string, unknown>,
    clientIp: string,
  ): Promise<BeforeOutcome> {
    const { url } = app.webhook;
    if (url === null) return { kind: 'skipped' };
    const target = webhookUrl({ ...app.webhook, url }, app.sdkappid, command, clientIp, Math.floor(Date.now() / 1000));
    const started = performance.now();
    const result = await callWebhook(target, body, this.timeoutMs);
    this.onBefore?.(result.ok, (performance.now() - started) / 1000);
    return result.ok ? { kind: 'reply', reply: result.reply } : { kind: 'failed', error: result.error };
  }
}
