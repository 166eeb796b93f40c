/** official_account_open_http_svc/destroy_official_account */
import { Type } from '@sinclair/typebox';
import { destroyOfficialAccount } from '../../../services/official-accounts.ts';
import { defineCommand, OFFICIAL_ACCOUNT_COMMAND } from '../../command.ts';
import { OfficialAccountId } from '../../schema/fields.ts';

export default defineCommand({
  ...OFFICIAL_ACCOUNT_COMMAND,
  name: 'destroy_official_account',
  summary: 'Destroy an official account with its subscriptions and message history',
  docs: 'https://www.tencentcloud.com/document/product/1047/60756',
  request: Type.Object({ Official_Account: OfficialAccountId }),
  response: Type.Object({}),
  example: { request: { Official_Account: '@TOA#_news' }, response: {} },
  async handle(ctx, body) {
    await destroyOfficialAccount(ctx, body.Official_Account);
    return {};
  },
});
