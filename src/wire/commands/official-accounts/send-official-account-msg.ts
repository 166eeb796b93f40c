/** official_account_open_http_svc/send_official_account_msg */
import { Type } from '@sinclair/typebox';
import { sendMessage } from '../../../services/send.ts';
import { defineCommand, OFFICIAL_ACCOUNT_COMMAND } from '../../command.ts';
import { OfficialAccountId, SafeInteger } from '../../schema/fields.ts';

export default defineCommand({
  ...OFFICIAL_ACCOUNT_COMMAND,
  name: 'send_official_account_msg',
  summary: 'Broadcast a message to every subscriber (stored once in the account’s timeline)',
  docs: 'https://www.tencentcloud.com/document/product/1047/60810',
  request: Type.Object({
    Official_Account: OfficialAccountId,
    Random: SafeInteger({
      minimum: 0,
      maximum: 4_294_967_295,
      description: 'a repeat within 5 minutes is one message',
    }),
    /** Element-level rules live in services/message-body.ts (they carry their own messages). */
    MsgBody: Type.Unknown({
      description: 'array of message elements ({MsgType, MsgContent}), at most 12 KB with CloudCustomData',
    }),
    CloudCustomData: Type.Optional(Type.String()),
    OfflinePushInfo: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    ForbidCallbackControl: Type.Optional(Type.Array(Type.String())),
    OnlineOnlyFlag: Type.Optional(
      SafeInteger({ minimum: 0, maximum: 1, errorMessage: 'OnlineOnlyFlag must be 0 or 1' }),
    ),
    SendMsgControl: Type.Optional(Type.Array(Type.String())),
  }),
  response: Type.Object({
    MsgTime: Type.Integer(),
    MsgKey: Type.String({ description: '{Seq}_1_{MsgTime}' }),
  }),
  example: {
    request: {
      Official_Account: '@TOA#_news',
      Random: 2718281828,
      MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'Good morning! Today’s headlines are in.' } }],
      CloudCustomData: '{"edition":"morning"}',
    },
    response: { MsgTime: 1767258300, MsgKey: '1_1_1767258300' },
  },
  async handle(ctx, body) {
    const sent = await sendMessage(ctx, {
      officialAccountId: body.Official_Account,
      random: body.Random,
      msgBody: body.MsgBody,
      cloudCustomData: body.CloudCustomData,
      offlinePushInfo: body.OfflinePushInfo,
      forbidCallbackControl: body.ForbidCallbackControl,
      onlineOnlyFlag: body.OnlineOnlyFlag,
      sendMsgControl: body.SendMsgControl,
    });
    return { MsgTime: sent.msgTime, MsgKey: sent.msgKey };
  },
});
