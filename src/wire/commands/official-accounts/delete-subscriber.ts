/** official_account_open_http_svc/delete_subscriber */
import { Type } from '@sinclair/typebox';
import { invalidParameter } from '../../../errors.ts';
import { MAX_BATCH } from '../../../services/rules.ts';
import { deleteSubscribers } from '../../../services/subscribers.ts';
import { defineCommand, OFFICIAL_ACCOUNT_COMMAND } from '../../command.ts';
import { Batch, OfficialAccountId } from '../../schema/fields.ts';
import { SubscriberResults } from '../../schema/official-account.ts';

export default defineCommand({
  ...OFFICIAL_ACCOUNT_COMMAND,
  name: 'delete_subscriber',
  summary: 'Unsubscribe up to 100 users (Result: 1 removed, 2 was not subscribed)',
  docs: 'https://www.tencentcloud.com/document/product/1047/60761',
  request: Type.Object({
    Official_Account: OfficialAccountId,
    SubscriberToDel_Account: Type.Optional(Batch(Type.String(), MAX_BATCH, 'users', 'SubscriberToDel_Account')),
    /** The shape the doc's field table shows (a copy of add_subscriber's). */
    SubscriberList: Type.Optional(
      Batch(Type.Object({ Subscriber_Account: Type.String() }), MAX_BATCH, 'users', 'SubscriberToDel_Account'),
    ),
  }),
  response: Type.Object({ SubscriberList: SubscriberResults }),
  example: {
    request: { Official_Account: '@TOA#_news', SubscriberToDel_Account: ['carol'] },
    response: { SubscriberList: [{ Subscriber_Account: 'carol', Result: 1 }] },
  },
  async handle(ctx, body) {
    const userIds = body.SubscriberToDel_Account ?? body.SubscriberList?.map((s) => s.Subscriber_Account);
    if (userIds === undefined) throw invalidParameter('SubscriberToDel_Account is required');
    const { results } = await deleteSubscribers(ctx, body.Official_Account, userIds);
    return { SubscriberList: results.map((r) => ({ Subscriber_Account: r.userId, Result: r.result })) };
  },
});
