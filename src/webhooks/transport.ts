/**
 * One webhook call (platform.md §6.1): POST the JSON body to the app's URL with SdkAppid,
 * CallbackCommand, contenttype, ClientIP, OptPlatform (and RequestTime + Sign with a token)
 * appended to its query. Anything but HTTP 200 with a JSON object body is a failure.
 */
import type { WebhookSettings } from '../store/records.ts';
import { webhookSign } from './sign.ts';

export const WEBHOOK_TIMEOUT_MS = 2000;

export type CallResult = { ok: true; reply: Record<string, unknown> } | { ok: false; error: string };

export function webhookUrl(
  settings: WebhookSettings & { url: string },
  sdkappid: number,
  command: string,
  clientIp: string,
  nowSeconds: number,
): string {
  const url = new URL(settings.url);
  url.searchParams.set('SdkAppid', String(sdkappid));
  url.searchParams.set('CallbackCommand', command);
  url.searchParams.set('contenttype', 'json');
  url.searchParams.set('ClientIP', clientIp);
  url.searchParams.set('OptPlatform', 'RESTAPI');
  if (settings.token) {
    url.searchParams.set('RequestTime', String(nowSeconds));
    url.searchParams.set('Sign', webhookSign(settings.token, nowSeconds));
  }
  return url.toString();
}

export async function callWebhook(
  url: string,
  body: Record<string, unknown>,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<CallResult> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      // Which node sent it: useful when several Herald nodes deliver from one outbox.
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': `Herald (pid ${process.pid})` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status !== 200) return { ok: false, error: `HTTP ${response.status}` };
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch {
      return { ok: false, error: 'reply is not JSON' };
    }
    if (reply === null || typeof reply !== 'object' || Array.isArray(reply))
      return { ok: false, error: 'reply is not a JSON object' };
    return { ok: true, reply: reply as Record<string, unknown> };
  } catch (e) {
    const name = e instanceof Error ? e.name : '';
    if (name === 'TimeoutError' || name === 'AbortError')
      return { ok: false, error: `no reply within ${timeoutMs} ms` };
    const cause =
      e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
    return { ok: false, error: `connection failed: ${cause}` };
  }
}
