/** official_account_open_http_svc/official_account_msg_recall */
import { Type } from '@sinclair/typebox';
import { MAX_RECALL_KEYS, recallMessages } from '../../../services/history.ts';
import { defineCommand, OFFICIAL_ACCOUNT_COMMAND } from '../../command.ts';
import { Batch, OfficialAccountId } from '../../schema/fields.ts';

export default defineCommand({
  ...OFFICIAL_ACCOUNT_COMMAND,
  name: 'official_account_msg_recall',
  summary: 'Recall up to 10 messages (RetCode: 0 recalled, 1 no such message, 2 already recalled)',
  docs: 'https://www.tencentcloud.com/document/product/1047/60811',
  request: Type.Object({
    Official_Account: OfficialAccountId,
    MsgKeyList: Batch(Type.String(), MAX_RECALL_KEYS, 'keys', 'MsgKeyList'),
    Reason: Type.Optional(Type.String({ description: 'at most 100 bytes' })),
  }),
  response: Type.Object({
    RecallRetList: Type.Array(
      Type.Object({
        MsgKey: Type.String(),
        RetCode: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]),
        MsgSeq: Type.Optional(Type.Integer()),
      }),
    ),
  }),
  example: {
    request: { Official_Account: '@TOA#_news', MsgKeyList: ['1_1_1767258300'], Reason: 'Sent by mistake' },
    response: { RecallRetList: [{ MsgKey: '1_1_1767258300', RetCode: 0, MsgSeq: 1 }] },
  },
  async handle(ctx, body) {
    const { results } = await recallMessages(ctx, body.Official_Account, body.MsgKeyList, body.Reason ?? '');
    return {
      RecallRetList: results.map((r) => ({
        MsgKey: r.msgKey,
        RetCode: r.retCode,
        ...(r.seq !== undefined && { MsgSeq: r.seq }),
      })),
    };
  },
});
