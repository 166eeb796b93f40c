/** official_account_open_http_svc/official_account_msg_get_simple */
import { Type } from '@sinclair/typebox';
import { getHistory } from '../../../services/history.ts';
import { defineCommand, OFFICIAL_ACCOUNT_COMMAND } from '../../command.ts';
import { OfficialAccountId, SafeInteger } from '../../schema/fields.ts';
import { MsgElement } from '../../schema/official-account.ts';

export default defineCommand({
  ...OFFICIAL_ACCOUNT_COMMAND,
  name: 'official_account_msg_get_simple',
  summary: 'Message history, newest first, at most 20 a page',
  docs: 'https://www.tencentcloud.com/document/product/1047/60812',
  request: Type.Object({
    Official_Account: OfficialAccountId,
    ReqMsgNumber: SafeInteger({ minimum: 1, errorMessage: { minimum: 'ReqMsgNumber must be at least 1' } }),
    LastMsgKey: Type.Optional(Type.String({ description: 'the LastMsgKey of the previous page' })),
    WithRecalledMsg: Type.Optional(SafeInteger({ description: '1: recalled messages are listed, as placeholders' })),
  }),
  response: Type.Object({
    Official_Account: Type.String(),
    IsFinished: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], {
      description: '1 the page is what was asked for, 0 truncated to 20, 2 no older history remains',
    }),
    LastMsgKey: Type.String(),
    RspMsgList: Type.Array(
      Type.Object({
        From_Account: Type.String(),
        IsPlaceMsg: Type.Union([Type.Literal(0), Type.Literal(2)]),
        IsSystemMsg: Type.Literal(0),
        MsgBody: Type.Array(MsgElement),
        MsgKey: Type.String(),
        MsgSeq: Type.Integer(),
        MsgRandom: Type.Integer(),
        MsgTimeStamp: Type.Integer(),
        CloudCustomData: Type.Optional(Type.String()),
      }),
    ),
  }),
  example: {
    request: { Official_Account: '@TOA#_news', ReqMsgNumber: 20 },
    response: {
      Official_Account: '@TOA#_news',
      IsFinished: 2,
      LastMsgKey: '1_1_1767258300',
      RspMsgList: [
        {
          From_Account: '@TOA#_news',
          IsPlaceMsg: 0,
          IsSystemMsg: 0,
          MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'Good morning! Today’s headlines are in.' } }],
          MsgKey: '1_1_1767258300',
          MsgSeq: 1,
          MsgRandom: 2718281828,
          MsgTimeStamp: 1767258300,
          CloudCustomData: '{"edition":"morning"}',
        },
      ],
    },
  },
  async handle(ctx, body) {
    const page = await getHistory(
      ctx,
      body.Official_Account,
      body.ReqMsgNumber,
      body.LastMsgKey,
      body.WithRecalledMsg === 1,
    );
    return {
      Official_Account: body.Official_Account,
      IsFinished: page.isFinished,
      LastMsgKey: page.lastMsgKey,
      RspMsgList: page.messages.map((m) => ({
        From_Account: m.fromAccount,
        IsPlaceMsg: m.recalled ? (2 as const) : (0 as const),
        IsSystemMsg: 0 as const,
        MsgBody: m.recalled ? [] : (m.body as { MsgType: string; MsgContent: Record<string, unknown> }[]),
        MsgKey: m.msgKey,
        MsgSeq: m.seq,
        MsgRandom: m.random,
        MsgTimeStamp: m.time,
        ...(m.cloudCustomData !== null && !m.recalled && { CloudCustomData: m.cloudCustomData }),
      })),
    };
  },
});
