/**
 * The app `herald usersig` signs for: the one --sdkappid names, else the one HERALD_SDKAPPID
 * names (the app `herald serve` runs with that configuration), else the default app, which
 * `herald serve` shows in its banner when no app is configured. A UserSig for another app than
 * the user expects fails only later, at the server, so every choice that is not spelled out says
 * so on stderr.
 */
import { ConfigError } from '../config.ts';
import type { AppRecord } from '../store/records.ts';
import { byAge } from './seed-apps.ts';

export interface AppChoice {
  app: AppRecord;
  /** Said on stderr when the app was picked among several without being named. */
  note?: string;
}

function listed(apps: readonly AppRecord[]): string {
  return apps.length === 0 ? 'none' : apps.map((a) => a.sdkappid).join(', ');
}

export function chooseApp(
  apps: readonly AppRecord[],
  named: { flag?: number | undefined; env?: number | undefined },
): AppChoice {
  if (named.flag !== undefined) {
    const app = apps.find((a) => a.sdkappid === named.flag);
    if (app === undefined)
      throw new ConfigError(`--sdkappid ${named.flag} is not an app here (apps: ${listed(apps)}); choose one of them`);
    return { app };
  }
  if (named.env !== undefined) {
    const app = apps.find((a) => a.sdkappid === named.env);
    if (app === undefined) {
      throw new ConfigError(
        `HERALD_SDKAPPID ${named.env} is not an app here yet (apps: ${listed(apps)}): start herald serve with it once, or choose an app with --sdkappid`,
      );
    }
    return { app };
  }
  const [app] = byAge(apps);
  if (app === undefined)
    throw new ConfigError('there is no app here yet: start herald serve once, or add one with herald app add');
  if (apps.length === 1) return { app };
  return {
    app,
    note: `signed for ${app.sdkappid}, the default app of herald serve (apps: ${listed(apps)}); choose another with --sdkappid`,
  };
}
