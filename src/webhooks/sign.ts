import { createHash } from 'node:crypto';

/** Callback authentication (platform.md §6.2): lower-case hex sha256(token + RequestTime). */
export function webhookSign(token: string, requestTime: number | string): string {
  return createHash('sha256').update(`${token}${requestTime}`, 'utf8').digest('hex');
}
