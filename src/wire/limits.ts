/**
 * Call limits, from rate-limiter-flexible: in memory for one node, or in Redis so that every
 * node shares them (HERALD_REDIS_URL).
 * - Per app and command (platform.md §1.8): a fixed one-second window per (SDKAppID, command).
 *   The limit in force, first match wins: HERALD_RATE_LIMIT (every command, every app; 0 = off),
 *   the app's value for the command, the app's "*" value, the command's documented default.
 * - Per official account (official-accounts.md §4.10): messages per second and per hour.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type { SendLimiter } from '../services/context.ts';
import type { AppRecord } from '../store/records.ts';
import { commandKey, type Command } from './command.ts';

/** Builds (and caches) the limiter for a number of points per window. */
export class Limiters {
  private readonly cache = new Map<string, RateLimiterAbstract>();

  constructor(private readonly redis: Redis | null) {}

  get(prefix: string, points: number, seconds: number, blockSeconds = 0): RateLimiterAbstract {
    const keyPrefix = `herald:${prefix}:${points}:${seconds}`;
    let limiter = this.cache.get(keyPrefix);
    if (limiter === undefined) {
      const options = { points, duration: seconds, keyPrefix, blockDuration: blockSeconds };
      const memory = new RateLimiterMemory(options);
      // If Redis is unreachable, limits fall back to this node's memory instead of failing calls.
      limiter = this.redis
        ? new RateLimiterRedis({ ...options, storeClient: this.redis, insuranceLimiter: memory })
        : memory;
      this.cache.set(keyPrefix, limiter);
    }
    return limiter;
  }
}

/** Charges one point; false when the window has none left. */
async function consume(limiter: RateLimiterAbstract, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (e) {
    if (e instanceof RateLimiterRes) return false;
    throw e;
  }
}

export function effectiveRate(override: number | null, app: AppRecord, command: Command): number {
  if (override !== null) return override;
  return app.rateLimits[commandKey(command.service, command.name)] ?? app.rateLimits['*'] ?? command.defaultRate;
}

export class RateLimits {
  constructor(
    private readonly limiters: Limiters,
    private readonly override: number | null,
  ) {}

  /** Counts the call; false when it is over the limit for the current second. */
  async allow(app: AppRecord, command: Command): Promise<boolean> {
    const rate = effectiveRate(this.override, app, command);
    if (rate === 0) return true;
    return consume(this.limiters.get('rate', rate, 1), `${app.sdkappid}:${commandKey(command.service, command.name)}`);
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
  constructor(
    private readonly limiters: Limiters,
    private readonly overrides: SendLimitOverrides = { perSecond: null, perHour: null },
  ) {}

  private windows(app: AppRecord): { limiter: RateLimiterAbstract; text: string }[] {
    const second = this.overrides.perSecond ?? app.sendPerSecond;
    const hour = this.overrides.perHour ?? app.sendPerHour;
    const windows = [];
    if (second > 0)
      windows.push({ limiter: this.limiters.get('sps', second, 1), text: `${second} message(s) per second` });
    if (hour > 0) windows.push({ limiter: this.limiters.get('sph', hour, 3600), text: `${hour} message(s) per hour` });
    return windows;
  }

  async allow(app: AppRecord, officialAccountId: string): Promise<string | null> {
    const key = `${app.sdkappid}:${officialAccountId}`;
    const charged: RateLimiterAbstract[] = [];
    for (const { limiter, text } of this.windows(app)) {
      if (!(await consume(limiter, key))) {
        // A refused send costs nothing: give back what the other windows took.
        for (const taken of charged) await taken.reward(key, 1);
        return `official account ${officialAccountId} may send at most ${text}`;
      }
      charged.push(limiter);
    }
    return null;
  }

  async refund(app: AppRecord, officialAccountId: string): Promise<void> {
    const key = `${app.sdkappid}:${officialAccountId}`;
    for (const { limiter } of this.windows(app)) await limiter.reward(key, 1);
  }
}

/**
 * Failed UserSig verifications per caller (client IP and SDKAppID): after `limit` failures
 * within a minute the caller gets 70050 ("retry after 1 minute") for a minute, without its sigs
 * even being checked, so keys cannot be guessed at speed. Failures are counted in the shared
 * limiter (Redis when configured); the verdict "blocked" is remembered locally, so the hot path
 * of a good caller costs no round trip. 0 switches this off.
 */
export class AuthFailureLimits {
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly limiters: Limiters,
    private readonly limit: number,
  ) {}

  blocked(caller: string): boolean {
    if (this.blockedUntil.size === 0) return false;
    const until = this.blockedUntil.get(caller);
    if (until === undefined) return false;
    if (Date.now() < until) return true;
    this.blockedUntil.delete(caller);
    return false;
  }

  async recordFailure(caller: string): Promise<void> {
    if (this.limit === 0) return;
    try {
      await this.limiters.get('authfail', this.limit, 60, 60).consume(caller);
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      if (this.blockedUntil.size > 100_000) this.blockedUntil.clear();
      this.blockedUntil.set(caller, Date.now() + e.msBeforeNext);
    }
  }
}
