/** official_account_open_http_svc/get_subscriber_info */
import { Type } from '@sinclair/typebox';
import { getSubscriberInfo } from '../../../services/subscribers.ts';
import { defineCommand, OFFICIAL_ACCOUNT_COMMAND } from '../../command.ts';
import { OfficialAccountId } from '../../schema/fields.ts';
import { MsgFlag, PageLimit } from '../../schema/official-account.ts';

export default defineCommand({
  ...OFFICIAL_ACCOUNT_COMMAND,
  name: 'get_subscriber_info',
  summary: 'One page of an official account’s subscribers, in subscription order, with a cursor',
  docs: 'https://www.tencentcloud.com/document/product/1047/60759',
  request: Type.Object({
    Official_Account: OfficialAccountId,
    Limit: Type.Optional(PageLimit),
    Next: Type.Optional(Type.String({ description: 'the cursor of the previous page; "" or absent for the first' })),
  }),
  response: Type.Object({
    Next: Type.String({ description: '"" when no page follows' }),
    SubscriberNum: Type.Integer(),
    SubscriberList: Type.Array(
      Type.Object({
        Subscriber_Account: Type.String(),
        SubscribeTime: Type.Integer(),
        CustomString: Type.String(),
        MsgFlag,
        LastSendMsgTime: Type.Integer(),
      }),
    ),
  }),
  example: {
    request: { Official_Account: '@TOA#_news', Limit: 100 },
    response: {
      Next: '',
      SubscriberNum: 2,
      SubscriberList: [
        {
          Subscriber_Account: 'bob',
          SubscribeTime: 1767258060,
          CustomString: '{"topics":["tech"]}',
          MsgFlag: 'AcceptAndNotify',
          LastSendMsgTime: 0,
        },
        {
          Subscriber_Account: 'carol',
          SubscribeTime: 1767258060,
          CustomString: '',
          MsgFlag: 'AcceptAndNotify',
          LastSendMsgTime: 0,
        },
      ],
    },
  },
  async handle(ctx, body) {
    const page = await getSubscriberInfo(ctx, body.Official_Account, body.Limit, body.Next ?? '');
    return {
      Next: page.next,
      SubscriberNum: page.subscriberNum,
      SubscriberList: page.subscribers.map((s) => ({
        Subscriber_Account: s.userId,
        SubscribeTime: s.subscribeTime,
        CustomString: s.customString,
        MsgFlag: s.msgFlag,
        LastSendMsgTime: s.lastSendMsgTime,
      })),
    };
  },
});
