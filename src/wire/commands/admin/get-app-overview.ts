/**
 * herald_admin/get_app_overview: Herald's own. What the app holds, the state of its webhook
 * outbox and how many of its users are connected, at a glance (the console's Overview).
 */
import { Type } from '@sinclair/typebox';
import { appOverview } from '../../../services/browse.ts';
import { ADMIN_COMMAND, defineCommand } from '../../command.ts';

export default defineCommand({
  ...ADMIN_COMMAND,
  name: 'get_app_overview',
  summary: "Counts of the app's accounts, official accounts, subscriptions and messages; webhook outbox; online users",
  request: Type.Object({}),
  response: Type.Object({
    SDKAppID: Type.Integer(),
    Accounts: Type.Integer(),
    OfficialAccounts: Type.Integer(),
    Subscriptions: Type.Integer(),
    Messages: Type.Integer({ description: 'messages broadcast, recalled ones included' }),
    Webhooks: Type.Object({
      Pending: Type.Integer({ description: 'events waiting in the outbox' }),
      Delivered: Type.Integer(),
      Cancelled: Type.Integer({ description: 'events whose webhook was switched off before delivery' }),
    }),
    OnlineUsers: Type.Integer({ description: 'users with a subscriber connection open on any node' }),
  }),
  example: {
    request: {},
    response: {
      SDKAppID: 1400000000,
      Accounts: 4,
      OfficialAccounts: 1,
      Subscriptions: 2,
      Messages: 1,
      Webhooks: { Pending: 0, Delivered: 5, Cancelled: 0 },
      OnlineUsers: 0,
    },
  },
  async handle(ctx) {
    const o = await appOverview(ctx);
    return {
      SDKAppID: ctx.app.sdkappid,
      Accounts: o.accounts,
      OfficialAccounts: o.officialAccounts,
      Subscriptions: o.subscriptions,
      Messages: o.messages,
      Webhooks: { Pending: o.webhooks.pending, Delivered: o.webhooks.delivered, Cancelled: o.webhooks.cancelled },
      OnlineUsers: o.onlineUsers,
    };
  },
});
