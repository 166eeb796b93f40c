/**
 * Empties one app's data and keeps the app (herald_admin/reset): its accounts (the admins stay
 * imported), official accounts with their subscriptions and messages, its webhook events and its
 * presence rows, in one transaction. Rare and never per call, so it is built with Kysely.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

/** What a reset removed. */
export interface ClearedAppData {
  accounts: number;
  officialAccountIds: string[];
  messages: number;
  webhookEvents: number;
}

export async function clearAppData(
  db: Kysely<Database>,
  sdkappid: number,
  keepAccounts: readonly string[],
): Promise<ClearedAppData> {
  return db.transaction().execute(async (trx) => {
    const officialAccounts = await trx
      .selectFrom('official_accounts')
      .select('id')
      .where('sdkappid', '=', sdkappid)
      .orderBy('id')
      .execute();
    const messages = await trx.deleteFrom('messages').where('sdkappid', '=', sdkappid).executeTakeFirst();
    await trx.deleteFrom('subscriptions').where('sdkappid', '=', sdkappid).execute();
    await trx.deleteFrom('official_accounts').where('sdkappid', '=', sdkappid).execute();
    let accounts = trx.deleteFrom('accounts').where('sdkappid', '=', sdkappid);
    if (keepAccounts.length > 0) accounts = accounts.where('user_id', 'not in', [...keepAccounts]);
    const deletedAccounts = await accounts.executeTakeFirst();
    const events = await trx.deleteFrom('webhook_outbox').where('sdkappid', '=', sdkappid).executeTakeFirst();
    // Presence is not in the Kysely schema (it is never exported): a statement both dialects run.
    await sql`delete from presence where sdkappid = ${sdkappid}`.execute(trx);
    await trx.updateTable('apps').set({ official_account_count: 0 }).where('sdkappid', '=', sdkappid).execute();
    return {
      accounts: Number(deletedAccounts.numDeletedRows),
      officialAccountIds: officialAccounts.map((row) => row.id),
      messages: Number(messages.numDeletedRows),
      webhookEvents: Number(events.numDeletedRows),
    };
  });
}
