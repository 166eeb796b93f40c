/**
 * Per-app, per-command call limits (platform.md §1.8): a fixed one-second window per
 * (SDKAppID, command), from rate-limiter-flexible. The limit in force is, first match wins:
 * HERALD_RATE_LIMIT (every command, every app; 0 = off), the app's own value for the command,
 * the app's "*" value, then the command's documented default.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { SendLimiter } from '../services/context.ts';
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

export interface SendLimitOverrides {
  perSecond: number | null;
  perHour: number | null;
}

/**
 * Per-official-account send limits (documented: 1 message/s, 2 broadcasts/hour), from
 * HERALD_SEND_PER_SECOND / HERALD_SEND_PER_HOUR when set, else the app's values; 0 = off.
 */
export class AccountSendLimits implements SendLimiter {
  private readonly perSecond = new Map<number, RateLimiterMemory>();
  private readonly perHour = new Map<number, RateLimiterMemory>();

  constructor(private readonly overrides: SendLimitOverrides = { perSecond: null, perHour: null }) {}

  async allow(app: AppRecord, officialAccountId: string): Promise<string | null> {
    const key = `${app.sdkappid}:${officialAccountId}`;
    const second = this.overrides.perSecond ?? app.sendPerSecond;
    const hour = this.overrides.perHour ?? app.sendPerHour;
    // Both windows must have room before either is charged, so a refused send costs nothing.
    if (second > 0 && (await limiter(this.perSecond, second, 1, 'sps').get(key))?.remainingPoints === 0) {
      return `official account ${officialAccountId} may send at most ${second} message(s) per second`;
    }
    if (hour > 0 && (await limiter(this.perHour, hour, 3600, 'sph').get(key))?.remainingPoints === 0) {
      return `official account ${officialAccountId} may send at most ${hour} message(s) per hour`;
    }
    if (second > 0 && !(await consume(limiter(this.perSecond, second, 1, 'sps'), key))) {
      return `official account ${officialAccountId} may send at most ${second} message(s) per second`;
    }
    if (hour > 0 && !(await consume(limiter(this.perHour, hour, 3600, 'sph'), key))) {
      return `official account ${officialAccountId} may send at most ${hour} message(s) per hour`;
    }
    return null;
  }

  async refund(app: AppRecord, officialAccountId: string): Promise<void> {
    const key = `${app.sdkappid}:${officialAccountId}`;
    const second = this.overrides.perSecond ?? app.sendPerSecond;
    const hour = this.overrides.perHour ?? app.sendPerHour;
    if (second > 0) await limiter(this.perSecond, second, 1, 'sps').reward(key, 1);
    if (hour > 0) await limiter(this.perHour, hour, 3600, 'sph').reward(key, 1);
  }
}

function limiter(cache: Map<number, RateLimiterMemory>, points: number, duration: number, prefix: string): RateLimiterMemory {
  let found = cache.get(points);
  if (found === undefined) {
    found = new RateLimiterMemory({ points, duration, keyPrefix: `${prefix}${points}` });
    cache.set(points, found);
  }
  return found;
}

async function consume(rateLimiter: RateLimiterMemory, key: string): Promise<boolean> {
  try {
    await rateLimiter.consume(key);
    return true;
  } catch (e) {
    if (e instanceof RateLimiterRes) return false;
    throw e;
  }
}
