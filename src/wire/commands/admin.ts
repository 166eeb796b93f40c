/**
 * `herald_admin`: Herald's own admin-only commands, authenticated like every other REST call
 * (app admin + UserSig). Emulator users inspect webhook deliveries here.
 */
import { listDeliveries } from '../../services/deliveries.ts';
import { defineCommand } from '../command.ts';
import * as S from '../schemas/admin.ts';

export const adminCommands = [
  defineCommand({
    service: 'herald_admin',
    name: 'list_webhook_deliveries',
    invalidCode: 6017,
    adminCode: 60010,
    defaultRate: 200,
    schema: S.ListWebhookDeliveries,
    async run(ctx, body) {
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
  }),
];
