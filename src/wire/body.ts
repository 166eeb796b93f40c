/**
 * Reading a request body: UTF-8 JSON object (60003 otherwise), prototype keys dropped, and the
 * parsed value checked before anything uses it: at most MAX_DEPTH levels of nesting (deeper
 * values overflow the stack when serialised again), and strings (keys too) that both stores can
 * keep as they are: no NUL (PostgreSQL text refuses it) and no lone UTF-16 surrogates (they
 * cannot be stored as UTF-8 and would come back altered), except inside fields kept as JSON.
 */
import sjson from 'secure-json-parse';
import { ApiError, badBody, type ErrorName } from '../errors.ts';

export const MAX_DEPTH = 100;
const utf8 = new TextDecoder('utf-8', { fatal: true });
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this must find (PostgreSQL text cannot hold it).
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function parseBody(body: Buffer | undefined): Record<string, unknown> {
  if (body === undefined || body.length === 0)
    throw badBody('request body is empty; send {} when a command needs no fields');
  let parsed: unknown;
  try {
    parsed = sjson.parse(utf8.decode(body), undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch {
    throw badBody('request body is not valid UTF-8 JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw badBody('request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * Fields stored as JSON text, where JSON's own escapes keep any string safe: Tencent's own
 * send sample puts "abc\u0000\u0001" in a TIMFaceElem's Data, and it must come back as sent.
 */
const STORED_AS_JSON = new Set(['MsgBody', 'OfflinePushInfo']);

/** Throws 60003 for nesting deeper than MAX_DEPTH, `invalidError` for an unstorable string. */
export function checkBodyValues(body: Record<string, unknown>, invalidError: ErrorName): void {
  // Iterative, so a hostile depth cannot overflow the stack here either.
  const stack: [unknown, number, boolean][] = Object.entries(body).map(([key, value]) => {
    if (UNSTORABLE.test(key))
      throw new ApiError(invalidError, 'keys must not contain NUL characters or unpaired surrogates');
    return [value, 2, STORED_AS_JSON.has(key)];
  });
  while (stack.length > 0) {
    const [value, depth, asJson] = stack.pop() as [unknown, number, boolean];
    if (typeof value === 'string') {
      if (!asJson && UNSTORABLE.test(value))
        throw new ApiError(invalidError, 'strings must not contain NUL characters or unpaired surrogates');
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_DEPTH) throw badBody(`request body nests deeper than ${MAX_DEPTH} levels`);
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, depth + 1, asJson]);
    } else {
      for (const [key, item] of Object.entries(value)) {
        if (!asJson && UNSTORABLE.test(key))
          throw new ApiError(invalidError, 'keys must not contain NUL characters or unpaired surrogates');
        stack.push([item, depth + 1, asJson]);
      }
    }
  }
}
