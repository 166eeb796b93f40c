/** official_account_open_http_svc/get_subscribed_official_account_list */
import { Type } from '@sinclair/typebox';
import { getSubscribedOfficialAccounts } from '../../../services/subscribers.ts';
import { defineCommand, OFFICIAL_ACCOUNT_COMMAND } from '../../command.ts';
import { SafeInteger } from '../../schema/fields.ts';
import { BaseInfoFields, BaseInfoFilter, PageLimit } from '../../schema/official-account.ts';

export default defineCommand({
  ...OFFICIAL_ACCOUNT_COMMAND,
  name: 'get_subscribed_official_account_list',
  summary: 'The official accounts a user subscribes to, in subscribe order, paged by offset',
  docs: 'https://www.tencentcloud.com/document/product/1047/60763',
  request: Type.Object({
    Subscriber_Account: Type.String(),
    Limit: Type.Optional(PageLimit),
    Offset: Type.Optional(
      SafeInteger({ minimum: 0, errorMessage: { minimum: 'Offset must not be negative' }, description: 'default 0' }),
    ),
    ResponseFilter: Type.Optional(
      Type.Object({
        OfficialAccountBaseInfoFilter: BaseInfoFilter,
        SelfInfoFilter: Type.Optional(Type.Array(Type.String(), { description: 'SubscribeTime, CustomString' })),
      }),
    ),
  }),
  response: Type.Object({
    OfficialAccountInfoList: Type.Array(
      Type.Object({
        Official_Account: Type.String(),
        ...BaseInfoFields,
        SelfInfo: Type.Object({
          SubscribeTime: Type.Optional(Type.Integer()),
          CustomString: Type.Optional(Type.String()),
        }),
      }),
    ),
    TotalCount: Type.Integer(),
    CompleteFlag: Type.Union([Type.Literal(0), Type.Literal(1)]),
    Next: Type.Integer({ description: 'the Offset of the next page' }),
  }),
  example: {
    request: { Subscriber_Account: 'bob', Limit: 20 },
    response: {
      OfficialAccountInfoList: [
        {
          Official_Account: '@TOA#_news',
          CreateTime: 1767258000,
          Name: 'Daily News',
          Owner_Account: 'alice',
          LastMsgTime: 1767258300,
          SubscriberNum: 2,
          Introduction: 'Headlines every morning at 8:00',
          FaceUrl: 'https://example.com/faces/news.png',
          Organization: 'Example Media',
          CustomString: '{"category":"news"}',
          SelfInfo: { SubscribeTime: 1767258060, CustomString: '{"topics":["tech"]}' },
        },
      ],
      TotalCount: 1,
      CompleteFlag: 1,
      Next: 1,
    },
  },
  async handle(ctx, body) {
    const page = await getSubscribedOfficialAccounts(ctx, body.Subscriber_Account, {
      offset: body.Offset,
      limit: body.Limit,
      baseInfoFilter: body.ResponseFilter?.OfficialAccountBaseInfoFilter,
      selfInfoFilter: body.ResponseFilter?.SelfInfoFilter,
    });
    return {
      OfficialAccountInfoList: page.items.map((item) => ({
        Official_Account: item.id,
        ...item.info,
        SelfInfo: item.selfInfo,
      })),
      TotalCount: page.totalCount,
      CompleteFlag: page.complete ? (1 as const) : (0 as const),
      Next: page.next,
    };
  },
});
