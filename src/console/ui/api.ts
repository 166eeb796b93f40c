/**
 * The console's JSON API on the same origin. The session is an HttpOnly cookie the page never
 * sees; the CSRF token it answers is kept in memory only, and sent with every POST and DELETE
 * after sign-in. The secret typed to sign in is sent once, in a body, and never kept.
 */

export interface Session {
  signedIn: true;
  sdkappid: number;
  admin: string;
  csrf: string;
  expiresAt: number;
  /** SDKAppIDs of every app this Herald serves. */
  apps: number[];
}

/** A REST envelope, as /console/api/call answers it. */
export interface Envelope {
  ActionStatus: string;
  ErrorCode: number;
  ErrorInfo: string;
}

/** A command that answered FAIL: shown to the user as `ErrorCode: ErrorInfo`. */
export class CallError extends Error {
  constructor(
    readonly code: number,
    readonly info: string,
  ) {
    super(`${code}: ${info}`);
    this.name = 'CallError';
  }
}

/** A refusal of the console API itself (HTTP status and its `error`). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly insecure = false,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

let csrf = '';
let sessionLost: ((message: string) => void) | null = null;

/** Called when a request finds the session gone (expired, or signed out elsewhere). */
export function onSessionLost(handler: (message: string) => void): void {
  sessionLost = handler;
}

async function request(method: string, path: string, body?: unknown, signingIn = false): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && !signingIn) headers['x-herald-csrf'] = csrf;
  return fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

async function errorOf(response: Response): Promise<HttpError> {
  let text = `HTTP ${response.status}`;
  let insecure = false;
  try {
    const answer = (await response.json()) as { error?: unknown; insecure?: unknown };
    if (typeof answer.error === 'string' && answer.error !== '') text = answer.error;
    insecure = answer.insecure === true;
  } catch {
    // not JSON: the status says enough
  }
  return new HttpError(response.status, text, insecure);
}

function accept(session: Session): Session {
  csrf = session.csrf;
  return session;
}

/** The current session, or an HttpError (401: not signed in; `insecure` when sign-in is refused here). */
export async function getSession(): Promise<Session> {
  const response = await request('GET', '/console/api/session');
  if (!response.ok) throw await errorOf(response);
  const answer = (await response.json()) as Session | { signedIn: false; reason: string; insecure?: boolean };
  if (!answer.signedIn) throw new HttpError(401, answer.reason, answer.insecure === true);
  return accept(answer);
}

/** Signs in with an app's secret key or an admin UserSig. */
export async function signIn(secret: string): Promise<Session> {
  const response = await request('POST', '/console/api/session', { secret }, true);
  if (!response.ok) throw await errorOf(response);
  return accept((await response.json()) as Session);
}

export async function signOut(): Promise<void> {
  const response = await request('DELETE', '/console/api/session');
  csrf = '';
  if (!response.ok && response.status !== 401) throw await errorOf(response);
}

async function post<T extends Envelope>(path: string, body: unknown): Promise<T> {
  const response = await request('POST', path, body);
  if (response.status === 401) {
    const error = await errorOf(response);
    csrf = '';
    sessionLost?.(error.message);
    throw error;
  }
  if (!response.ok) throw await errorOf(response);
  const answer = (await response.json()) as T;
  if (answer.ActionStatus !== 'OK' || answer.ErrorCode !== 0) throw new CallError(answer.ErrorCode, answer.ErrorInfo);
  return answer;
}

/** Runs a REST command as the signed-in app's admin; rejects with a CallError when it answers FAIL. */
export function call<T extends object = object>(
  service: string,
  command: string,
  body: Record<string, unknown> = {},
): Promise<Envelope & T> {
  return post<Envelope & T>(`/console/api/call/${service}/${command}`, body);
}

export const official = <T extends object = object>(command: string, body: Record<string, unknown>) =>
  call<T>('official_account_open_http_svc', command, body);
export const login = <T extends object = object>(command: string, body: Record<string, unknown>) =>
  call<T>('im_open_login_svc', command, body);
export const admin = <T extends object = object>(command: string, body: Record<string, unknown> = {}) =>
  call<T>('herald_admin', command, body);

/** A UserSig for one of the app's users, for the Live view. */
export function issueUserSig(userId: string): Promise<Envelope & { UserID: string; UserSig: string }> {
  return post('/console/api/usersig', { UserID: userId });
}

/** The text to show for a failure of any kind. */
export function describe(error: unknown): string {
  if (error instanceof CallError) return `${error.code}: ${error.info}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
