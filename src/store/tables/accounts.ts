/** `accounts`: the imported users of each app (platform.md §4). */
import type { AccountInput } from '../records.ts';
import type { SqlRunner } from '../sql/runner.ts';
import { ListStatement, Statement } from '../sql/statement.ts';

export interface AccountsTable {
  sdkappid: number;
  user_id: string;
  nick: string;
  face_url: string;
  created_at: number;
  /** UserSigs issued before this Unix time no longer log the user in (kick; migration 0006). */
  sig_not_before: number;
}

/**
 * On PostgreSQL inside a transaction, 'share' keeps the rows from being deleted until commit and
 * 'update' claims them for deletion. SQLite has no row locks (a writer holds the whole database).
 */
export type RowLock = 'none' | 'share' | 'update';

const UPSERT = 'insert into accounts (sdkappid, user_id, nick, face_url, created_at) values (?, ?, ?, ?, ?)';
/** Indexed by (nick given ? 1 : 0) + (face given ? 2 : 0): re-import overwrites only the fields it names. */
const UPSERTS: readonly Statement[] = [
  new Statement('accounts.upsert', `${UPSERT} on conflict (sdkappid, user_id) do nothing`),
  new Statement('accounts.upsert_nick', `${UPSERT} on conflict (sdkappid, user_id) do update set nick = excluded.nick`),
  new Statement(
    'accounts.upsert_face',
    `${UPSERT} on conflict (sdkappid, user_id) do update set face_url = excluded.face_url`,
  ),
  new Statement(
    'accounts.upsert_both',
    `${UPSERT} on conflict (sdkappid, user_id) do update set nick = excluded.nick, face_url = excluded.face_url`,
  ),
];

const existing = (lock: string) =>
  new ListStatement(`accounts.existing${lock ? `_${lock}` : ''}`, (name, list, prepared) => {
    const text = `select user_id from accounts where sdkappid = ? and user_id in (${list})`;
    // Locks are taken in UserID order, so concurrent callers cannot deadlock on each other.
    return new Statement(name, text, { prepared, ...(lock && { postgres: `${text} order by user_id for ${lock}` }) });
  });
const EXISTING: Record<RowLock, ListStatement> = {
  none: existing(''),
  share: existing('share'),
  update: existing('update'),
};

const LOGIN_STATE = new Statement(
  'accounts.login_state',
  'select sig_not_before from accounts where sdkappid = ? and user_id = ?',
);
const SET_SIG_NOT_BEFORE = new Statement(
  'accounts.set_sig_not_before',
  'update accounts set sig_not_before = ? where sdkappid = ? and user_id = ?',
);

const DELETE = new ListStatement(
  'accounts.delete',
  (name, list, prepared) =>
    new Statement(name, `delete from accounts where sdkappid = ? and user_id in (${list})`, { prepared }),
);

export async function upsert(db: SqlRunner, sdkappid: number, accounts: readonly AccountInput[], now: number) {
  for (const account of accounts) {
    const variant = (account.nick !== undefined ? 1 : 0) + (account.faceUrl !== undefined ? 2 : 0);
    await db.changes(UPSERTS[variant] as Statement, [
      sdkappid,
      account.userId,
      account.nick ?? '',
      account.faceUrl ?? '',
      now,
    ]);
  }
}

/** The subset of `userIds` that are imported accounts of the app. */
export async function existingAmong(
  db: SqlRunner,
  sdkappid: number,
  userIds: readonly string[],
  lock: RowLock = 'none',
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const users = [...new Set(userIds)];
  const rows = await db.rows<{ user_id: string }>(EXISTING[lock].of(users.length), [sdkappid, ...users]);
  return new Set(rows.map((r) => r.user_id));
}

export async function remove(db: SqlRunner, sdkappid: number, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  const users = [...new Set(userIds)];
  await db.changes(DELETE.of(users.length), [sdkappid, ...users]);
}

/** Whether the user may log in: null when not imported, else the time before which UserSigs are void. */
export async function loginState(
  db: SqlRunner,
  sdkappid: number,
  userId: string,
): Promise<{ sigNotBefore: number } | null> {
  const [row] = await db.rows<{ sig_not_before: number | string }>(LOGIN_STATE, [sdkappid, userId]);
  return row ? { sigNotBefore: Number(row.sig_not_before) } : null;
}

/** Voids the user's UserSigs issued before `time`; false when the user is not imported. */
export async function setSigNotBefore(db: SqlRunner, sdkappid: number, userId: string, time: number): Promise<boolean> {
  return (await db.changes(SET_SIG_NOT_BEFORE, [time, sdkappid, userId])) === 1;
}
