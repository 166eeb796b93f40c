/** official_account_open_http_svc/add_subscriber */
import { Type } from '@sinclair/typebox';
import { invalidParameter } from '../../../errors.ts';
import { MAX_BATCH } from '../../../services/rules.ts';
import { addSubscribers } from '../../../services/subscribers.ts';
import { defineCommand, OFFICIAL_ACCOUNT_COMMAND } from '../../command.ts';
import { Batch, OfficialAccountId } from '../../schema/fields.ts';
import { SubscriberResults } from '../../schema/official-account.ts';

export default defineCommand({
  ...OFFICIAL_ACCOUNT_COMMAND,
  name: 'add_subscriber',
  summary: 'Subscribe up to 100 imported users (Result: 1 added, 2 already subscribed, 0 failed)',
  docs: 'https://www.tencentcloud.com/document/product/1047/60760',
  request: Type.Object({
    Official_Account: OfficialAccountId,
    SubscriberList: Batch(
      Type.Object({
        Subscriber_Account: Type.Optional(Type.String()),
        /** The doocs Java client names the user this way. */
        Official_Account: Type.Optional(Type.String()),
      }),
      MAX_BATCH,
      'users',
      'SubscriberList',
    ),
  }),
  response: Type.Object({ SubscriberList: SubscriberResults }),
  example: {
    request: {
      Official_Account: '@TOA#_news',
      SubscriberList: [{ Subscriber_Account: 'bob' }, { Subscriber_Account: 'carol' }],
    },
    response: {
      SubscriberList: [
        { Subscriber_Account: 'bob', Result: 1 },
        { Subscriber_Account: 'carol', Result: 1 },
      ],
    },
  },
  async handle(ctx, body) {
    const userIds = body.SubscriberList.map((item, i) => {
      const userId = item.Subscriber_Account ?? item.Official_Account;
      if (userId === undefined) throw invalidParameter(`SubscriberList.${i}: Subscriber_Account is required`);
      return userId;
    });
    const { results } = await addSubscribers(ctx, body.Official_Account, userIds);
    return { SubscriberList: results.map((r) => ({ Subscriber_Account: r.userId, Result: r.result })) };
  },
});
