/** official_account_open_http_svc/create_official_account */
import { Type } from '@sinclair/typebox';
import { createOfficialAccount } from '../../../services/official-accounts.ts';
import { defineCommand, OFFICIAL_ACCOUNT_COMMAND } from '../../command.ts';
import { OfficialAccountId, UserId } from '../../schema/fields.ts';
import { MaxSubscriberNum, ProfileFields } from '../../schema/official-account.ts';

export default defineCommand({
  ...OFFICIAL_ACCOUNT_COMMAND,
  name: 'create_official_account',
  summary: 'Create an official account owned by an imported user, with a generated or custom ID',
  docs: 'https://www.tencentcloud.com/document/product/1047/60755',
  request: Type.Object({
    Owner_Account: UserId,
    OfficialAccountUserID: Type.Optional(OfficialAccountId),
    Name: Type.String({ minLength: 1, errorMessage: 'Name must not be empty', description: 'at most 150 bytes' }),
    ...ProfileFields,
    MaxSubscriberNum: Type.Optional(MaxSubscriberNum),
  }),
  response: Type.Object({ OfficialAccountUserID: Type.String() }),
  example: {
    request: {
      Owner_Account: 'alice',
      OfficialAccountUserID: '@TOA#_news',
      Name: 'Daily News',
      Introduction: 'Headlines every morning',
      FaceUrl: 'https://example.com/faces/news.png',
      Organization: 'Example Media',
    },
    response: { OfficialAccountUserID: '@TOA#_news' },
  },
  async handle(ctx, body) {
    const { id } = await createOfficialAccount(ctx, body);
    return { OfficialAccountUserID: id };
  },
});
