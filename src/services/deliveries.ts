/** Inspection of the app's webhook deliveries (Herald's own admin API; not a Tencent command). */
import { ApiError } from '../errors.ts';
import type { OutboxEvent, OutboxStatus } from '../store/records.ts';
import type { ServiceContext } from './context.ts';

export const MAX_DELIVERIES_PAGE = 200;
const STATUSES: readonly OutboxStatus[] = ['pending', 'delivered', 'cancelled'];

export async function listDeliveries(
  ctx: ServiceContext,
  options: {
    status?: string | undefined;
    officialAccountId?: string | undefined;
    limit?: number | undefined;
    beforeId?: number | undefined;
  },
): Promise<OutboxEvent[]> {
  if (options.status !== undefined && !(STATUSES as readonly string[]).includes(options.status)) {
    throw new ApiError(6017, `Status must be one of ${STATUSES.join(', ')}`);
  }
  const limit = options.limit ?? 50;
  if (limit < 1 || limit > MAX_DELIVERIES_PAGE)
    throw new ApiError(6017, `Limit must be between 1 and ${MAX_DELIVERIES_PAGE}`);
  return ctx.store.listWebhooks({
    sdkappid: ctx.app.sdkappid,
    status: options.status as OutboxStatus | undefined,
    officialAccountId: options.officialAccountId,
    beforeId: options.beforeId,
    limit,
  });
}
