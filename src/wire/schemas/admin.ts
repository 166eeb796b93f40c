/** Wire schemas of Herald's own admin service (`herald_admin`), which Tencent does not have. */
import { Type } from '@sinclair/typebox';
import { SafeInteger } from './types.ts';

export const ListWebhookDeliveries = Type.Object({
  Status: Type.Optional(Type.String()),
  Official_Account: Type.Optional(Type.String()),
  Limit: Type.Optional(SafeInteger()),
  /** Page backwards: only deliveries with a smaller Id. */
  BeforeId: Type.Optional(SafeInteger({ minimum: 1 })),
});
