/**
 * Who a console request comes from: the session cookie checked against its app's key, and, for
 * anything that changes state, the CSRF header. A refusal says what to do, never why a token was
 * wrong in detail.
 */
import type { AppRecord } from '../store/records.ts';
import type { Apps } from '../store/store.ts';
import { sessionTokenFrom } from './cookie.ts';
import { CSRF_HEADER } from './paths.ts';
import { csrfMatches, readClaims, type SessionClaims, tokenSignedBy } from './session-token.ts';

export interface ConsoleSession {
  app: AppRecord;
  admin: string;
  claims: SessionClaims;
}

export type GateResult = { ok: true; session: ConsoleSession } | { ok: false; status: 401 | 403; error: string };

export const NOT_SIGNED_IN = 'Not signed in';
export const SESSION_ENDED = 'The session has ended (expired, or the app or its key changed)';
export const BAD_CSRF = `Missing or wrong ${CSRF_HEADER} header: reload the console`;

export async function checkSession(
  headers: Record<string, string | string[] | undefined>,
  deps: { apps: Apps; now: number },
  changesState: boolean,
): Promise<GateResult> {
  const cookie = headers.cookie;
  const token = sessionTokenFrom(Array.isArray(cookie) ? cookie.join('; ') : cookie);
  if (token === undefined || token === '') return { ok: false, status: 401, error: NOT_SIGNED_IN };
  const claims = readClaims(token);
  if (claims === null) return { ok: false, status: 401, error: SESSION_ENDED };
  // Read from the store each time: a key changed or an admin removed ends the session at once.
  const app = await deps.apps.get(claims.sdkappid);
  if (
    app === undefined ||
    !tokenSignedBy(token, app.secretKey) ||
    claims.expiresAt <= deps.now ||
    !app.admins.includes(claims.admin)
  ) {
    return { ok: false, status: 401, error: SESSION_ENDED };
  }
  if (changesState) {
    const given = headers[CSRF_HEADER];
    if (typeof given !== 'string' || !csrfMatches(given, claims, app.secretKey)) {
      return { ok: false, status: 403, error: BAD_CSRF };
    }
  }
  return { ok: true, session: { app, admin: claims.admin, claims } };
}
