/**
 * The Store written once over Kysely. Queries stay within what SQLite and PostgreSQL both
 * speak (ON CONFLICT, RETURNING), so the two implementations differ only in how they connect
 * (sqlite.ts, postgres.ts).
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, OfficialAccountsTable, AppsTable } from './schema.ts';
import type { AccountInput, AppRecord, NewOfficialAccount, OfficialAccountRecord } from './records.ts';
import type { Store, StoreTx } from './store.ts';

type Db = Kysely<Database> | Transaction<Database>;

function toOfficialAccount(row: Selectable<OfficialAccountsTable>): OfficialAccountRecord {
  return {
    id: row.id,
    owner: row.owner,
    name: row.name,
    introduction: row.introduction,
    faceUrl: row.face_url,
    organization: row.organization,
    customString: row.custom_string,
    maxSubscriberNum: Number(row.max_subscriber_num),
    subscriberNum: Number(row.subscriber_num),
    lastMsgTime: Number(row.last_msg_time),
    createTime: Number(row.create_time),
  };
}

function toApp(row: Selectable<AppsTable>): AppRecord {
  return {
    sdkappid: Number(row.sdkappid),
    secretKey: row.secret_key,
    admins: JSON.parse(row.admins) as string[],
    officialAccountEnabled: Number(row.official_account_enabled) === 1,
    maxOfficialAccounts: Number(row.max_official_accounts),
    rateLimits: JSON.parse(row.rate_limits) as Record<string, number>,
    createdAt: Number(row.created_at),
  };
}

class KyselyTx implements StoreTx {
  constructor(protected readonly db: Db) {}

  async upsertAccounts(sdkappid: number, accounts: readonly AccountInput[], now: number): Promise<void> {
    for (const account of accounts) {
      // Re-import keeps the account and overwrites only the profile fields it names.
      const update: { nick?: string; face_url?: string } = {};
      if (account.nick !== undefined) update.nick = account.nick;
      if (account.faceUrl !== undefined) update.face_url = account.faceUrl;
      await this.db
        .insertInto('accounts')
        .values({ sdkappid, user_id: account.userId, nick: account.nick ?? '', face_url: account.faceUrl ?? '', created_at: now })
        .onConflict((oc) => (Object.keys(update).length > 0 ? oc.columns(['sdkappid', 'user_id']).doUpdateSet(update) : oc.columns(['sdkappid', 'user_id']).doNothing()))
        .execute();
    }
  }

  async existingAccounts(sdkappid: number, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('accounts')
      .select('user_id')
      .where('sdkappid', '=', sdkappid)
      .where('user_id', 'in', [...new Set(userIds)])
      .execute();
    return new Set(rows.map((r) => r.user_id));
  }

  async deleteAccounts(sdkappid: number, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.db.deleteFrom('accounts').where('sdkappid', '=', sdkappid).where('user_id', 'in', [...new Set(userIds)]).execute();
  }

  async countOfficialAccounts(sdkappid: number): Promise<number> {
    const row = await this.db
      .selectFrom('official_accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sdkappid', '=', sdkappid)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertOfficialAccount(sdkappid: number, account: NewOfficialAccount): Promise<boolean> {
    const result = await this.db
      .insertInto('official_accounts')
      .values({
        sdkappid,
        id: account.id,
        owner: account.owner,
        name: account.name,
        introduction: account.introduction,
        face_url: account.faceUrl,
        organization: account.organization,
        custom_string: account.customString,
        max_subscriber_num: account.maxSubscriberNum,
        create_time: account.createTime,
      })
      .onConflict((oc) => oc.columns(['sdkappid', 'id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async getOfficialAccounts(sdkappid: number, ids: readonly string[]): Promise<Map<string, OfficialAccountRecord>> {
    const found = new Map<string, OfficialAccountRecord>();
    if (ids.length === 0) return found;
    const rows = await this.db
      .selectFrom('official_accounts')
      .selectAll()
      .where('sdkappid', '=', sdkappid)
      .where('id', 'in', [...new Set(ids)])
      .execute();
    for (const row of rows) found.set(row.id, toOfficialAccount(row));
    return found;
  }
}

export class KyselyStore extends KyselyTx implements Store {
  constructor(
    readonly kind: Store['kind'],
    private readonly kysely: Kysely<Database>,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    super(kysely);
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.kysely.transaction().execute((trx) => fn(new KyselyTx(trx)));
  }

  async listApps(): Promise<AppRecord[]> {
    const rows = await this.kysely.selectFrom('apps').selectAll().orderBy('sdkappid').execute();
    return rows.map(toApp);
  }

  async getApp(sdkappid: number): Promise<AppRecord | undefined> {
    const row = await this.kysely.selectFrom('apps').selectAll().where('sdkappid', '=', sdkappid).executeTakeFirst();
    return row ? toApp(row) : undefined;
  }

  async putApp(app: AppRecord): Promise<void> {
    const values = {
      secret_key: app.secretKey,
      admins: JSON.stringify(app.admins),
      official_account_enabled: app.officialAccountEnabled ? 1 : 0,
      max_official_accounts: app.maxOfficialAccounts,
      rate_limits: JSON.stringify(app.rateLimits),
    };
    await this.kysely
      .insertInto('apps')
      .values({ sdkappid: app.sdkappid, created_at: app.createdAt, ...values })
      .onConflict((oc) => oc.column('sdkappid').doUpdateSet(values))
      .execute();
  }

  async ping(): Promise<void> {
    await this.kysely.selectFrom('apps').select('sdkappid').limit(1).execute();
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
    await this.onClose();
  }
}
