/**
 * herald_admin/list_webhook_deliveries: Herald's own (Tencent has no such command), admin-only
 * like every other call. Emulator users inspect webhook deliveries here, newest first.
 */
import { Type } from '@sinclair/typebox';
import { listDeliveries, MAX_DELIVERIES_PAGE, OUTBOX_STATUSES } from '../../../services/deliveries.ts';
import { ADMIN_COMMAND, defineCommand } from '../../command.ts';
import { OneOf, SafeInteger } from '../../schema/fields.ts';

const Status = OneOf(OUTBOX_STATUSES, `Status must be one of ${OUTBOX_STATUSES.join(', ')}`);

export default defineCommand({
  ...ADMIN_COMMAND,
  name: 'list_webhook_deliveries',
  summary: 'Webhook deliveries of the app, newest first, with status, attempts, last error and body',
  request: Type.Object({
    Status: Type.Optional(Status),
    Official_Account: Type.Optional(Type.String()),
    Limit: Type.Optional(
      SafeInteger({
        minimum: 1,
        maximum: MAX_DELIVERIES_PAGE,
        errorMessage: `Limit must be between 1 and ${MAX_DELIVERIES_PAGE}`,
        description: 'default 50',
      }),
    ),
    /** Page backwards: only deliveries with a smaller Id. */
    BeforeId: Type.Optional(SafeInteger({ minimum: 1 })),
  }),
  response: Type.Object({
    Deliveries: Type.Array(
      Type.Object({
        Id: Type.Integer(),
        CallbackCommand: Type.String(),
        Official_Account: Type.String(),
        Status,
        Attempts: Type.Integer(),
        LastError: Type.String(),
        CreatedAt: Type.Integer({ description: 'Unix ms' }),
        NextAttemptAt: Type.Integer({ description: 'Unix ms' }),
        DeliveredAt: Type.Integer({ description: 'Unix ms; 0 until delivered' }),
        Body: Type.Record(Type.String(), Type.Unknown()),
      }),
    ),
  }),
  example: {
    request: { Official_Account: '@TOA#_news', Limit: 1 },
    response: {
      Deliveries: [
        {
          Id: 5,
          CallbackCommand: 'OfficialAccount.CallbackAfterMsgWithDraw',
          Official_Account: '@TOA#_news',
          Status: 'delivered',
          Attempts: 1,
          LastError: '',
          CreatedAt: 1767258420000,
          NextAttemptAt: 1767258420000,
          DeliveredAt: 1767258420012,
          Body: {
            CallbackCommand: 'OfficialAccount.CallbackAfterMsgWithDraw',
            Official_Account: '@TOA#_news',
            WithdrawMsgList: [{ MsgKey: '1_1_1767258300' }],
            EventTime: 1767258420000,
          },
        },
      ],
    },
  },
  async handle(ctx, body) {
    const events = await listDeliveries(ctx, {
      status: body.Status,
      officialAccountId: body.Official_Account,
      limit: body.Limit,
      beforeId: body.BeforeId,
    });
    return {
      Deliveries: events.map((e) => ({
        Id: e.id,
        CallbackCommand: e.command,
        Official_Account: e.officialAccountId,
        Status: e.status,
        Attempts: e.attempts,
        LastError: e.lastError ?? '',
        CreatedAt: e.createdAt,
        NextAttemptAt: e.nextAttemptAt,
        DeliveredAt: e.deliveredAt ?? 0,
        Body: e.body,
      })),
    };
  },
});
