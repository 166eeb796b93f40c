/**
 * Calls per app and command (platform.md §1.8): a fixed one-second window per (SDKAppID,
 * command). The limit in force, first match wins: HERALD_RATE_LIMIT (every command, every app;
 * 0 = off), the app's value for the command, the app's "*" value, the command's documented default.
 */
import { ApiError } from '../errors.ts';
import type { AppRecord } from '../store/records.ts';
import { consume, type Limiters } from './limiters.ts';

/** What a limit needs to know of a command. */
export interface LimitedCommand {
  /** "service/command", the key of per-command app settings. */
  readonly key: string;
  /** Documented calls per second per app. */
  readonly defaultRate: number;
}

export function effectiveRate(override: number | null, app: AppRecord, command: LimitedCommand): number {
  if (override !== null) return override;
  return app.rateLimits[command.key] ?? app.rateLimits['*'] ?? command.defaultRate;
}

export class RateLimits {
  constructor(
    private readonly limiters: Limiters,
    private readonly override: number | null,
  ) {}

  /** Counts the call; false when it is over the limit for the current second (true at once when there is none). */
  allow(app: AppRecord, command: LimitedCommand): boolean | Promise<boolean> {
    const rate = effectiveRate(this.override, app, command);
    if (rate === 0) return true;
    return consume(this.limiters.get('rate', rate, 1), `${app.sdkappid}:${command.key}`);
  }

  /** The 60007 for a call over the limit: Tencent's text, then the limit and what changes it. */
  refusal(app: AppRecord, command: LimitedCommand): ApiError {
    const rate = effectiveRate(this.override, app, command);
    const setting =
      this.override !== null
        ? 'set by HERALD_RATE_LIMIT or startHerald({ rateLimit }); 0 = no limit'
        : "the app's limit, Tencent's by default: herald app set --rate-limit changes it; HERALD_RATE_LIMIT=0 or startHerald({ rateLimit: 0 }) lifts it";
    return new ApiError(
      'rateLimited',
      `REST API call frequency exceeded: at most ${rate} calls per second for ${command.key} (${setting})`,
    );
  }
}
