/** official_account_open_http_svc/modify_official_account_base_info */
import { Type } from '@sinclair/typebox';
import { invalidParameter } from '../../../errors.ts';
import { modifyOfficialAccount } from '../../../services/official-accounts.ts';
import { defineCommand, OFFICIAL_ACCOUNT_COMMAND } from '../../command.ts';
import { OfficialAccountId } from '../../schema/fields.ts';
import { MaxSubscriberNum, ProfileFields } from '../../schema/official-account.ts';

export default defineCommand({
  ...OFFICIAL_ACCOUNT_COMMAND,
  name: 'modify_official_account_base_info',
  summary: 'Change the profile fields given (the others stay)',
  docs: 'https://www.tencentcloud.com/document/product/1047/60757',
  request: Type.Object({
    Official_Account: Type.Optional(OfficialAccountId),
    /** What the doocs Java client sends (official-accounts.md §2.4). */
    OfficialAccount: Type.Optional(OfficialAccountId),
    Name: Type.Optional(
      Type.String({ minLength: 1, errorMessage: 'Name must not be empty', description: 'at most 150 bytes' }),
    ),
    ...ProfileFields,
    MaxSubscriberNum: Type.Optional(MaxSubscriberNum),
  }),
  response: Type.Object({}),
  example: {
    request: {
      Official_Account: '@TOA#_news',
      Introduction: 'Headlines every morning at 8:00',
      CustomString: '{"category":"news"}',
    },
    response: {},
  },
  async handle(ctx, body) {
    // The documented name wins when a client sends both.
    const id = body.Official_Account ?? body.OfficialAccount;
    if (id === undefined) throw invalidParameter('Official_Account is required');
    await modifyOfficialAccount(ctx, id, body);
    return {};
  },
});
