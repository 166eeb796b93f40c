/** The apps a start asks for: created, updated, or (with none asked for) the default app. */
import type { HeraldConfig } from '../config.ts';
import type { AppRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { newApp, saveApp } from './apps.ts';

type AppSettings = Pick<HeraldConfig, 'apps' | 'defaultAppWebhook' | 'defaultAppAdmins'>;

/**
 * With `apps` given, each is created or updated (the configured key and admins win over what is
 * stored; other settings are kept unless given). Without, the store's apps are kept; when it has
 * none a default app is created, and the default app's webhook and admins follow the settings.
 */
export async function seedApps(
  store: Store,
  settings: AppSettings,
  now: number,
): Promise<{ apps: AppRecord[]; created: boolean }> {
  if (settings.apps.length === 0) return defaultApp(store, settings, now);
  const apps: AppRecord[] = [];
  for (const seed of settings.apps) {
    const existing = seed.sdkappid !== undefined ? await store.apps.get(seed.sdkappid) : undefined;
    const app: AppRecord = existing
      ? {
          ...existing,
          secretKey: seed.secretKey ?? existing.secretKey,
          admins: seed.admins ?? existing.admins,
          ...(seed.maxOfficialAccounts !== undefined && { maxOfficialAccounts: seed.maxOfficialAccounts }),
          ...(seed.officialAccountEnabled !== undefined && { officialAccountEnabled: seed.officialAccountEnabled }),
          ...(seed.rateLimits !== undefined && { rateLimits: seed.rateLimits }),
          ...(seed.sendPerSecond !== undefined && { sendPerSecond: seed.sendPerSecond }),
          ...(seed.sendPerHour !== undefined && { sendPerHour: seed.sendPerHour }),
          ...(seed.webhook !== undefined && { webhook: { ...existing.webhook, ...seed.webhook } }),
        }
      : newApp(seed, now);
    await saveApp(store, app, now);
    apps.push(app);
  }
  return { apps, created: false };
}

/**
 * The app a start that names none serves and shows in its banner (and `herald usersig` signs
 * for): the oldest, the lowest SDKAppID among apps created in the same second.
 */
export function byAge(apps: readonly AppRecord[]): AppRecord[] {
  return [...apps].sort((a, b) => a.createdAt - b.createdAt || a.sdkappid - b.sdkappid);
}

async function defaultApp(store: Store, settings: AppSettings, now: number) {
  const existing = byAge(await store.apps.list());
  const first = existing[0];
  const { defaultAppWebhook: webhook, defaultAppAdmins: admins } = settings;
  if (first === undefined) {
    const app = newApp({ ...(webhook && { webhook }), ...(admins && { admins }) }, now);
    await saveApp(store, app, now);
    return { apps: [app], created: true };
  }
  if (webhook || admins) {
    existing[0] = {
      ...first,
      ...(webhook && { webhook: { ...first.webhook, ...webhook } }),
      ...(admins && { admins }),
    };
    await saveApp(store, existing[0], now);
  }
  return { apps: existing, created: false };
}
