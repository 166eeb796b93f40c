/**
 * `presence` and `presence_nodes`: the open subscriber connections of every node, for nodes that
 * share a PostgreSQL database and no Redis (one node alone keeps them in memory). A connection
 * counts only while its node is alive, so a node that dies takes its connections with it.
 */
import type { SqlRunner } from '../sql/runner.ts';
import { ListStatement, Statement } from '../sql/statement.ts';

export interface PresenceTable {
  sdkappid: number;
  user_id: string;
  connection_id: string;
  node_id: string;
  platform: string;
}

export interface PresenceNodesTable {
  node_id: string;
  /** Unix ms. */
  alive_until: number;
}

const ADD = new Statement(
  'presence.add',
  'insert into presence (sdkappid, user_id, connection_id, node_id, platform) values (?, ?, ?, ?, ?) ' +
    'on conflict (sdkappid, user_id, connection_id) do nothing',
);
const REMOVE = new Statement(
  'presence.remove',
  'delete from presence where sdkappid = ? and user_id = ? and connection_id = ?',
);
const PLATFORMS = new ListStatement(
  'presence.platforms',
  (name, list, prepared) =>
    new Statement(
      name,
      'select p.user_id, p.platform from presence p join presence_nodes n on n.node_id = p.node_id ' +
        `where p.sdkappid = ? and p.user_id in (${list}) and n.alive_until > ?`,
      { prepared },
    ),
);
const COUNT_USERS = new Statement(
  'presence.count_users',
  'select count(distinct p.user_id) as n from presence p join presence_nodes n on n.node_id = p.node_id ' +
    'where p.sdkappid = ? and n.alive_until > ?',
);
const HEARTBEAT = new Statement(
  'presence.heartbeat',
  'insert into presence_nodes (node_id, alive_until) values (?, ?) on conflict (node_id) do update set alive_until = excluded.alive_until',
);
const DEAD_NODES = new Statement('presence.dead_nodes', 'select node_id from presence_nodes where alive_until <= ?');
const FORGET_NODE = new Statement('presence.forget_node', 'delete from presence where node_id = ?');
const FORGET_NODE_ROW = new Statement('presence.forget_node_row', 'delete from presence_nodes where node_id = ?');

export async function add(
  db: SqlRunner,
  sdkappid: number,
  userId: string,
  connectionId: string,
  nodeId: string,
  platform: string,
) {
  await db.changes(ADD, [sdkappid, userId, connectionId, nodeId, platform]);
}

export async function remove(db: SqlRunner, sdkappid: number, userId: string, connectionId: string) {
  await db.changes(REMOVE, [sdkappid, userId, connectionId]);
}

/** Per user, the platforms of their connections on nodes alive at `now`. */
export async function platforms(db: SqlRunner, sdkappid: number, userIds: readonly string[], now: number) {
  const found = new Map<string, string[]>();
  if (userIds.length === 0) return found;
  const users = [...new Set(userIds)];
  const rows = await db.rows<{ user_id: string; platform: string }>(PLATFORMS.of(users.length), [
    sdkappid,
    ...users,
    now,
  ]);
  for (const row of rows) {
    const list = found.get(row.user_id);
    if (list) list.push(row.platform);
    else found.set(row.user_id, [row.platform]);
  }
  return found;
}

/** How many users of the app have a connection on a node alive at `now`. */
export async function countUsers(db: SqlRunner, sdkappid: number, now: number): Promise<number> {
  const [row] = await db.rows<{ n: number | string }>(COUNT_USERS, [sdkappid, now]);
  return Number(row?.n ?? 0);
}

/** The node is alive until `until` (Unix ms). */
export async function heartbeat(db: SqlRunner, nodeId: string, until: number): Promise<void> {
  await db.changes(HEARTBEAT, [nodeId, until]);
}

/** Forgets a node and its connections (it stopped, or stopped renewing before `now`). */
export async function forgetDeadNodes(db: SqlRunner, now: number, alsoNode?: string): Promise<void> {
  const dead = (await db.rows<{ node_id: string }>(DEAD_NODES, [now])).map((r) => r.node_id);
  if (alsoNode !== undefined) dead.push(alsoNode);
  for (const nodeId of dead) {
    await db.changes(FORGET_NODE, [nodeId]);
    await db.changes(FORGET_NODE_ROW, [nodeId]);
  }
}
