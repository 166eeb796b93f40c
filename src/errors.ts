/**
 * The one error catalog. Every code Herald can answer with lives here, with the default
 * ErrorInfo it carries. Layers throw `ApiError(code)` (optionally with a more specific info);
 * nothing else invents codes or messages.
 */
export const ERRORS = {
  // Gateway / request (platform.md §2.1)
  60002: 'HTTP request could not be parsed; check the URL and method (POST)',
  60003: 'request body is not a valid JSON object',
  60006: 'SDKAppID is invalid',
  60007: 'REST API call frequency exceeded',
  60009: 'request resource error: unknown service or command',
  60010: 'request requires App admin permissions',
  60012: 'SDKAppID is missing from the URL',
  60016: 'SDKAppID is disabled',
  60025: 'SDKAppID, identifier, usersig or contenttype is wrong in the URL',
  // UserSig (platform.md §2.2, §3.5)
  70001: 'UserSig expired; generate a new one',
  70003: 'UserSig is invalid and could not be parsed',
  70009: "UserSig verification failed; check that it was generated with this app's secret key",
  70013: 'identifier in the URL does not match the identifier the UserSig was issued for',
  70014: 'sdkappid in the URL does not match the SDKAppID the UserSig was issued for',
  70016: 'no secret key exists for this SDKAppID',
  70050: 'too many failed UserSig verifications; retry after 1 minute',
  // Messages (platform.md §5.4)
  80002: 'message content is too long; at most 12 KB',
  80003: 'the before webhook failed or timed out and the app refuses on webhook failure',
  // Accounts (platform.md §4)
  40601: 'profile field value exceeds 500 bytes',
  70107: 'Err_TLS_PT_Open_Login_Account_Not_Exist',
  70402: 'invalid parameter',
  70403: 'request requires App admin permissions',
  70500: 'internal server error',
  71000: 'account deletion is not allowed for this account',
  // Official accounts (official-accounts.md §6)
  6017: 'invalid request parameter',
  10004: 'internal server error; retry',
  20001: 'invalid request packet',
  10016: 'the app backend refused the message (before-send webhook)',
  20006: 'the app backend refused the request (before webhook)',
  130002: 'not enough permission for the operation',
  130004: 'official account does not exist or has been destroyed',
  130007: 'official account user ID is incorrect',
  130008: 'official account user ID is already in use',
  130010: 'number of created official accounts exceeds the app limit',
  131000: 'official account service is not enabled for this SDKAppID',
} as const satisfies Record<number, string>;

export type ErrorCode = keyof typeof ERRORS;

export function errorInfo(code: ErrorCode): string {
  return ERRORS[code];
}

/** App-defined codes a "before" webhook may return; they are passed to the caller as they are. */
export const PASSTHROUGH_CODES = { min: 120001, max: 130000 } as const;

export function isPassthroughCode(code: number): boolean {
  return Number.isInteger(code) && code >= PASSTHROUGH_CODES.min && code <= PASSTHROUGH_CODES.max;
}

/** A code in 120001–130000 chosen by the app's before webhook (checked by `appDefinedCode`). */
export type AppDefinedCode = number & { readonly appDefined: true };

export function appDefinedCode(code: number): AppDefinedCode {
  if (!isPassthroughCode(code)) throw new RangeError(`${code} is not an app-defined webhook code`);
  return code as AppDefinedCode;
}

/** A failure that is answered with the Tencent envelope (always HTTP 200). */
export class ApiError extends Error {
  readonly code: number;
  readonly info: string;
  constructor(code: ErrorCode, info?: string);
  /** An app-defined code from a before webhook, with the app's own ErrorInfo. */
  constructor(code: AppDefinedCode, info: string);
  constructor(code: ErrorCode | AppDefinedCode, info?: string) {
    const text = info ?? (ERRORS as Record<number, string>)[code] ?? '';
    super(`${code}: ${text}`);
    this.code = code;
    this.info = text;
  }
}
