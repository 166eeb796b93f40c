/** im_open_login_svc/account_check: whether each of up to 100 UserIDs is imported. */
import { Type } from '@sinclair/typebox';
import { checkAccounts } from '../../../services/accounts.ts';
import { ACCOUNT_COMMAND, defineCommand } from '../../command.ts';
import { OneOf, UserId } from '../../schema/fields.ts';

export default defineCommand({
  ...ACCOUNT_COMMAND,
  name: 'account_check',
  summary: 'Check whether up to 100 UserIDs are imported',
  docs: 'https://www.tencentcloud.com/document/product/1047/34956',
  defaultRate: 100,
  request: Type.Object({
    CheckItem: Type.Array(Type.Object({ UserID: UserId }), { minItems: 1, maxItems: 100 }),
  }),
  response: Type.Object({
    ResultItem: Type.Array(
      Type.Object({
        UserID: Type.String(),
        ResultCode: Type.Literal(0),
        ResultInfo: Type.Literal(''),
        AccountStatus: OneOf(['Imported', 'NotImported'], 'AccountStatus is Imported or NotImported'),
      }),
    ),
  }),
  example: {
    request: { CheckItem: [{ UserID: 'alice' }, { UserID: 'dave' }] },
    response: {
      ResultItem: [
        { UserID: 'alice', ResultCode: 0, ResultInfo: '', AccountStatus: 'Imported' },
        { UserID: 'dave', ResultCode: 0, ResultInfo: '', AccountStatus: 'NotImported' },
      ],
    },
  },
  async handle(ctx, body) {
    const results = await checkAccounts(
      ctx,
      body.CheckItem.map((i) => i.UserID),
    );
    return {
      ResultItem: results.map((r) => ({
        UserID: r.userId,
        ResultCode: 0 as const,
        ResultInfo: '' as const,
        AccountStatus: r.imported ? ('Imported' as const) : ('NotImported' as const),
      })),
    };
  },
});
