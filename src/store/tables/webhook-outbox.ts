/**
 * `webhook_outbox`: "after" webhook events, written in the transaction of the change they report
 * (a prepared statement, on the per-call path) and delivered by the dispatcher (Kysely queries,
 * off the per-call path). Times are Unix milliseconds.
 */
import type { Generated, Kysely, Selectable } from 'kysely';
import type { NewOutboxEvent, OutboxEvent, OutboxFilter, OutboxStatus } from '../records.ts';
import type { Database } from '../schema.ts';
import type { SqlRunner } from '../sql/runner.ts';
import { insertInto } from '../sql/statement.ts';

export interface WebhookOutboxTable {
  id: Generated<number>;
  sdkappid: number;
  /** Ordering key: events of one account are delivered in id order. */
  oa_id: string;
  command: string;
  /** JSON text of the body, EventTime included (fixed when the event happened). */
  body: string;
  client_ip: string;
  created_at: number;
  /** pending | delivered | cancelled */
  status: Generated<string>;
  attempts: Generated<number>;
  next_attempt_at: number;
  /** A dispatcher owns the row until then (ms); another may take it after. */
  lease_until: Generated<number>;
  last_error: string | null;
  delivered_at: number | null;
}

function toEvent(row: Selectable<WebhookOutboxTable>): OutboxEvent {
  return {
    id: Number(row.id),
    sdkappid: Number(row.sdkappid),
    officialAccountId: row.oa_id,
    command: row.command,
    body: JSON.parse(row.body) as Record<string, unknown>,
    clientIp: row.client_ip,
    createdAt: Number(row.created_at),
    status: row.status as OutboxStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error,
    deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
  };
}

const ENQUEUE = insertInto('webhook_outbox.enqueue', 'webhook_outbox', [
  'sdkappid',
  'oa_id',
  'command',
  'body',
  'client_ip',
  'created_at',
  'next_attempt_at',
] as const);

export async function enqueue(db: SqlRunner, event: NewOutboxEvent): Promise<void> {
  await db.changes(
    ENQUEUE.statement,
    ENQUEUE.values({
      sdkappid: event.sdkappid,
      oa_id: event.officialAccountId,
      command: event.command,
      body: JSON.stringify(event.body),
      client_ip: event.clientIp,
      created_at: event.createdAt,
      next_attempt_at: event.createdAt,
    }),
  );
}

/**
 * Takes up to `limit` due events, each the oldest pending event of its account, that no other
 * dispatcher holds, and holds them until `now + leaseMs`.
 */
export async function claim(db: Kysely<Database>, postgres: boolean, now: number, leaseMs: number, limit: number) {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('webhook_outbox as o')
      .selectAll('o')
      .where('o.status', '=', 'pending')
      .where('o.next_attempt_at', '<=', now)
      .where('o.lease_until', '<=', now)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('webhook_outbox as p')
              .select('p.id')
              .whereRef('p.sdkappid', '=', 'o.sdkappid')
              .whereRef('p.oa_id', '=', 'o.oa_id')
              .where('p.status', '=', 'pending')
              .whereRef('p.id', '<', 'o.id'),
          ),
        ),
      )
      .orderBy('o.id')
      .limit(limit)
      .$if(postgres, (qb) => qb.forUpdate().skipLocked())
      .execute();
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    await trx
      .updateTable('webhook_outbox')
      .set({ lease_until: now + leaseMs })
      .where('id', 'in', ids)
      .execute();
    return rows.map(toEvent);
  });
}

export async function markDelivered(db: Kysely<Database>, id: number, at: number): Promise<void> {
  await db
    .updateTable('webhook_outbox')
    .set((eb) => ({
      status: 'delivered',
      delivered_at: at,
      attempts: eb('attempts', '+', 1),
      lease_until: 0,
      last_error: null,
    }))
    .where('id', '=', id)
    .execute();
}

export async function markFailed(db: Kysely<Database>, id: number, error: string, nextAttemptAt: number) {
  await db
    .updateTable('webhook_outbox')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: error.slice(0, 500),
      next_attempt_at: nextAttemptAt,
      lease_until: 0,
    }))
    .where('id', '=', id)
    .execute();
}

export async function markCancelled(db: Kysely<Database>, id: number, reason: string): Promise<void> {
  await db
    .updateTable('webhook_outbox')
    .set({ status: 'cancelled', last_error: reason, lease_until: 0 })
    .where('id', '=', id)
    .execute();
}

/** When the next pending event falls due (null when none is pending). */
export async function nextDue(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom('webhook_outbox')
    .select((eb) => eb.fn.min('next_attempt_at').as('due'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return row?.due === null || row?.due === undefined ? null : Number(row.due);
}

/** How many events wait for delivery (metrics, at scrape time; the pending index answers it). */
export async function countPending(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('webhook_outbox')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function list(db: Kysely<Database>, filter: OutboxFilter): Promise<OutboxEvent[]> {
  const rows = await db
    .selectFrom('webhook_outbox')
    .selectAll()
    .$if(filter.sdkappid !== undefined, (qb) => qb.where('sdkappid', '=', filter.sdkappid as number))
    .$if(filter.status !== undefined, (qb) => qb.where('status', '=', filter.status as string))
    .$if(filter.officialAccountId !== undefined, (qb) => qb.where('oa_id', '=', filter.officialAccountId as string))
    .$if(filter.beforeId !== undefined, (qb) => qb.where('id', '<', filter.beforeId as number))
    .orderBy('id', 'desc')
    .limit(filter.limit)
    .execute();
  return rows.map(toEvent);
}

/** Deletes delivered and cancelled events older than `before`; answers how many. */
export async function prune(db: Kysely<Database>, before: number): Promise<number> {
  const result = await db
    .deleteFrom('webhook_outbox')
    .where('status', 'in', ['delivered', 'cancelled'])
    .where('created_at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
