/**
 * Per-app, per-command call limits (platform.md §1.8): a fixed one-second window per
 * (SDKAppID, command), from rate-limiter-flexible. The limit in force is, first match wins:
 * HERALD_RATE_LIMIT (every command, every app; 0 = off), the app's own value for the command,
 * the app's "*" value, then the command's documented default.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppRecord } from '../store/records.ts';
import { commandKey, type Command } from './command.ts';

export function effectiveRate(override: number | null, app: AppRecord, command: Command): number {
  if (override !== null) return override;
  return app.rateLimits[commandKey(command.service, command.name)] ?? app.rateLimits['*'] ?? command.defaultRate;
}

export class RateLimits {
  private readonly limiters = new Map<number, RateLimiterMemory>();

  constructor(private readonly override: number | null) {}

  /** Counts the call; false when it is over the limit for the current second. */
  async allow(app: AppRecord, command: Command): Promise<boolean> {
    const rate = effectiveRate(this.override, app, command);
    if (rate === 0) return true;
    let limiter = this.limiters.get(rate);
    if (limiter === undefined) {
      limiter = new RateLimiterMemory({ points: rate, duration: 1, keyPrefix: `rate${rate}` });
      this.limiters.set(rate, limiter);
    }
    try {
      await limiter.consume(`${app.sdkappid}:${commandKey(command.service, command.name)}`);
      return true;
    } catch (e) {
      if (e instanceof RateLimiterRes) return false;
      throw e;
    }
  }
}
