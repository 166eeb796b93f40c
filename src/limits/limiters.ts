/**
 * Counters behind every limit, from rate-limiter-flexible: in memory for one node, or in Redis
 * so that every node shares them (HERALD_REDIS_URL).
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

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
export async function consume(limiter: RateLimiterAbstract, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (e) {
    if (e instanceof RateLimiterRes) return false;
    throw e;
  }
}

export { RateLimiterRes };
