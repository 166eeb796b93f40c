/**
 * The access-log line of one call, whichever door it came in by (REST, or the web console), so
 * both write the same fields, count in the same metrics and name unknown body fields the same way.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CallOutcome } from './pipeline.ts';

/** Names the body fields a command ignored (HERALD_UNKNOWN_FIELDS=warn). */
export const UNKNOWN_FIELDS_HEADER = 'x-herald-unknown-fields';

/** At most this many names in the header (the log line has them all). */
const MAX_HEADER_FIELDS = 20;

/**
 * The header's value: the names percent-encoded (a field name may hold any character, and a
 * header only printable ASCII), comma-separated, the list cut short with "..." beyond the cap.
 */
export function unknownFieldsHeader(paths: readonly string[]): string {
  const encode = (ch: string) =>
    [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  // Printable ASCII stays as it is, except the separator and the escape character.
  const names = paths.slice(0, MAX_HEADER_FIELDS).map((p) => p.replace(/[^\x21-\x24\x26-\x2b\x2d-\x7e]/gu, encode));
  return names.join(', ') + (paths.length > MAX_HEADER_FIELDS ? ', ...' : '');
}

/** The log levels at which the access line (info) is written. */
const WRITES_INFO = new Set(['info', 'debug', 'trace']);

/** Told of every call as its access-log line has it (metrics). */
export type CallObserver = (service: string, command: string, code: number, ms: number) => void;

export interface CallReport {
  service: string;
  command: string;
  /** performance.now() when the call arrived. */
  started: number;
  outcome: CallOutcome;
  /** Extra fields of the line (the console marks its calls). */
  extra?: Record<string, unknown>;
}

/** Writes the call's log line, tells the observer, and sets the unknown-fields header. */
export function reportCall(
  request: FastifyRequest,
  reply: FastifyReply,
  report: CallReport,
  onCall: CallObserver | undefined,
): void {
  const { outcome } = report;
  const code = outcome.envelope.ErrorCode;
  const ms = Math.round((performance.now() - report.started) * 100) / 100;
  onCall?.(report.service, report.command, code, ms);
  const line = () => ({
    service: report.service,
    command: report.command,
    sdkappid: outcome.sdkappid,
    operator: outcome.operator,
    code,
    ms,
    ...report.extra,
  });
  if (outcome.internalError !== undefined) request.log.error({ ...line(), err: outcome.internalError }, 'call failed');
  else if (outcome.unknownFields !== undefined) {
    // Tencent ignores fields it does not know; a typo then passes unnoticed, so say so.
    request.log.warn({ ...line(), unknownFields: outcome.unknownFields }, 'call with unknown fields');
    reply.header(UNKNOWN_FIELDS_HEADER, unknownFieldsHeader(outcome.unknownFields));
  } else if (WRITES_INFO.has(request.log.level)) {
    // Built only when written: at the default level (warn) a call costs no log object.
    request.log.info(line(), 'call');
  }
}
