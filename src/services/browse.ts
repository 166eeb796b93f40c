/**
 * Browsing an app (Herald's own admin API, used by the web console): its accounts and official
 * accounts page by page with a search, and its overview. Not Tencent commands.
 */
import type { AccountRecord, AppCounts, OfficialAccountRecord } from '../store/records.ts';
import type { ServiceContext } from './context.ts';

export const MAX_BROWSE_PAGE = 200;
export const DEFAULT_BROWSE_PAGE = 50;

export interface BrowseOptions {
  /** Case-insensitive substring of the ID or the name. */
  search?: string | undefined;
  /** The cursor a previous page answered ('' or absent: the first page). */
  next?: string | undefined;
  limit?: number | undefined;
}

/** One page, and the cursor of the next ('' when this is the last). */
export interface Page<T> {
  rows: T[];
  next: string;
}

/**
 * Reads one row more than asked: when it exists there is a next page, whose cursor is the last
 * key shown, so an empty last page is never offered.
 */
async function page<T>(
  options: BrowseOptions,
  read: (after: string | undefined, limit: number) => Promise<T[]>,
  keyOf: (row: T) => string,
): Promise<Page<T>> {
  const limit = options.limit ?? DEFAULT_BROWSE_PAGE;
  const found = await read(options.next === '' ? undefined : options.next, limit + 1);
  const rows = found.slice(0, limit);
  const last = rows[rows.length - 1];
  return { rows, next: found.length > limit && last !== undefined ? keyOf(last) : '' };
}

export function listAccounts(ctx: ServiceContext, options: BrowseOptions): Promise<Page<AccountRecord>> {
  const { sdkappid } = ctx.app;
  return page(
    options,
    (after, limit) => ctx.store.browse.accounts({ sdkappid, search: options.search, after, limit }),
    (row) => row.userId,
  );
}

export function listOfficialAccounts(
  ctx: ServiceContext,
  options: BrowseOptions,
): Promise<Page<OfficialAccountRecord>> {
  const { sdkappid } = ctx.app;
  return page(
    options,
    (after, limit) => ctx.store.browse.officialAccounts({ sdkappid, search: options.search, after, limit }),
    (row) => row.id,
  );
}

export interface AppOverview extends AppCounts {
  /** Users with a subscriber connection open on any node. */
  onlineUsers: number;
}

export async function appOverview(ctx: ServiceContext): Promise<AppOverview> {
  const counts = await ctx.store.browse.counts(ctx.app.sdkappid);
  return { ...counts, onlineUsers: await ctx.online.countUsers(ctx.app.sdkappid) };
}
