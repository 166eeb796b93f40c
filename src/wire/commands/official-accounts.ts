/** official_account_open_http_svc commands: wire shapes here, rules in services/official-accounts.ts. */
import { createOfficialAccount, getOfficialAccountInfo } from '../../services/official-accounts.ts';
import { errorInfo } from '../../errors.ts';
import { defineCommand } from '../command.ts';
import * as S from '../schemas/official-accounts.ts';

const SERVICE = 'official_account_open_http_svc';
const common = { service: SERVICE, invalidCode: 6017, adminCode: 60010, defaultRate: 200 } as const;

export const officialAccountCommands = [
  defineCommand({
    ...common,
    name: 'create_official_account',
    schema: S.CreateOfficialAccount,
    async run(ctx, body) {
      const { id } = await createOfficialAccount(ctx, body);
      return { OfficialAccountUserID: id };
    },
  }),
  defineCommand({
    ...common,
    name: 'get_official_account_info',
    schema: S.GetOfficialAccountInfo,
    async run(ctx, body) {
      const items = await getOfficialAccountInfo(
        ctx,
        body.OfficialAccountIdList.map((i) => i.Official_Account),
        body.ResponseFilter?.OfficialAccountBaseInfoFilter,
      );
      return {
        OfficialAccountInfoList: items.map((item) =>
          item.found
            ? { Official_Account: item.id, ErrorCode: 0, ErrorInfo: '', ...item.info }
            : { Official_Account: item.id, ErrorCode: 130004, ErrorInfo: errorInfo(130004) },
        ),
      };
    },
  }),
];
