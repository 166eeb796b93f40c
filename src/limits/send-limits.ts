/**
 * Per-official-account send limits (official-accounts.md §4.10; documented: 1 message/s and 2
 * broadcasts/hour), from HERALD_SEND_PER_SECOND / HERALD_SEND_PER_HOUR when set, else the app's
 * values; 0 = off.
 */
import type { AppRecord } from '../store/records.ts';
import { consume, type Limiters } from './limiters.ts';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

export interface SendLimitOverrides {
  perSecond: number | null;
  perHour: number | null;
}

export class AccountSendLimits {
  constructor(
    private readonly limiters: Limiters,
    private readonly overrides: SendLimitOverrides = { perSecond: null, perHour: null },
  ) {}

  private windows(app: AppRecord): { limiter: RateLimiterAbstract; text: string }[] {
    const second = this.overrides.perSecond ?? app.sendPerSecond;
    const hour = this.overrides.perHour ?? app.sendPerHour;
    const windows = [];
    if (second > 0) {
      const text = `${second} message(s) per second ${this.setting('second')}`;
      windows.push({ limiter: this.limiters.get('sps', second, 1), text });
    }
    if (hour > 0) {
      const text = `${hour} message(s) per hour ${this.setting('hour')}`;
      windows.push({ limiter: this.limiters.get('sph', hour, 3600), text });
    }
    return windows;
  }

  /** Names what sets a window, so a refused send says how to change it. */
  private setting(window: 'second' | 'hour'): string {
    const [env, option, flag] =
      window === 'second'
        ? ['HERALD_SEND_PER_SECOND', 'sendPerSecond', '--send-per-second']
        : ['HERALD_SEND_PER_HOUR', 'sendPerHour', '--send-per-hour'];
    const given = window === 'second' ? this.overrides.perSecond : this.overrides.perHour;
    return given !== null
      ? `(set by ${env} or startHerald({ ${option} }); 0 = no limit)`
      : `(the app's limit, Tencent's by default: herald app set ${flag} changes it; ${env}=0 or startHerald({ ${option}: 0 }) lifts it)`;
  }

  /** Charges one send; answers why it is refused (nothing charged then), or null. */
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

  /** Gives back what `allow` charged, for a send that turned out to store nothing. */
  async refund(app: AppRecord, officialAccountId: string): Promise<void> {
    const key = `${app.sdkappid}:${officialAccountId}`;
    for (const { limiter } of this.windows(app)) await limiter.reward(key, 1);
  }

  /** Forgets what these accounts have sent, so an account created again under the same ID starts afresh. */
  async forget(app: AppRecord, officialAccountIds: readonly string[]): Promise<void> {
    for (const { limiter } of this.windows(app)) {
      for (const id of officialAccountIds) await limiter.delete(`${app.sdkappid}:${id}`);
    }
  }
}
