/**
 * The error codes a command can answer that follow from its declaration alone: the checks every
 * call goes through, in the pipeline's order (pipeline.ts, auth/verifier.ts), with the command's
 * own admin, body and internal-error codes. The refusals of a command's rules (an unknown
 * official account, a message too long, …) live in services/ and are not listed here.
 */
import { CATALOG, type ErrorName } from '../../errors.ts';
import type { Command } from '../command.ts';

export interface ErrorCodeEntry {
  code: number;
  /** The default ErrorInfo; most refusals name the field or rule instead. */
  info: string;
}

export function declaredErrors(command: Command): ErrorCodeEntry[] {
  const names: ErrorName[] = [
    'unparseableRequest',
    'sdkAppIdMissing',
    'unknownSdkAppId',
    'badQuery',
    'tooManyAuthFailures',
    'userSigUnreadable',
    'sdkAppIdMismatch',
    'identifierMismatch',
    'userSigExpired',
    'userSigMismatch',
    command.adminError,
    ...(command.needsOfficialAccountService ? (['officialAccountServiceOff'] as const) : []),
    'rateLimited',
    'badBody',
    command.invalidError,
    command.internalError,
  ];
  return names.map((name) => ({ code: CATALOG[name].code, info: CATALOG[name].info }));
}
