/**
 * `apps`: each SDKAppID's key, admins and settings, and the count of its official accounts (the
 * 130010 cap). Settings are read and written with Kysely (rare, never per call); the counter is
 * moved by prepared statements inside create and destroy transactions.
 */
import type { Generated, Kysely, Selectable } from 'kysely';
import type { AppRecord, BeforeFailurePolicy } from '../records.ts';
import type { Database } from '../schema.ts';
import type { SqlRunner } from '../sql/runner.ts';
import { Statement } from '../sql/statement.ts';

export interface AppsTable {
  sdkappid: number;
  secret_key: string;
  /** JSON array of identifiers. */
  admins: string;
  official_account_enabled: number;
  max_official_accounts: number;
  /** JSON object: "service/command" or "*" → calls per second (0 = unlimited). */
  rate_limits: string;
  /** Per official account: messages per second and per hour (0 = unlimited). */
  send_per_second: number;
  send_per_hour: number;
  webhook_url: string | null;
  webhook_token: string | null;
  /** JSON array of CallbackCommands switched off. */
  webhook_off: string;
  /** What a failed "before" webhook means: 'allow' (go ahead) or 'reject' (80003). */
  webhook_before_failure: string;
  created_at: number;
  /** Rows in official_accounts of this app, kept by create and destroy (the 130010 cap). */
  official_account_count: Generated<number>;
}

function toRecord(row: Selectable<AppsTable>): AppRecord {
  return {
    sdkappid: Number(row.sdkappid),
    secretKey: row.secret_key,
    admins: JSON.parse(row.admins) as string[],
    officialAccountEnabled: Number(row.official_account_enabled) === 1,
    maxOfficialAccounts: Number(row.max_official_accounts),
    rateLimits: JSON.parse(row.rate_limits) as Record<string, number>,
    sendPerSecond: Number(row.send_per_second),
    sendPerHour: Number(row.send_per_hour),
    webhook: {
      url: row.webhook_url,
      token: row.webhook_token,
      off: JSON.parse(row.webhook_off) as string[],
      beforeFailure: row.webhook_before_failure as BeforeFailurePolicy,
    },
    createdAt: Number(row.created_at),
  };
}

export async function list(db: Kysely<Database>): Promise<AppRecord[]> {
  return (await db.selectFrom('apps').selectAll().orderBy('sdkappid').execute()).map(toRecord);
}

export async function get(db: Kysely<Database>, sdkappid: number): Promise<AppRecord | undefined> {
  const row = await db.selectFrom('apps').selectAll().where('sdkappid', '=', sdkappid).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** Inserts the app, or replaces every setting of an existing one (its account count stays). */
export async function put(db: Kysely<Database>, app: AppRecord): Promise<void> {
  const settings = {
    secret_key: app.secretKey,
    admins: JSON.stringify(app.admins),
    official_account_enabled: app.officialAccountEnabled ? 1 : 0,
    max_official_accounts: app.maxOfficialAccounts,
    rate_limits: JSON.stringify(app.rateLimits),
    send_per_second: app.sendPerSecond,
    send_per_hour: app.sendPerHour,
    webhook_url: app.webhook.url,
    webhook_token: app.webhook.token,
    webhook_off: JSON.stringify(app.webhook.off),
    webhook_before_failure: app.webhook.beforeFailure,
  };
  await db
    .insertInto('apps')
    .values({ sdkappid: app.sdkappid, created_at: app.createdAt, ...settings })
    .onConflict((oc) => oc.column('sdkappid').doUpdateSet(settings))
    .execute();
}

const TAKE_SLOT = new Statement(
  'apps.take_official_account_slot',
  'update apps set official_account_count = official_account_count + 1 where sdkappid = ? and official_account_count < ?',
);
const FREE_SLOT = new Statement(
  'apps.free_official_account_slot',
  'update apps set official_account_count = official_account_count - 1 where sdkappid = ?',
);

/**
 * Counts one more official account for the app unless it already has `max`: false then. A
 * conditional increment, so a create costs the same with 10 or 100,000 accounts; on PostgreSQL it
 * row-locks the app until commit, so it is the create transaction's last statement.
 */
export async function takeOfficialAccountSlot(db: SqlRunner, sdkappid: number, max: number): Promise<boolean> {
  return (await db.changes(TAKE_SLOT, [sdkappid, max])) === 1;
}

export async function freeOfficialAccountSlot(db: SqlRunner, sdkappid: number): Promise<void> {
  await db.changes(FREE_SLOT, [sdkappid]);
}
