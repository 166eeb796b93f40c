/**
 * Failed UserSig verifications per caller (client IP and SDKAppID): after `limit` failures
 * within a minute the caller gets 70050 ("retry after 1 minute") for a minute, without its sigs
 * even being checked, so keys cannot be guessed at speed. Failures are counted in the shared
 * limiter (Redis when configured); the verdict "blocked" is remembered locally, so the hot path
 * of a good caller costs no round trip. 0 switches this off.
 */
import { type Limiters, RateLimiterRes } from './limiters.ts';

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
