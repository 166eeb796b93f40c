/** Inspection of the app's webhook deliveries (Herald's own admin API; not a Tencent command). */
import type { OutboxEvent, OutboxStatus } from '../store/records.ts';
import type { ServiceContext } from './context.ts';

export const MAX_DELIVERIES_PAGE = 200;
export const DEFAULT_DELIVERIES_PAGE = 50;
export const OUTBOX_STATUSES = ['pending', 'delivered', 'cancelled'] as const satisfies readonly OutboxStatus[];

export async function listDeliveries(
  ctx: ServiceContext,
  options: {
    status?: OutboxStatus | undefined;
    officialAccountId?: string | undefined;
    limit?: number | undefined;
    beforeId?: number | undefined;
  },
): Promise<OutboxEvent[]> {
  return ctx.store.outbox.list({
    sdkappid: ctx.app.sdkappid,
    status: options.status,
    officialAccountId: options.officialAccountId,
    beforeId: options.beforeId,
    limit: options.limit ?? DEFAULT_DELIVERIES_PAGE,
  });
}
