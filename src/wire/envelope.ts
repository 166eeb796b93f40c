/** The Tencent envelope: every answer carries ActionStatus, ErrorCode and ErrorInfo. */
import { ERRORS, type ErrorCode } from '../errors.ts';

export interface Envelope {
  ActionStatus: 'OK' | 'FAIL';
  ErrorCode: number;
  ErrorInfo: string;
  [field: string]: unknown;
}

export function ok(fields: Record<string, unknown> = {}): Envelope {
  return { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0, ...fields };
}

export function fail(code: ErrorCode | number, info?: string): Envelope {
  return { ActionStatus: 'FAIL', ErrorInfo: info ?? (ERRORS as Record<number, string>)[code] ?? '', ErrorCode: code };
}
