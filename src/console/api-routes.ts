/**
 * The console's JSON API under /console/api:
 *   GET    /session                   who is signed in (and the CSRF token), or signedIn: false
 *   POST   /session {secret}          sign in with an app's secret key or an admin UserSig
 *   DELETE /session                   sign out
 *   POST   /call/:service/:command    a REST command as the session's admin, answered with its envelope
 *   POST   /usersig {UserID}          a short-lived UserSig for one of the app's users (the Live view)
 * Commands enter the REST pipeline after authentication (Pipeline.handleAuthenticated), so they
 * meet the same admin, service, rate, body and schema checks, run the same declarations, fire the
 * same webhooks, and are logged and counted as REST calls are.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { UserSigVerifier } from '../auth/verifier.ts';
import { ApiError } from '../errors.ts';
import { issueUserSig } from '../auth/usersig.ts';
import type { AuthFailureLimits } from '../limits/auth-failures.ts';
import { userIdProblem } from '../services/rules.ts';
import type { Apps } from '../store/store.ts';
import { type CallObserver, reportCall } from '../wire/call-log.ts';
import { parseBody } from '../wire/body.ts';
import { fail, ok } from '../wire/envelope.ts';
import type { Pipeline } from '../wire/pipeline.ts';
import { clearedCookie, sessionCookie } from './cookie.ts';
import { CONSOLE_API_PATH } from './paths.ts';
import { type ConsoleSession, checkSession } from './session-gate.ts';
import { csrfToken, newSession, signSession } from './session-token.ts';
import { signIn } from './sign-in.ts';
import { insecureReason } from './transport.ts';

/** A UserSig the Live view logs in with lasts an hour: long enough to watch, short if it leaks. */
export const LIVE_USERSIG_SECONDS = 3600;
/** A secret key is 64 characters and a UserSig a few hundred; nothing legitimate is longer. */
const MAX_SECRET_LENGTH = 4096;
export const WRONG_SECRET = 'That is neither the secret key nor an admin UserSig of an app on this Herald';
export const TOO_MANY_FAILURES = 'Too many failed sign-ins from this address: try again in a minute';

export interface ConsoleApiDeps {
  pipeline: Pipeline;
  apps: Apps;
  verifier: UserSigVerifier;
  authFailures: AuthFailureLimits;
  /** Unix seconds. */
  now(): number;
  host: string;
  tls: boolean;
  onCall?: CallObserver | undefined;
}

function refuse(reply: FastifyReply, status: number, error: string, extra: Record<string, unknown> = {}) {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .send({ error, ...extra });
}

/** The JSON object of a request body, read as a REST body is, or null (none, not JSON, not an object). */
function jsonObject(body: unknown): Record<string, unknown> | null {
  try {
    return parseBody(Buffer.isBuffer(body) ? body : undefined);
  } catch {
    return null;
  }
}

/**
 * A browser sends Origin with every POST and DELETE; one naming another site is a cross-site
 * request (signing a victim into the attacker's app, for one), refused before anything else.
 */
function crossSite(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

export function registerConsoleApi(server: FastifyInstance, deps: ConsoleApiDeps): void {
  const insecure = insecureReason(deps.host, deps.tls);
  // The apps this Herald serves, by SDKAppID only (SDKAppIDs are in every REST URL; keys never leave).
  const sessionAnswer = async (session: ConsoleSession) => ({
    signedIn: true,
    sdkappid: session.app.sdkappid,
    admin: session.admin,
    csrf: csrfToken(session.claims, session.app.secretKey),
    expiresAt: session.claims.expiresAt,
    apps: (await deps.apps.list()).map((app) => app.sdkappid).sort((a, b) => a - b),
  });

  /** The session of a request, or the reply that refused it (already sent). */
  const gate = async (request: FastifyRequest, reply: FastifyReply): Promise<ConsoleSession | null> => {
    if (insecure !== null) {
      refuse(reply, 403, insecure, { insecure: true });
      return null;
    }
    const changesState = request.method !== 'GET';
    if (changesState && crossSite(request)) {
      refuse(reply, 403, 'Cross-site request refused');
      return null;
    }
    const result = await checkSession(request.headers, { apps: deps.apps, now: deps.now() }, changesState);
    if (!result.ok) {
      refuse(reply, result.status, result.error);
      return null;
    }
    return result.session;
  };

  // Asking whether one is signed in is not an error either way (a 401 here would put an error in
  // the browser's console on every first visit): the answer says so in `signedIn`.
  server.get(`${CONSOLE_API_PATH}/session`, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (insecure !== null) return reply.send({ signedIn: false, reason: insecure, insecure: true });
    const result = await checkSession(request.headers, { apps: deps.apps, now: deps.now() }, false);
    if (!result.ok) return reply.send({ signedIn: false, reason: result.error });
    return reply.send(await sessionAnswer(result.session));
  });

  server.post(`${CONSOLE_API_PATH}/session`, async (request, reply) => {
    if (insecure !== null) return refuse(reply, 403, insecure, { insecure: true });
    if (crossSite(request)) return refuse(reply, 403, 'Cross-site request refused');
    const caller = `console|${request.ip}`;
    if (deps.authFailures.blocked(caller)) return refuse(reply, 429, TOO_MANY_FAILURES);
    const secret = jsonObject(request.body)?.secret;
    if (typeof secret !== 'string' || secret === '' || secret.length > MAX_SECRET_LENGTH) {
      return refuse(reply, 400, 'The body must be {"secret": "<secret key or admin UserSig>"}');
    }
    const now = deps.now();
    const signedIn = await signIn(secret.trim(), { apps: deps.apps, verifier: deps.verifier, now });
    if (signedIn === null) {
      await deps.authFailures.recordFailure(caller);
      request.log.warn({ console: true }, 'console sign-in refused');
      return refuse(reply, 401, WRONG_SECRET);
    }
    const claims = newSession(signedIn.app.sdkappid, signedIn.admin, now);
    request.log.info({ console: true, sdkappid: signedIn.app.sdkappid, admin: signedIn.admin }, 'console sign-in');
    return reply
      .header('set-cookie', sessionCookie(signSession(claims, signedIn.app.secretKey), deps.tls))
      .header('cache-control', 'no-store')
      .send(await sessionAnswer({ app: signedIn.app, admin: signedIn.admin, claims }));
  });

  server.delete(`${CONSOLE_API_PATH}/session`, async (request, reply) => {
    const session = await gate(request, reply);
    // Whatever the session's state, the browser forgets the cookie.
    reply.header('set-cookie', clearedCookie(deps.tls));
    if (session === null) return reply;
    return reply.header('cache-control', 'no-store').send({});
  });

  server.post<{ Params: { service: string; command: string } }>(
    `${CONSOLE_API_PATH}/call/:service/:command`,
    async (request, reply) => {
      const started = performance.now();
      const session = await gate(request, reply);
      if (session === null) return reply;
      const { service, command } = request.params;
      const outcome = await deps.pipeline.handleAuthenticated({
        app: session.app,
        operator: session.admin,
        service,
        command,
        body: Buffer.isBuffer(request.body) ? request.body : undefined,
        clientIp: request.ip,
      });
      reportCall(request, reply, { service, command, started, outcome, extra: { console: true } }, deps.onCall);
      return reply.header('cache-control', 'no-store').send(outcome.envelope);
    },
  );

  server.post(`${CONSOLE_API_PATH}/usersig`, async (request, reply) => {
    const session = await gate(request, reply);
    if (session === null) return reply;
    const userId = jsonObject(request.body)?.UserID;
    const problem = typeof userId === 'string' ? userIdProblem(userId) : 'UserID must be a string';
    if (problem !== null || typeof userId !== 'string') {
      return reply.send(fail(new ApiError('invalidAccountParameter', problem ?? 'UserID is invalid')));
    }
    const { app } = session;
    const userSig = issueUserSig(app.secretKey, app.sdkappid, userId, LIVE_USERSIG_SECONDS, deps.now());
    return reply.header('cache-control', 'no-store').send(ok({ UserID: userId, UserSig: userSig }));
  });

  // Anything else under /console/api is a JSON 404, not the console's page.
  server.all(`${CONSOLE_API_PATH}/*`, async (_request, reply) => refuse(reply, 404, 'No such console endpoint'));
}
