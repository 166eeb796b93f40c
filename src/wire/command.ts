/**
 * One declaration per command: where it lives on the wire, its request and response schemas,
 * the codes its refusals use, whether it needs the official-account service, its documented
 * rate, and the handler that adapts the validated body to a service call and shapes the answer.
 * The pipeline runs it (pipeline.ts); the schemas also give the handler its types.
 */
import type { Static, TObject, TProperties, TSchema } from '@sinclair/typebox';
import type { ErrorName } from '../errors.ts';
import type { LimitedCommand } from '../limits/rate-limits.ts';
import type { ServiceContext } from '../services/context.ts';
import { okSchema } from './envelope.ts';
import { compile, type Validator } from './schema/validate.ts';

export const ACCOUNT_SERVICE = 'im_open_login_svc';
export const OFFICIAL_ACCOUNT_SERVICE = 'official_account_open_http_svc';
export const OPENIM_SERVICE = 'openim';
export const ADMIN_SERVICE = 'herald_admin';
export type ServiceName =
  | typeof ACCOUNT_SERVICE
  | typeof OFFICIAL_ACCOUNT_SERVICE
  | typeof OPENIM_SERVICE
  | typeof ADMIN_SERVICE;

export interface CommandDeclaration<Req extends TSchema, Res extends TProperties> {
  service: ServiceName;
  name: string;
  /** One line for the API reference. */
  summary: string;
  /** Tencent's page for the command (none for Herald's own). */
  docs: string | null;
  request: Req;
  /** The answer's fields besides ActionStatus, ErrorCode and ErrorInfo. */
  response: TObject<Res>;
  /** A body that breaks the request schema (6017 on official-account APIs, 70402 on account APIs). */
  invalidError: Extract<ErrorName, 'invalidParameter' | 'invalidAccountParameter'>;
  /** A caller who is not an app admin (60010; 70403 on account APIs, 90009 on openim). */
  adminError: Extract<ErrorName, 'adminRequired' | 'accountAdminRequired' | 'openimAdminRequired'>;
  /** An exception nobody expected (10004; 70500 on account APIs). */
  internalError: Extract<ErrorName, 'internalError' | 'accountInternalError'>;
  /** Refused with 131000 while the app's official-account service is off. */
  needsOfficialAccountService: boolean;
  /** Documented calls per second per app. */
  defaultRate: number;
  /**
   * A realistic call for the API reference: the body, and the answer's fields besides the
   * envelope. Typed by the schemas, so an example that drifts from them does not compile. The
   * examples of all commands tell one story (an app, one official account, its subscribers and a
   * message), and test/api-reference.test.ts replays them in that order against a real Herald.
   */
  example: { request: Static<Req>; response: Static<TObject<Res>> };
  handle(ctx: ServiceContext, body: Static<Req>): Promise<Static<TObject<Res>>>;
}

export interface Command
  extends Omit<CommandDeclaration<TSchema, TProperties>, 'handle' | 'defaultRate'>,
    LimitedCommand {
  /** The whole successful answer, envelope included, with no other field. */
  readonly answer: TSchema;
  validate: Validator<TSchema>;
  handle(ctx: ServiceContext, body: unknown): Promise<object>;
}

export function defineCommand<Req extends TSchema, Res extends TProperties>(
  declaration: CommandDeclaration<Req, Res>,
): Command {
  return {
    ...(declaration as unknown as CommandDeclaration<TSchema, TProperties>),
    key: commandKey(declaration.service, declaration.name),
    answer: okSchema(declaration.response),
    validate: compile(declaration.request),
    handle: declaration.handle as Command['handle'],
  };
}

export function commandKey(service: string, name: string): string {
  return `${service}/${name}`;
}

/** What every command of a service shares. */
export const ACCOUNT_COMMAND = {
  service: ACCOUNT_SERVICE,
  invalidError: 'invalidAccountParameter',
  adminError: 'accountAdminRequired',
  internalError: 'accountInternalError',
  needsOfficialAccountService: false,
} as const;

export const OFFICIAL_ACCOUNT_COMMAND = {
  service: OFFICIAL_ACCOUNT_SERVICE,
  invalidError: 'invalidParameter',
  adminError: 'adminRequired',
  internalError: 'internalError',
  needsOfficialAccountService: true,
  defaultRate: 200,
} as const;

/**
 * openim (query_online_status): admin refusals answer 90009 (platform.md §1.6); a bad To_Account
 * list 70402, the family of the 70107 it answers per account (compatibility notes).
 */
export const OPENIM_COMMAND = {
  service: OPENIM_SERVICE,
  invalidError: 'invalidAccountParameter',
  adminError: 'openimAdminRequired',
  internalError: 'accountInternalError',
  needsOfficialAccountService: false,
} as const;

export const ADMIN_COMMAND = {
  service: ADMIN_SERVICE,
  invalidError: 'invalidParameter',
  adminError: 'adminRequired',
  internalError: 'internalError',
  needsOfficialAccountService: false,
  docs: null,
  defaultRate: 200,
} as const;
