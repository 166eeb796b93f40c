/**
 * herald_admin/reset: Herald's own, for tests. Empties the calling app's data (accounts except
 * its admins, official accounts, subscriptions, messages, webhook events) and keeps the app.
 */
import { Type } from '@sinclair/typebox';
import { resetApp } from '../../../services/reset.ts';
import { ADMIN_COMMAND, defineCommand } from '../../command.ts';

export default defineCommand({
  ...ADMIN_COMMAND,
  name: 'reset',
  summary:
    "Empty the app's data (accounts except its admins, official accounts, messages, webhook events); keep the app",
  request: Type.Object({}),
  response: Type.Object({
    DeletedAccounts: Type.Integer(),
    DeletedOfficialAccounts: Type.Integer(),
    DeletedMessages: Type.Integer(),
    DroppedWebhookEvents: Type.Integer({ description: 'undelivered and delivered events of the app' }),
  }),
  example: {
    request: {},
    response: { DeletedAccounts: 1, DeletedOfficialAccounts: 0, DeletedMessages: 0, DroppedWebhookEvents: 7 },
  },
  async handle(ctx) {
    const result = await resetApp(ctx);
    return {
      DeletedAccounts: result.accounts,
      DeletedOfficialAccounts: result.officialAccounts,
      DeletedMessages: result.messages,
      DroppedWebhookEvents: result.webhookEvents,
    };
  },
});
