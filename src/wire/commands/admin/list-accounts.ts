/**
 * herald_admin/list_accounts: Herald's own (Tencent has no such command; its console lists them).
 * The app's imported accounts in UserID order, a page at a time, with a search.
 */
import { Type } from '@sinclair/typebox';
import { DEFAULT_BROWSE_PAGE, listAccounts, MAX_BROWSE_PAGE } from '../../../services/browse.ts';
import { ADMIN_COMMAND, defineCommand } from '../../command.ts';
import { BrowseRequest } from './browse-fields.ts';

export default defineCommand({
  ...ADMIN_COMMAND,
  name: 'list_accounts',
  summary: `The app's accounts in UserID order, ${DEFAULT_BROWSE_PAGE} (at most ${MAX_BROWSE_PAGE}) a page, optionally matching a search`,
  request: BrowseRequest('UserID or Nick'),
  response: Type.Object({
    Accounts: Type.Array(
      Type.Object({
        UserID: Type.String(),
        Nick: Type.String(),
        FaceUrl: Type.String(),
        CreateTime: Type.Integer({ description: 'Unix seconds' }),
      }),
    ),
    Next: Type.String({ description: "the cursor of the next page; '' on the last" }),
  }),
  example: {
    request: { Search: 'O', Limit: 2 },
    response: {
      Accounts: [
        { UserID: 'administrator', Nick: '', FaceUrl: '', CreateTime: 1767257900 },
        { UserID: 'bob', Nick: 'Bob', FaceUrl: '', CreateTime: 1767257960 },
      ],
      Next: 'bob',
    },
  },
  async handle(ctx, body) {
    const found = await listAccounts(ctx, { search: body.Search, next: body.Next, limit: body.Limit });
    return {
      Accounts: found.rows.map((a) => ({
        UserID: a.userId,
        Nick: a.nick,
        FaceUrl: a.faceUrl,
        CreateTime: a.createdAt,
      })),
      Next: found.next,
    };
  },
});
