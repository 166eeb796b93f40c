/**
 * The one error catalog. Every code Herald answers with is an entry here: a name, the code and
 * the default ErrorInfo. Code elsewhere never writes a code number: it throws what one of the
 * factories below builds (`officialAccountNotFound(id)`, `invalidParameter(why)`, …), or names a
 * catalog entry (`new ApiError('adminRequired')`). The README's error-code table is checked
 * against this catalog by a test.
 */

interface CatalogEntry {
  readonly code: number;
  readonly info: string;
}

export const CATALOG = {
  // Gateway / request (platform.md §2.1)
  unparseableRequest: { code: 60002, info: 'HTTP request could not be parsed; check the URL and method (POST)' },
  badBody: { code: 60003, info: 'request body is not a valid JSON object' },
  unknownSdkAppId: { code: 60006, info: 'SDKAppID is invalid' },
  rateLimited: { code: 60007, info: 'REST API call frequency exceeded' },
  unknownResource: { code: 60009, info: 'request resource error: unknown service or command' },
  adminRequired: { code: 60010, info: 'request requires App admin permissions' },
  sdkAppIdMissing: { code: 60012, info: 'SDKAppID is missing from the URL' },
  badQuery: { code: 60025, info: 'SDKAppID, identifier, usersig or contenttype is wrong in the URL' },
  // UserSig (platform.md §2.2, §3.5)
  userSigExpired: { code: 70001, info: 'UserSig expired; generate a new one' },
  userSigUnreadable: { code: 70003, info: 'UserSig is invalid and could not be parsed' },
  userSigMismatch: {
    code: 70009,
    info: "UserSig verification failed; check that it was generated with this app's secret key",
  },
  identifierMismatch: {
    code: 70013,
    info: 'identifier in the URL does not match the identifier the UserSig was issued for',
  },
  sdkAppIdMismatch: { code: 70014, info: 'sdkappid in the URL does not match the SDKAppID the UserSig was issued for' },
  tooManyAuthFailures: { code: 70050, info: 'too many failed UserSig verifications; retry after 1 minute' },
  // Messages (platform.md §5.4)
  messageTooLong: { code: 80002, info: 'message content is too long; at most 12 KB' },
  beforeWebhookFailed: {
    code: 80003,
    info: 'the before webhook failed or timed out and the app refuses on webhook failure',
  },
  // Accounts (platform.md §4)
  profileValueTooLong: { code: 40601, info: 'profile field value exceeds 500 bytes' },
  accountNotFound: { code: 70107, info: 'Err_TLS_PT_Open_Login_Account_Not_Exist' },
  invalidAccountParameter: { code: 70402, info: 'invalid parameter' },
  accountAdminRequired: { code: 70403, info: 'request requires App admin permissions' },
  accountInternalError: { code: 70500, info: 'internal server error' },
  accountUndeletable: { code: 71000, info: 'account deletion is not allowed for this account' },
  // Official accounts (official-accounts.md §6)
  invalidParameter: { code: 6017, info: 'invalid request parameter' },
  internalError: { code: 10004, info: 'internal server error; retry' },
  sendRefusedByApp: { code: 10016, info: 'the app backend refused the message (before-send webhook)' },
  refusedByApp: { code: 20006, info: 'the app backend refused the request (before webhook)' },
  notPermitted: { code: 130002, info: 'not enough permission for the operation' },
  officialAccountNotFound: { code: 130004, info: 'official account does not exist or has been destroyed' },
  badOfficialAccountId: { code: 130007, info: 'official account user ID is incorrect' },
  officialAccountIdTaken: { code: 130008, info: 'official account user ID is already in use' },
  tooManyOfficialAccounts: { code: 130010, info: 'number of created official accounts exceeds the app limit' },
  officialAccountServiceOff: { code: 131000, info: 'official account service is not enabled for this SDKAppID' },
  // Inferred (compatibility notes): a device subscribing to a full account; Tencent's group-full code.
  subscriberLimitReached: {
    code: 10014,
    info: 'the official account has as many subscribers as MaxSubscriberNum allows',
  },
  // openim (platform.md §1.6)
  openimAdminRequired: { code: 90009, info: 'request requires App admin permissions' },
  // The subscriber channel: Tencent's client SDK code for a call made before login.
  notLoggedIn: { code: 6014, info: 'not logged in: send a login frame first' },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorName = keyof typeof CATALOG;
export type ErrorCode = (typeof CATALOG)[ErrorName]['code'];

/** Code → default ErrorInfo, for the library API and the README check. */
export const ERRORS: Readonly<Record<ErrorCode, string>> = Object.fromEntries(
  Object.values(CATALOG).map((entry) => [entry.code, entry.info]),
) as Record<ErrorCode, string>;

/** App-defined codes a "before" webhook may return; they are passed to the caller as they are. */
export const APP_DEFINED_CODES = { min: 120001, max: 130000 } as const;

export function isAppDefinedCode(code: number): boolean {
  return Number.isInteger(code) && code >= APP_DEFINED_CODES.min && code <= APP_DEFINED_CODES.max;
}

/** A failure that is answered with the Tencent envelope (always HTTP 200). */
export class ApiError extends Error {
  readonly code: number;
  readonly info: string;

  /** A catalog entry, with a more specific ErrorInfo when one helps the caller. */
  constructor(name: ErrorName, info?: string) {
    const entry: CatalogEntry = CATALOG[name];
    const text = info ?? entry.info;
    super(`${entry.code}: ${text}`);
    this.code = entry.code;
    this.info = text;
  }
}

/** A refusal with a code in 120001–130000 chosen by the app's before webhook, passed on as it is. */
export class AppDefinedError extends ApiError {
  override readonly code: number;

  constructor(code: number, info: string) {
    if (!isAppDefinedCode(code)) throw new RangeError(`${code} is not an app-defined webhook code`);
    super('refusedByApp', info);
    this.code = code;
    this.message = `${code}: ${info}`;
  }
}

// Factories, one per situation, so a message is written once and call sites say what happened.

export const methodNotAllowed = (method: string) =>
  new ApiError('unparseableRequest', `method ${method} is not allowed; use POST`);
export const unparseableRequest = () => new ApiError('unparseableRequest', 'HTTP request could not be parsed');
export const badBody = (why: string) => new ApiError('badBody', why);
export const bodyTooLarge = (limit: number) => new ApiError('badBody', `request body exceeds ${limit} bytes`);
export const unknownSdkAppId = (raw: string) =>
  new ApiError('unknownSdkAppId', `SDKAppID ${raw} is not an app on this server`);
export const sendLimited = (why: string) => new ApiError('rateLimited', why);
export const unknownCommand = (service: string, command: string) =>
  new ApiError('unknownResource', `unknown command ${service}/${command}`);
export const unknownPath = () =>
  new ApiError('unknownResource', 'request resource error: use POST /v4/<service>/<command>');
export const badQuery = (why: string) => new ApiError('badQuery', why);

export const userSigVoided = () =>
  new ApiError('userSigExpired', 'UserSig was issued before the user was kicked; generate a new one');
export const userSigUnreadable = (why: string) =>
  new ApiError('userSigUnreadable', `UserSig is invalid and could not be parsed: ${why}`);

export const messageTooLong = (size: number, max: number) =>
  new ApiError('messageTooLong', `message content is ${size} bytes; at most ${max}`);
export const beforeWebhookFailed = (command: string, why: string) =>
  new ApiError('beforeWebhookFailed', `${command} failed (${why}) and the app refuses on webhook failure`);

export const profileValueTooLong = (why: string) => new ApiError('profileValueTooLong', why);
export const invalidAccountParameter = (why: string) => new ApiError('invalidAccountParameter', why);
export const accountNotFound = (userId: string) =>
  new ApiError('accountNotFound', `"${userId}" is not an imported account (Err_TLS_PT_Open_Login_Account_Not_Exist)`);

export const invalidParameter = (why: string) => new ApiError('invalidParameter', why);
export const notSubscriber = (userId: string, officialAccountId: string) =>
  new ApiError('notPermitted', `"${userId}" is not a subscriber of official account "${officialAccountId}"`);
export const officialAccountNotFound = (id: string) =>
  new ApiError('officialAccountNotFound', `official account "${id}" does not exist`);
export const badOfficialAccountId = (id: string, problem: string) =>
  new ApiError('badOfficialAccountId', `OfficialAccountUserID "${id}" ${problem}`);
export const officialAccountIdTaken = (id: string) =>
  new ApiError('officialAccountIdTaken', `OfficialAccountUserID "${id}" is already in use`);
export const subscriberLimitReached = (id: string) =>
  new ApiError('subscriberLimitReached', `official account "${id}" has as many subscribers as MaxSubscriberNum allows`);
export const tooManyOfficialAccounts = (max: number) =>
  new ApiError('tooManyOfficialAccounts', `this app may have at most ${max} official accounts`);
