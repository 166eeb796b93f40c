/** im_open_login_svc/account_delete: delete up to 100 accounts, with a result per account. */
import { Type } from '@sinclair/typebox';
import { deleteAccounts } from '../../../services/accounts.ts';
import { ACCOUNT_COMMAND, defineCommand } from '../../command.ts';
import { UserId } from '../../schema/fields.ts';

export default defineCommand({
  ...ACCOUNT_COMMAND,
  name: 'account_delete',
  summary: 'Delete up to 100 accounts (their subscriptions go with them; app admins stay)',
  docs: 'https://www.tencentcloud.com/document/product/1047/34955',
  defaultRate: 100,
  request: Type.Object({
    DeleteItem: Type.Array(Type.Object({ UserID: UserId }), { minItems: 1, maxItems: 100 }),
  }),
  response: Type.Object({
    ResultItem: Type.Array(
      Type.Object({ ResultCode: Type.Integer(), ResultInfo: Type.String(), UserID: Type.String() }),
    ),
  }),
  example: {
    request: { DeleteItem: [{ UserID: 'bob' }, { UserID: 'carol' }] },
    response: {
      ResultItem: [
        { ResultCode: 0, ResultInfo: '', UserID: 'bob' },
        { ResultCode: 0, ResultInfo: '', UserID: 'carol' },
      ],
    },
  },
  async handle(ctx, body) {
    const results = await deleteAccounts(
      ctx,
      body.DeleteItem.map((i) => i.UserID),
    );
    return {
      ResultItem: results.map((r) => ({ ResultCode: r.resultCode, ResultInfo: r.resultInfo, UserID: r.userId })),
    };
  },
});
