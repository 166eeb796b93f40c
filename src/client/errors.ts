/** How the client library fails: like Tencent's Web SDK, an error with a numeric `code` and a `message`. */

/** Codes the client itself answers with (Tencent's client SDK codes); the rest come from Herald. */
export const ERROR_CODES = {
  /** A request got no reply in time, or its connection closed first (Tencent ERR_TIMEOUT). */
  timeout: 6012,
  /** A request before login or after logout (Tencent ERR_SDK_NOT_LOGGED_IN). */
  notLoggedIn: 6014,
  /** Invalid arguments to a client method (Tencent ERR_INVALID_PARAMETERS). */
  invalidParameters: 6017,
} as const;

export class ChatError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ChatError';
  }
}
