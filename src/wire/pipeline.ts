/**
 * One REST call, end to end, in the check order of platform.md §1.6 (first failure wins):
 * method → sdkappid → identifier/usersig/contenttype → UserSig → admin → command →
 * official-account service on (131000) → rate limit → JSON body → schema → the command. Knows
 * nothing of Fastify: it takes the request's parts and returns the envelope (always HTTP 200).
 * The web console enters after authentication (handleAuthenticated), so its calls meet the same
 * checks and run the same declarations.
 */
import type { AppRegistry } from '../auth/apps.ts';
import type { UserSigVerifier } from '../auth/verifier.ts';
import { ApiError, badQuery, methodNotAllowed, unknownCommand, unknownSdkAppId, type ErrorName } from '../errors.ts';
import type { UnknownFieldPolicy } from '../config.ts';
import type { AuthFailureLimits } from '../limits/auth-failures.ts';
import type { RateLimits } from '../limits/rate-limits.ts';
import type { OnlineStatus, SendLimiter, Webhooks } from '../services/context.ts';
import type { Notifier } from '../services/notifier.ts';
import type { AppRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { checkBodyValues, parseBody } from './body.ts';
import { ACCOUNT_SERVICE, type Command, commandKey, OPENIM_SERVICE } from './command.ts';
import { type Envelope, fail, ok } from './envelope.ts';
import { type CallQuery, readQuery } from './query.ts';
import { unknownFieldProblem, unknownFields } from './schema/unknown-fields.ts';

export interface CallRequest {
  method: string;
  service: string;
  command: string;
  query: Record<string, unknown>;
  body: Buffer | undefined;
  clientIp: string;
}

/** What the access log records about a call; never the UserSig or a key. */
export interface CallOutcome {
  envelope: Envelope;
  sdkappid?: number;
  operator?: string;
  /** Set when the command threw something that is not an ApiError. */
  internalError?: unknown;
  /** Body fields the command does not know (HERALD_UNKNOWN_FIELDS=warn). */
  unknownFields?: string[];
}

export interface PipelineDeps {
  apps: AppRegistry;
  verifier: UserSigVerifier;
  registry: Map<string, Command>;
  limits: RateLimits;
  sendLimits: SendLimiter;
  authFailures: AuthFailureLimits;
  webhooks: Webhooks;
  notifier: Notifier;
  online: OnlineStatus;
  store: Store;
  unknownFields: UnknownFieldPolicy;
  now(): number;
}

/** The codes of a service whose command is unknown (the account and openim services have codes of their own). */
function serviceError(service: string, kind: 'admin' | 'internal'): ErrorName {
  const accounts = service === ACCOUNT_SERVICE;
  if (kind === 'admin')
    return accounts ? 'accountAdminRequired' : service === OPENIM_SERVICE ? 'openimAdminRequired' : 'adminRequired';
  return accounts || service === OPENIM_SERVICE ? 'accountInternalError' : 'internalError';
}

/**
 * A call whose caller is already known: a REST call once its UserSig is verified, or a console
 * call made with the session's app and admin. Everything after authentication runs from here.
 */
export interface AuthenticatedCall {
  app: AppRecord;
  operator: string;
  service: string;
  command: string;
  body: Buffer | undefined;
  clientIp: string;
}

export class Pipeline {
  constructor(private readonly deps: PipelineDeps) {}

  /**
   * A REST call: the method, query and UserSig first, then the command as `handleAuthenticated`
   * runs it. Written as one async function with synchronous steps where the answer is at hand
   * (a known app, a cached UserSig, no rate limit): each await costs a turn of the microtask
   * queue, a large share of a cached read.
   */
  async handle(req: CallRequest): Promise<CallOutcome> {
    const outcome: CallOutcome = { envelope: ok() };
    try {
      if (req.method !== 'POST') throw methodNotAllowed(req.method);
      const query = readQuery(req.query);
      if (query.sdkappid === undefined || query.sdkappid === '') throw new ApiError('sdkAppIdMissing');
      const sdkappid = /^\d{1,10}$/.test(query.sdkappid) ? Number(query.sdkappid) : Number.NaN;
      const app: AppRecord | undefined = Number.isNaN(sdkappid)
        ? undefined
        : (this.deps.apps.peek(sdkappid) ?? (await this.deps.apps.get(sdkappid)));
      if (app === undefined) throw unknownSdkAppId(query.sdkappid);
      outcome.sdkappid = sdkappid;
      const verified = this.verify(req.clientIp, app, query);
      const operator = typeof verified === 'string' ? verified : await verified;
      outcome.operator = operator;
      outcome.envelope = await this.execute(
        { app, operator, service: req.service, command: req.command, body: req.body, clientIp: req.clientIp },
        outcome,
      );
    } catch (e) {
      outcome.envelope = this.failure(e, req.service, req.command, outcome);
    }
    return outcome;
  }

  /**
   * The checks after authentication (admin, command, service switch, rate, body, schema) and the
   * command itself, for a caller authenticated elsewhere (the web console's session).
   */
  async handleAuthenticated(call: AuthenticatedCall): Promise<CallOutcome> {
    const outcome: CallOutcome = { envelope: ok(), sdkappid: call.app.sdkappid, operator: call.operator };
    try {
      outcome.envelope = await this.execute(call, outcome);
    } catch (e) {
      outcome.envelope = this.failure(e, call.service, call.command, outcome);
    }
    return outcome;
  }

  /** What a call that threw answers: an ApiError as it is, anything else as the internal error. */
  private failure(e: unknown, service: string, command: string, outcome: CallOutcome): Envelope {
    if (e instanceof ApiError) return fail(e);
    outcome.internalError = e;
    const declared = this.deps.registry.get(commandKey(service, command));
    return fail(new ApiError(declared?.internalError ?? serviceError(service, 'internal')));
  }

  /**
   * Identifier, UserSig and ContentType of the query, in Tencent's order; answers the verified
   * identifier. A Promise only when a failure must be counted (the success path awaits nothing).
   */
  private verify(clientIp: string, app: AppRecord, query: CallQuery): string | Promise<string> {
    if (!query.identifier) throw badQuery('identifier is missing from the URL');
    if (!query.usersig) throw badQuery('usersig is missing from the URL');
    if (query.contenttype !== undefined && query.contenttype.toLowerCase() !== 'json') {
      throw badQuery('contenttype must be json');
    }
    const caller = `${clientIp}|${app.sdkappid}`;
    if (this.deps.authFailures.blocked(caller)) throw new ApiError('tooManyAuthFailures');
    try {
      this.deps.verifier.verify({
        sdkappid: app.sdkappid,
        identifier: query.identifier,
        userSig: query.usersig,
        secretKey: app.secretKey,
        now: this.deps.now(),
      });
    } catch (e) {
      return this.deps.authFailures.recordFailure(caller).then(() => {
        throw e;
      });
    }
    return query.identifier;
  }

  private async execute(call: AuthenticatedCall, outcome: CallOutcome): Promise<Envelope> {
    const { app, operator } = call;
    const command = this.deps.registry.get(commandKey(call.service, call.command));
    if (!app.admins.includes(operator)) {
      throw new ApiError(command?.adminError ?? serviceError(call.service, 'admin'));
    }
    if (command === undefined) throw unknownCommand(call.service, call.command);
    // A switched-off service answers the same whatever the body says, and costs no allowance.
    if (command.needsOfficialAccountService && !app.officialAccountEnabled) {
      throw new ApiError('officialAccountServiceOff');
    }
    const allowed = this.deps.limits.allow(app, command);
    if (!(typeof allowed === 'boolean' ? allowed : await allowed)) throw this.deps.limits.refusal(app, command);

    const body = parseBody(call.body);
    checkBodyValues(body, command.invalidError);
    const validation = command.validate(body);
    if (!validation.ok) throw new ApiError(command.invalidError, validation.problem);
    if (this.deps.unknownFields !== 'ignore') {
      const unknown = unknownFields(command.request, body);
      const first = unknown[0];
      if (first !== undefined && this.deps.unknownFields === 'reject')
        throw new ApiError(command.invalidError, unknownFieldProblem(first, command.name));
      // The first hundred are enough to see the mistake; a log line stays a line.
      if (first !== undefined) outcome.unknownFields = unknown.slice(0, 100).map((f) => f.path);
    }
    const fields = await command.handle(
      {
        app,
        operator,
        clientIp: call.clientIp,
        store: this.deps.store,
        sendLimits: this.deps.sendLimits,
        webhooks: this.deps.webhooks,
        notifier: this.deps.notifier,
        online: this.deps.online,
        now: this.deps.now,
      },
      validation.value,
    );
    return ok(fields);
  }
}
