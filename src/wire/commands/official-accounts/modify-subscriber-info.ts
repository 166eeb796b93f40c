/** official_account_open_http_svc/modify_subscriber_info */
import { Type } from '@sinclair/typebox';
import { modifySubscriberInfo } from '../../../services/subscribers.ts';
import { defineCommand, OFFICIAL_ACCOUNT_COMMAND } from '../../command.ts';
import { OfficialAccountId } from '../../schema/fields.ts';

export default defineCommand({
  ...OFFICIAL_ACCOUNT_COMMAND,
  name: 'modify_subscriber_info',
  summary: 'Set a subscriber’s CustomString',
  docs: 'https://www.tencentcloud.com/document/product/1047/60762',
  request: Type.Object({
    Official_Account: OfficialAccountId,
    Subscriber_Account: Type.String(),
    CustomString: Type.String({ description: 'at most 3000 bytes' }),
  }),
  response: Type.Object({}),
  example: {
    request: { Official_Account: '@TOA#_news', Subscriber_Account: 'bob', CustomString: '{"topics":["tech"]}' },
    response: {},
  },
  async handle(ctx, body) {
    await modifySubscriberInfo(ctx, body.Official_Account, body.Subscriber_Account, body.CustomString);
    return {};
  },
});
