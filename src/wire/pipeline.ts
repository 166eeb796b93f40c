/**
 * One REST call, end to end, in the check order of platform.md §1.6 (first failure wins):
 * method → route shape → sdkappid → identifier/usersig/contenttype → UserSig → admin →
 * command → rate limit → JSON body → schema → command. Knows nothing of Fastify: it takes the
 * request's parts and returns the envelope (always answered with HTTP 200).
 */
import { ApiError } from '../errors.ts';
import type { AppRegistry } from '../auth/apps.ts';
import type { UserSigVerifier } from '../auth/verifier.ts';
import type { AppRecord } from '../store/records.ts';
import type { Webhooks } from '../services/context.ts';
import type { Store } from '../store/store.ts';
import { commandKey, type Command } from './command.ts';
import { fail, ok, type Envelope } from './envelope.ts';
import type { AccountSendLimits, AuthFailureLimits, RateLimits } from './limits.ts';
import { checkBodyValues, parseBody } from './body.ts';
import { readQuery } from './query.ts';

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
}

export interface PipelineDeps {
  apps: AppRegistry;
  verifier: UserSigVerifier;
  registry: Map<string, Command>;
  limits: RateLimits;
  sendLimits: AccountSendLimits;
  authFailures: AuthFailureLimits;
  webhooks: Webhooks;
  store: Store;
  now(): number;
}

const ACCOUNT_SERVICE = 'im_open_login_svc';
export class Pipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async handle(req: CallRequest): Promise<CallOutcome> {
    const outcome: CallOutcome = { envelope: ok() };
    try {
      outcome.envelope = await this.run(req, outcome);
    } catch (e) {
      if (e instanceof ApiError) {
        outcome.envelope = fail(e.code, e.info);
      } else {
        outcome.internalError = e;
        outcome.envelope = fail(req.service === ACCOUNT_SERVICE ? 70500 : 10004);
      }
    }
    return outcome;
  }

  private async run(req: CallRequest, outcome: CallOutcome): Promise<Envelope> {
    if (req.method !== 'POST') throw new ApiError(60002, `method ${req.method} is not allowed; use POST`);
    const query = readQuery(req.query);

    if (query.sdkappid === undefined || query.sdkappid === '') throw new ApiError(60012);
    const sdkappid = /^\d{1,10}$/.test(query.sdkappid) ? Number(query.sdkappid) : NaN;
    const app: AppRecord | undefined = Number.isNaN(sdkappid) ? undefined : await this.deps.apps.get(sdkappid);
    if (app === undefined) throw new ApiError(60006, `SDKAppID ${query.sdkappid} is not an app on this server`);
    outcome.sdkappid = sdkappid;

    if (!query.identifier) throw new ApiError(60025, 'identifier is missing from the URL');
    if (!query.usersig) throw new ApiError(60025, 'usersig is missing from the URL');
    if (query.contenttype !== undefined && query.contenttype.toLowerCase() !== 'json') {
      throw new ApiError(60025, 'contenttype must be json');
    }
    const caller = `${req.clientIp}|${sdkappid}`;
    if (this.deps.authFailures.blocked(caller)) throw new ApiError(70050);
    try {
      this.deps.verifier.verify({
        sdkappid,
        identifier: query.identifier,
        userSig: query.usersig,
        secretKey: app.secretKey,
        now: this.deps.now(),
      });
    } catch (e) {
      await this.deps.authFailures.recordFailure(caller);
      throw e;
    }
    outcome.operator = query.identifier;

    const command = this.deps.registry.get(commandKey(req.service, req.command));
    if (!app.admins.includes(query.identifier)) {
      throw new ApiError(command?.adminCode ?? (req.service === ACCOUNT_SERVICE ? 70403 : 60010));
    }
    if (command === undefined) throw new ApiError(60009, `unknown command ${req.service}/${req.command}`);
    if (!(await this.deps.limits.allow(app, command))) throw new ApiError(60007);

    const body = parseBody(req.body);
    checkBodyValues(body, command.invalidCode);
    const validation = command.validate(body);
    if (!validation.ok) throw new ApiError(command.invalidCode, validation.problem);
    const fields = await command.run(
      {
        app,
        operator: query.identifier,
        clientIp: req.clientIp,
        store: this.deps.store,
        sendLimits: this.deps.sendLimits,
        webhooks: this.deps.webhooks,
        now: this.deps.now,
      },
      validation.value,
    );
    return ok(fields);
  }
}
