/**
 * herald_admin/list_official_accounts: Herald's own (Tencent's REST API can only look accounts up
 * by ID). The app's official accounts in ID order, a page at a time, with a search.
 */
import { Type } from '@sinclair/typebox';
import { DEFAULT_BROWSE_PAGE, listOfficialAccounts, MAX_BROWSE_PAGE } from '../../../services/browse.ts';
import { ADMIN_COMMAND, defineCommand } from '../../command.ts';
import { BrowseRequest } from './browse-fields.ts';

export default defineCommand({
  ...ADMIN_COMMAND,
  name: 'list_official_accounts',
  summary: `The app's official accounts in ID order, ${DEFAULT_BROWSE_PAGE} (at most ${MAX_BROWSE_PAGE}) a page, optionally matching a search`,
  request: BrowseRequest('OfficialAccountUserID or Name'),
  response: Type.Object({
    OfficialAccounts: Type.Array(
      Type.Object({
        Official_Account: Type.String(),
        Name: Type.String(),
        Owner_Account: Type.String(),
        SubscriberNum: Type.Integer(),
        MaxSubscriberNum: Type.Integer(),
        CreateTime: Type.Integer({ description: 'Unix seconds' }),
        LastMsgTime: Type.Integer({ description: 'Unix seconds; 0 before the first message' }),
      }),
    ),
    Next: Type.String({ description: "the cursor of the next page; '' on the last" }),
  }),
  example: {
    request: { Search: 'news' },
    response: {
      OfficialAccounts: [
        {
          Official_Account: '@TOA#_news',
          Name: 'Daily News',
          Owner_Account: 'alice',
          SubscriberNum: 2,
          MaxSubscriberNum: 100000,
          CreateTime: 1767258000,
          LastMsgTime: 1767258300,
        },
      ],
      Next: '',
    },
  },
  async handle(ctx, body) {
    const found = await listOfficialAccounts(ctx, { search: body.Search, next: body.Next, limit: body.Limit });
    return {
      OfficialAccounts: found.rows.map((a) => ({
        Official_Account: a.id,
        Name: a.name,
        Owner_Account: a.owner,
        SubscriberNum: a.subscriberNum,
        MaxSubscriberNum: a.maxSubscriberNum,
        CreateTime: a.createTime,
        LastMsgTime: a.lastMsgTime,
      })),
      Next: found.next,
    };
  },
});
