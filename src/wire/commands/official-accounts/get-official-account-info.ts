/** official_account_open_http_svc/get_official_account_info */
import { Type } from '@sinclair/typebox';
import { CATALOG } from '../../../errors.ts';
import { getOfficialAccountInfo, MAX_INFO_BATCH } from '../../../services/official-accounts.ts';
import { defineCommand, OFFICIAL_ACCOUNT_COMMAND } from '../../command.ts';
import { Batch, OfficialAccountId } from '../../schema/fields.ts';
import { BaseInfoFields, BaseInfoFilter } from '../../schema/official-account.ts';

const { code: NOT_FOUND, info: NOT_FOUND_INFO } = CATALOG.officialAccountNotFound;

export default defineCommand({
  ...OFFICIAL_ACCOUNT_COMMAND,
  name: 'get_official_account_info',
  summary: 'Base information of up to 50 official accounts, each with its own ErrorCode',
  docs: 'https://www.tencentcloud.com/document/product/1047/60758',
  request: Type.Object({
    OfficialAccountIdList: Batch(
      Type.Object({ Official_Account: OfficialAccountId }),
      MAX_INFO_BATCH,
      'IDs',
      'OfficialAccountIdList',
    ),
    ResponseFilter: Type.Optional(Type.Object({ OfficialAccountBaseInfoFilter: BaseInfoFilter })),
  }),
  response: Type.Object({
    OfficialAccountInfoList: Type.Array(
      Type.Object({
        Official_Account: Type.String(),
        ErrorCode: Type.Union([Type.Literal(0), Type.Literal(NOT_FOUND)]),
        ErrorInfo: Type.String(),
        ...BaseInfoFields,
      }),
    ),
  }),
  example: {
    request: { OfficialAccountIdList: [{ Official_Account: '@TOA#_news' }, { Official_Account: '@TOA#_sports' }] },
    response: {
      OfficialAccountInfoList: [
        {
          Official_Account: '@TOA#_news',
          ErrorCode: 0,
          ErrorInfo: '',
          CreateTime: 1767258000,
          Name: 'Daily News',
          Owner_Account: 'alice',
          LastMsgTime: 1767258300,
          SubscriberNum: 2,
          Introduction: 'Headlines every morning at 8:00',
          FaceUrl: 'https://example.com/faces/news.png',
          Organization: 'Example Media',
          CustomString: '{"category":"news"}',
        },
        { Official_Account: '@TOA#_sports', ErrorCode: NOT_FOUND, ErrorInfo: NOT_FOUND_INFO },
      ],
    },
  },
  async handle(ctx, body) {
    const items = await getOfficialAccountInfo(
      ctx,
      body.OfficialAccountIdList.map((i) => i.Official_Account),
      body.ResponseFilter?.OfficialAccountBaseInfoFilter,
    );
    return {
      OfficialAccountInfoList: items.map((item) =>
        item.found
          ? { Official_Account: item.id, ErrorCode: 0 as const, ErrorInfo: '', ...item.info }
          : { Official_Account: item.id, ErrorCode: NOT_FOUND, ErrorInfo: NOT_FOUND_INFO },
      ),
    };
  },
});
