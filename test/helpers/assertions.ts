/** The assertions every test file uses on Tencent envelopes, and byte-exact strings for limits. */
import assert from 'node:assert/strict';
import type { Envelope } from './harness.ts';

/** A success envelope; answers it, so a call can be checked and used in one expression. */
export function assertOk(res: Envelope): Envelope {
  assert.equal(res.ErrorCode, 0, `expected OK, got ${JSON.stringify(res).slice(0, 500)}`);
  assert.equal(res.ActionStatus, 'OK');
  assert.equal(res.ErrorInfo, '');
  return res;
}

export interface FailExpectations {
  /** ErrorInfo must contain this text or match this pattern. */
  info?: RegExp | string | undefined;
  /** ErrorInfo must be exactly this (an app-defined refusal passes the app's text on as it is). */
  exactInfo?: string;
  /** Response fields a failure must not carry (a refused send has no MsgKey, …). */
  absent?: readonly string[];
  /** Prefix for the assertion message. */
  context?: string;
}

export function assertFail(res: Envelope, code: number, expect: FailExpectations = {}): void {
  const context = expect.context ? `${expect.context}: ` : '';
  assert.equal(res.ErrorCode, code, `${context}expected ${code}, got ${JSON.stringify(res).slice(0, 500)}`);
  assert.equal(res.ActionStatus, 'FAIL');
  assert.equal(typeof res.ErrorInfo, 'string');
  assert.notEqual(res.ErrorInfo, '');
  for (const field of expect.absent ?? [])
    assert.equal(res[field], undefined, `${context}a failure carries no ${field}`);
  if (expect.exactInfo !== undefined) assert.equal(res.ErrorInfo, expect.exactInfo);
  if (typeof expect.info === 'string')
    assert.ok(
      res.ErrorInfo.includes(expect.info),
      `ErrorInfo ${JSON.stringify(res.ErrorInfo)} should name ${expect.info}`,
    );
  else if (expect.info) assert.match(res.ErrorInfo, expect.info);
}

/** A string of exactly `bytes` UTF-8 bytes: as many `unit`s as fit, padded with ASCII. */
export function exactBytes(bytes: number, unit: string): string {
  const unitBytes = Buffer.byteLength(unit);
  const count = Math.floor(bytes / unitBytes);
  const text = unit.repeat(count) + 'a'.repeat(bytes - count * unitBytes);
  assert.equal(Buffer.byteLength(text), bytes);
  return text;
}
