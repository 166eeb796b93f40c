/** openim/query_online_status: whether users are connected to the subscriber channel, on any node. */
import { Type } from '@sinclair/typebox';
import { CATALOG } from '../../../errors.ts';
import { onlineStatus } from '../../../services/sessions.ts';
import { defineCommand, OPENIM_COMMAND } from '../../command.ts';
import { SafeInteger } from '../../schema/fields.ts';

const MAX_USERS = 500;
const NOT_IMPORTED = CATALOG.accountNotFound.code;

export default defineCommand({
  ...OPENIM_COMMAND,
  name: 'query_online_status',
  summary: 'Online or Offline for up to 500 users (Detail: one entry per connection platform)',
  docs: 'https://www.tencentcloud.com/document/product/1047/35477',
  defaultRate: 200,
  request: Type.Object({
    To_Account: Type.Array(Type.String(), {
      minItems: 1,
      maxItems: MAX_USERS,
      errorMessage: {
        minItems: 'To_Account must name at least one UserID',
        maxItems: `To_Account holds at most ${MAX_USERS} UserIDs`,
      },
    }),
    IsNeedDetail: Type.Optional(SafeInteger({ minimum: 0, maximum: 1, errorMessage: 'IsNeedDetail must be 0 or 1' })),
  }),
  response: Type.Object({
    QueryResult: Type.Array(
      Type.Object({
        To_Account: Type.String(),
        Status: Type.Union([Type.Literal('Online'), Type.Literal('PushOnline'), Type.Literal('Offline')]),
        Detail: Type.Optional(
          Type.Array(
            Type.Object({
              Platform: Type.String(),
              Status: Type.Union([Type.Literal('Online'), Type.Literal('PushOnline')]),
            }),
          ),
        ),
      }),
    ),
    ErrorList: Type.Array(Type.Object({ To_Account: Type.String(), ErrorCode: Type.Literal(NOT_IMPORTED) })),
  }),
  example: {
    request: { To_Account: ['bob', 'dave'] },
    response: {
      QueryResult: [{ To_Account: 'bob', Status: 'Offline' }],
      ErrorList: [{ To_Account: 'dave', ErrorCode: NOT_IMPORTED }],
    },
  },
  async handle(ctx, body) {
    const results = await onlineStatus(ctx, body.To_Account);
    const detail = body.IsNeedDetail === 1;
    return {
      QueryResult: results
        .filter((r) => r.imported)
        .map((r) => ({
          To_Account: r.userId,
          Status: r.status,
          ...(detail &&
            r.status === 'Online' && {
              Detail: r.platforms.map((Platform) => ({ Platform, Status: 'Online' as const })),
            }),
        })),
      ErrorList: results.filter((r) => !r.imported).map((r) => ({ To_Account: r.userId, ErrorCode: NOT_IMPORTED })),
    };
  },
});
