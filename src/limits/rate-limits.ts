/**
 * Calls per app and command (platform.md §1.8): a fixed one-second window per (SDKAppID,
 * command). The limit in force, first match wins: HERALD_RATE_LIMIT (every command, every app;
 * 0 = off), the app's value for the command, the app's "*" value, the command's documented default.
 */
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

  /** Counts the call; false when it is over the limit for the current second. */
  async allow(app: AppRecord, command: LimitedCommand): Promise<boolean> {
    const rate = effectiveRate(this.override, app, command);
    if (rate === 0) return true;
    return consume(this.limiters.get('rate', rate, 1), `${app.sdkappid}:${command.key}`);
  }
}
