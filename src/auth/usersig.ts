/**
 * TLSSigAPIv2 UserSig codec (platform.md §3): JSON document → zlib → base64 with
 * `+/=` replaced by `*-_`. The signature is HMAC-SHA256 over fixed "TLS.<field>:<value>\n"
 * lines, keyed with the secret key string's bytes (never hex-decoded).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { type ApiError, userSigUnreadable } from '../errors.ts';

export interface SigDocument {
  identifier: string;
  sdkappid: number;
  time: number;
  expire: number;
  userbuf: string | undefined;
  sig: string;
}

const SIG_ALPHABET = /^[A-Za-z0-9*_-]+$/;
/** A genuine document is ~200 bytes; refuse to inflate anything absurd. */
const MAX_DOCUMENT_BYTES = 16 * 1024;

function invalid(why: string): ApiError {
  return userSigUnreadable(why);
}

function integerField(doc: Record<string, unknown>, name: string): number {
  const value = doc[name];
  // Reference verifiers accept numbers; numeric strings are tolerated too (platform.md §3.5).
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw invalid(`${name} is missing or not an integer`);
  return n;
}

export function decodeUserSig(userSig: string): SigDocument {
  if (!SIG_ALPHABET.test(userSig)) throw invalid('unexpected characters');
  const base64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  let json: string;
  try {
    json = inflateSync(Buffer.from(base64, 'base64'), { maxOutputLength: MAX_DOCUMENT_BYTES }).toString('utf8');
  } catch {
    throw invalid('not a zlib stream');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw invalid('not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('not a JSON object');
  const doc = parsed as Record<string, unknown>;
  if ('TLS.sdk_appid' in doc && !('TLS.ver' in doc)) throw invalid('legacy v1 (ECDSA) UserSigs are not supported');
  const identifier = doc['TLS.identifier'];
  const sig = doc['TLS.sig'];
  const userbuf = doc['TLS.userbuf'];
  if (typeof identifier !== 'string') throw invalid('TLS.identifier is missing');
  if (typeof sig !== 'string') throw invalid('TLS.sig is missing');
  if (userbuf !== undefined && typeof userbuf !== 'string') throw invalid('TLS.userbuf is not a string');
  return {
    identifier,
    sdkappid: integerField(doc, 'TLS.sdkappid'),
    time: integerField(doc, 'TLS.time'),
    expire: integerField(doc, 'TLS.expire'),
    userbuf,
    sig,
  };
}

/** HMAC-SHA256 over the §3.3 lines; returns the raw 32-byte digest. */
export function signDocument(secretKey: string, doc: Omit<SigDocument, 'sig'>): Buffer {
  let content = `TLS.identifier:${doc.identifier}\nTLS.sdkappid:${doc.sdkappid}\nTLS.time:${doc.time}\nTLS.expire:${doc.expire}\n`;
  if (doc.userbuf !== undefined) content += `TLS.userbuf:${doc.userbuf}\n`;
  return createHmac('sha256', secretKey).update(content, 'utf8').digest();
}

/** Constant-time comparison of the document's TLS.sig with the HMAC under `secretKey`. */
export function signatureMatches(secretKey: string, doc: SigDocument): boolean {
  const expected = signDocument(secretKey, doc);
  const given = Buffer.from(doc.sig, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Issues a UserSig exactly as Tencent's Node library does (same key order, default zlib), valid
 * for `expireSeconds` (default one day) from `now` (Unix seconds; default the current time).
 */
export function issueUserSig(
  secretKey: string,
  sdkappid: number,
  identifier: string,
  expireSeconds = 86_400,
  now: number = Math.floor(Date.now() / 1000),
): string {
  const doc = { identifier, sdkappid, time: now, expire: expireSeconds, userbuf: undefined };
  const sig = signDocument(secretKey, doc).toString('base64');
  const json = JSON.stringify({
    'TLS.ver': '2.0',
    'TLS.identifier': identifier,
    'TLS.sdkappid': sdkappid,
    'TLS.time': now,
    'TLS.expire': expireSeconds,
    'TLS.sig': sig,
  });
  return deflateSync(Buffer.from(json, 'utf8'))
    .toString('base64')
    .replace(/\+/g, '*')
    .replace(/\//g, '-')
    .replace(/=/g, '_');
}
