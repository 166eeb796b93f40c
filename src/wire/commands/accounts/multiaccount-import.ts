/** im_open_login_svc/multiaccount_import: import up to 100 accounts; the ones refused are listed. */
import { Type } from '@sinclair/typebox';
import { invalidAccountParameter } from '../../../errors.ts';
import { importAccounts } from '../../../services/accounts.ts';
import { ACCOUNT_COMMAND, defineCommand } from '../../command.ts';
import { UserId } from '../../schema/fields.ts';

const batch = { minItems: 1, maxItems: 100 };

export default defineCommand({
  ...ACCOUNT_COMMAND,
  name: 'multiaccount_import',
  summary: 'Import up to 100 accounts; FailAccounts lists those that could not be imported',
  docs: 'https://www.tencentcloud.com/document/product/1047/34954',
  defaultRate: 100,
  request: Type.Object({
    AccountList: Type.Optional(
      Type.Array(
        Type.Object({ UserID: UserId, Nick: Type.Optional(Type.String()), FaceUrl: Type.Optional(Type.String()) }),
        batch,
      ),
    ),
    /** Legacy form: plain UserIDs. */
    Accounts: Type.Optional(Type.Array(UserId, batch)),
  }),
  response: Type.Object({ FailAccounts: Type.Array(Type.String()) }),
  example: {
    request: {
      AccountList: [
        { UserID: 'bob', Nick: 'Bob' },
        { UserID: 'carol', Nick: 'Carol', FaceUrl: 'https://example.com/faces/carol.png' },
      ],
    },
    response: { FailAccounts: [] },
  },
  async handle(ctx, body) {
    const accounts =
      body.AccountList?.map((a) => ({ userId: a.UserID, nick: a.Nick, faceUrl: a.FaceUrl })) ??
      body.Accounts?.map((userId) => ({ userId }));
    if (accounts === undefined) throw invalidAccountParameter('AccountList is required');
    const { failAccounts } = await importAccounts(ctx, accounts);
    return { FailAccounts: failAccounts };
  },
});
