/**
 * The OpenAPI 3.1 document of the REST API, built from the command declarations (registry.ts):
 * one POST path per command with its request schema and example, and one 200 answer that is
 * either the success envelope with the command's fields or the failure envelope, since Tencent's
 * API answers every outcome with HTTP 200. Served by docs-routes.ts as /openapi.json.
 */
import { ApiError } from '../../errors.ts';
import { packageVersion } from '../../package-info.ts';
import {
  ACCOUNT_SERVICE,
  ADMIN_SERVICE,
  type Command,
  OFFICIAL_ACCOUNT_SERVICE,
  OPENIM_SERVICE,
  type ServiceName,
} from '../command.ts';
import { FailSchema, fail, ok } from '../envelope.ts';
import { COMMANDS } from '../registry.ts';
import { declaredErrors } from './error-codes.ts';
import { type JsonSchema, toJsonSchema } from './json-schema.ts';

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  tags: { name: ServiceName; description: string }[];
  paths: Record<string, { post: Operation }>;
  components: { parameters: Record<QueryParameter, JsonSchema>; schemas: Record<string, JsonSchema> };
};

type Operation = JsonSchema & { operationId: string; summary: string; tags: ServiceName[] };

const SERVICES: Record<ServiceName, string> = {
  [ACCOUNT_SERVICE]: 'Accounts: import, check, delete and kick the users of the app',
  [OPENIM_SERVICE]: 'Whether users are connected to the subscriber channel',
  [OFFICIAL_ACCOUNT_SERVICE]: 'Official accounts: lifecycle, subscribers, broadcast messages and their history',
  [ADMIN_SERVICE]: 'Herald’s own commands (Tencent has none of these)',
};

/** The query string every call carries, declared once and referenced by every operation. */
const QUERY = {
  sdkappid: {
    name: 'sdkappid',
    in: 'query',
    required: true,
    description: 'SDKAppID of the app',
    schema: { type: 'integer', minimum: 1, maximum: 9_999_999_999 },
    example: 1400000000,
  },
  identifier: {
    name: 'identifier',
    in: 'query',
    required: true,
    description: 'the caller: one of the app’s admin UserIDs',
    schema: { type: 'string' },
    example: 'administrator',
  },
  usersig: {
    name: 'usersig',
    in: 'query',
    required: true,
    description: 'a UserSig of `identifier` (TLSSigAPIv2), signed with the app’s secret key',
    schema: { type: 'string' },
  },
  random: {
    name: 'random',
    in: 'query',
    required: false,
    description: 'a random 32-bit unsigned integer; Tencent’s clients send one, Herald does not read it',
    schema: { type: 'integer', minimum: 0, maximum: 4_294_967_295 },
    example: 99999999,
  },
  contenttype: {
    name: 'contenttype',
    in: 'query',
    required: false,
    description: 'the body’s format; only `json`',
    schema: { type: 'string', enum: ['json'], default: 'json' },
  },
} as const satisfies Record<string, JsonSchema>;

type QueryParameter = keyof typeof QUERY;

function answerDescription(command: Command): string {
  const codes = declaredErrors(command)
    .map((e) => `- ${e.code}: ${e.info}`)
    .join('\n');
  const own =
    command.docs === null
      ? 'The command’s own rules may answer other codes of the catalog (README, “Error codes”).'
      : 'The command’s own rules answer further codes, as on its Tencent page.';
  return [
    'Always HTTP 200 with the envelope. Success: `ActionStatus` OK, `ErrorCode` 0, `ErrorInfo` "" and the ' +
      'fields below, nothing else. Failure: `ActionStatus` FAIL, `ErrorCode` not 0 and `ErrorInfo` saying why, ' +
      'with no other field.',
    `Failure codes, in the order the checks run:\n\n${codes}`,
    own,
  ].join('\n\n');
}

function operation(command: Command): Operation {
  const failure = fail(new ApiError(command.invalidError));
  return {
    operationId: command.name,
    summary: command.summary,
    description: `At most ${command.defaultRate} calls per second per app by default.`,
    tags: [command.service],
    ...(command.docs !== null && {
      externalDocs: { description: 'Tencent Cloud Chat documentation', url: command.docs },
    }),
    parameters: (Object.keys(QUERY) as QueryParameter[]).map((name) => ({ $ref: `#/components/parameters/${name}` })),
    requestBody: {
      required: true,
      content: { 'application/json': { schema: toJsonSchema(command.request), example: command.example.request } },
    },
    responses: {
      '200': {
        description: answerDescription(command),
        content: {
          'application/json': {
            schema: { oneOf: [toJsonSchema(command.answer), { $ref: '#/components/schemas/Failure' }] },
            examples: {
              success: { summary: 'success', value: ok(command.example.response) },
              failure: { summary: `failure (${failure.ErrorCode})`, value: failure },
            },
          },
        },
      },
    },
    'x-error-codes': declaredErrors(command).map((e) => e.code),
  };
}

export function buildOpenApiDocument(commands: readonly Command[] = COMMANDS): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Herald',
      version: packageVersion(),
      description:
        'Herald speaks the Tencent Cloud Chat Official Account REST API: `POST /v4/<service>/<command>` with the ' +
        'query string below, a JSON body, and the `ActionStatus`/`ErrorCode`/`ErrorInfo` envelope. Every call is made ' +
        'by an app admin. The examples tell one story: accounts imported, an official account created, users ' +
        'subscribed, a message sent, read back and recalled, then everything removed.',
    },
    tags: (Object.keys(SERVICES) as ServiceName[])
      .filter((service) => commands.some((c) => c.service === service))
      .map((name) => ({ name, description: SERVICES[name] })),
    paths: Object.fromEntries(
      commands.map((command) => [`/v4/${command.service}/${command.name}`, { post: operation(command) }]),
    ),
    components: {
      parameters: QUERY,
      schemas: { Failure: toJsonSchema(FailSchema) },
    },
  };
}
