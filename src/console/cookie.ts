/**
 * The session cookie, written by hand (one cookie, fixed flags; no dependency needed): HttpOnly
 * so page scripts never see the token, SameSite=Strict so other sites cannot send it, scoped to
 * /console so REST calls never carry it, and Secure whenever Herald serves HTTPS.
 */
import { CONSOLE_PATH, SESSION_COOKIE } from './paths.ts';
import { SESSION_SECONDS } from './session-token.ts';

function attributes(maxAge: number, secure: boolean): string {
  return `HttpOnly; SameSite=Strict; Path=${CONSOLE_PATH}; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; ${attributes(SESSION_SECONDS, secure)}`;
}

export function clearedCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; ${attributes(0, secure)}`;
}

/** The session token from a Cookie header, if it carries one. */
export function sessionTokenFrom(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}
