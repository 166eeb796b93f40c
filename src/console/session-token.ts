/**
 * The console's session token, stateless so that any node of a deployment accepts it:
 * base64url(JSON {a: SDKAppID, i: admin, e: expiry in Unix seconds, n: nonce}) "." HMAC-SHA256 of
 * that text. The HMAC key is derived from the app's secret key, so changing the key voids every
 * session of the app, and no key is ever stored or sent. The CSRF token is an HMAC of the nonce
 * under another derived key: the page reads it from the session answer (the cookie is HttpOnly).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Twelve hours: a working day at the console, then sign in again. */
export const SESSION_SECONDS = 12 * 3600;

export interface SessionClaims {
  sdkappid: number;
  admin: string;
  /** Unix seconds. */
  expiresAt: number;
  nonce: string;
}

/** A key of its own per use, so a token's MAC can never stand in for a CSRF token or a UserSig. */
function derivedKey(secretKey: string, use: 'session' | 'csrf'): Buffer {
  return createHmac('sha256', secretKey).update(`herald-console-${use}`).digest();
}

function mac(secretKey: string, use: 'session' | 'csrf', text: string): string {
  return createHmac('sha256', derivedKey(secretKey, use)).update(text).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function newSession(sdkappid: number, admin: string, now: number): SessionClaims {
  return { sdkappid, admin, expiresAt: now + SESSION_SECONDS, nonce: randomBytes(16).toString('base64url') };
}

export function signSession(claims: SessionClaims, secretKey: string): string {
  const payload = Buffer.from(
    JSON.stringify({ a: claims.sdkappid, i: claims.admin, e: claims.expiresAt, n: claims.nonce }),
  ).toString('base64url');
  return `${payload}.${mac(secretKey, 'session', payload)}`;
}

/** What a token claims, read without checking it (the claims name the app whose key checks it). */
export function readClaims(token: string): SessionClaims | null {
  const [payload, signature, extra] = token.split('.');
  if (payload === undefined || signature === undefined || extra !== undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const { a, i, e, n } = (parsed ?? {}) as Record<string, unknown>;
  if (!Number.isSafeInteger(a) || typeof i !== 'string' || !Number.isSafeInteger(e) || typeof n !== 'string')
    return null;
  return { sdkappid: a as number, admin: i, expiresAt: e as number, nonce: n };
}

/** Whether `token` was signed with `secretKey` (constant time). */
export function tokenSignedBy(token: string, secretKey: string): boolean {
  const dot = token.indexOf('.');
  if (dot < 0) return false;
  return sameText(token.slice(dot + 1), mac(secretKey, 'session', token.slice(0, dot)));
}

export function csrfToken(claims: SessionClaims, secretKey: string): string {
  return mac(secretKey, 'csrf', claims.nonce);
}

export function csrfMatches(given: string, claims: SessionClaims, secretKey: string): boolean {
  return sameText(given, csrfToken(claims, secretKey));
}
