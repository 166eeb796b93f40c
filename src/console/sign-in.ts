/**
 * What the console's sign-in accepts: an app's secret key (the key picks the app; its first admin
 * operates), or an admin UserSig of any app of this Herald, verified exactly as a REST call's.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { decodeUserSig } from '../auth/usersig.ts';
import type { UserSigVerifier } from '../auth/verifier.ts';
import type { AppRecord } from '../store/records.ts';
import type { Apps } from '../store/store.ts';

export interface SignedIn {
  app: AppRecord;
  admin: string;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * The app whose key `secret` is. Every key is compared, each in constant time over fixed-length
 * digests, so neither the time taken nor an early exit tells how close a guess was or which app
 * it matched.
 */
function appOfKey(secret: string, apps: readonly AppRecord[]): AppRecord | undefined {
  const given = digest(secret);
  let found: AppRecord | undefined;
  for (const app of apps) if (timingSafeEqual(given, digest(app.secretKey)) && found === undefined) found = app;
  return found;
}

/** The app and admin a secret opens, or null. Reads apps from the store, so a changed key counts at once. */
export async function signIn(
  secret: string,
  deps: { apps: Apps; verifier: UserSigVerifier; now: number },
): Promise<SignedIn | null> {
  const byKey = appOfKey(secret, await deps.apps.list());
  if (byKey !== undefined) {
    const admin = byKey.admins[0];
    return admin === undefined ? null : { app: byKey, admin };
  }
  let claimed: { sdkappid: number; identifier: string };
  try {
    claimed = decodeUserSig(secret);
  } catch {
    return null;
  }
  const app = await deps.apps.get(claimed.sdkappid);
  if (app === undefined || !app.admins.includes(claimed.identifier)) return null;
  try {
    deps.verifier.verify({
      sdkappid: app.sdkappid,
      identifier: claimed.identifier,
      userSig: secret,
      secretKey: app.secretKey,
      now: deps.now,
    });
  } catch {
    return null;
  }
  return { app, admin: claimed.identifier };
}
