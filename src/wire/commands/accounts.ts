/** im_open_login_svc commands: aliases normalised here, rules in services/accounts.ts. */
import { ApiError } from '../../errors.ts';
import { checkAccounts, deleteAccounts, importAccount, importAccounts } from '../../services/accounts.ts';
import { defineCommand } from '../command.ts';
import * as S from '../schemas/accounts.ts';

const SERVICE = 'im_open_login_svc';
const common = { service: SERVICE, invalidCode: 70402, adminCode: 70403 } as const;

export const accountCommands = [
  defineCommand({
    ...common,
    name: 'account_import',
    defaultRate: 200,
    schema: S.AccountImport,
    async run(ctx, body) {
      const userId = body.UserID ?? body.Identifier;
      if (userId === undefined) throw new ApiError(70402, 'UserID is required');
      await importAccount(ctx, { userId, nick: body.Nick, faceUrl: body.FaceUrl });
      return {};
    },
  }),
  defineCommand({
    ...common,
    name: 'multiaccount_import',
    defaultRate: 100,
    schema: S.MultiAccountImport,
    async run(ctx, body) {
      const accounts =
        body.AccountList?.map((a) => ({ userId: a.UserID, nick: a.Nick, faceUrl: a.FaceUrl })) ??
        body.Accounts?.map((userId) => ({ userId }));
      if (accounts === undefined) throw new ApiError(70402, 'AccountList is required');
      const { failAccounts } = await importAccounts(ctx, accounts);
      return { FailAccounts: failAccounts };
    },
  }),
  defineCommand({
    ...common,
    name: 'account_delete',
    defaultRate: 100,
    schema: S.AccountDelete,
    async run(ctx, body) {
      const results = await deleteAccounts(
        ctx,
        body.DeleteItem.map((i) => i.UserID),
      );
      return {
        ResultItem: results.map((r) => ({ ResultCode: r.resultCode, ResultInfo: r.resultInfo, UserID: r.userId })),
      };
    },
  }),
  defineCommand({
    ...common,
    name: 'account_check',
    defaultRate: 100,
    schema: S.AccountCheck,
    async run(ctx, body) {
      const results = await checkAccounts(
        ctx,
        body.CheckItem.map((i) => i.UserID),
      );
      return {
        ResultItem: results.map((r) => ({
          UserID: r.userId,
          ResultCode: 0,
          ResultInfo: '',
          AccountStatus: r.imported ? 'Imported' : 'NotImported',
        })),
      };
    },
  }),
];
