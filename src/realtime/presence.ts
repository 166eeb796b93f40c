/**
 * Who is online: a user is Online while one of their connections is open on any node
 * (subscriber-side.md decision 6). One node keeps it in memory; nodes sharing Redis keep a hash
 * per user there; nodes sharing only PostgreSQL keep it in the `presence` table. Shared presence
 * counts a connection only while its node renews a heartbeat, so a node that dies takes its
 * connections with it.
 */
import type { Redis } from 'ioredis';
import type { PresenceStore } from '../store/store.ts';

export interface Presence {
  add(sdkappid: number, userId: string, connectionId: string, platform: string): Promise<void>;
  remove(sdkappid: number, userId: string, connectionId: string): Promise<void>;
  /** Per user, the platforms of their open connections (a user missing from the map is offline). */
  platforms(sdkappid: number, userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** How many of the app's users have a connection open (for the console's overview: rare, may scan). */
  countUsers(sdkappid: number): Promise<number>;
  close(): Promise<void>;
}

/** A node counts as dead this long after its last heartbeat. */
const NODE_TTL_MS = 15_000;
const HEARTBEAT_MS = 5_000;

export class LocalPresence implements Presence {
  private readonly users = new Map<string, Map<string, string>>();

  private static key(sdkappid: number, userId: string): string {
    return `${sdkappid}|${userId}`;
  }

  async add(sdkappid: number, userId: string, connectionId: string, platform: string): Promise<void> {
    const key = LocalPresence.key(sdkappid, userId);
    let connections = this.users.get(key);
    if (!connections) {
      connections = new Map();
      this.users.set(key, connections);
    }
    connections.set(connectionId, platform);
  }

  async remove(sdkappid: number, userId: string, connectionId: string): Promise<void> {
    const key = LocalPresence.key(sdkappid, userId);
    const connections = this.users.get(key);
    connections?.delete(connectionId);
    if (connections?.size === 0) this.users.delete(key);
  }

  async platforms(sdkappid: number, userIds: readonly string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    for (const userId of userIds) {
      const connections = this.users.get(LocalPresence.key(sdkappid, userId));
      if (connections) found.set(userId, [...connections.values()]);
    }
    return found;
  }

  async countUsers(sdkappid: number): Promise<number> {
    const prefix = `${sdkappid}|`;
    let count = 0;
    for (const key of this.users.keys()) if (key.startsWith(prefix)) count++;
    return count;
  }

  async close(): Promise<void> {}
}

/** Runs `beat` now and every few seconds until stopped; failures are retried on the next beat. */
function heartbeat(beat: () => Promise<void>): { stop(): void; first: Promise<void> } {
  const timer = setInterval(() => void beat().catch(() => {}), HEARTBEAT_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), first: beat() };
}

/** A Redis glob pattern matching `text` literally (a namespace may hold *, ?, [ or \\). */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (ch) => `\\${ch}`);
}

export class RedisPresence implements Presence {
  private readonly beat: { stop(): void; first: Promise<void> };

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly nodeId: string,
  ) {
    this.beat = heartbeat(async () => {
      await this.redis.set(`${this.prefix}:node:${this.nodeId}`, '1', 'PX', NODE_TTL_MS);
    });
  }

  static async open(redis: Redis, namespace: string, nodeId: string): Promise<RedisPresence> {
    const presence = new RedisPresence(redis, `herald:${namespace}:presence`, nodeId);
    await presence.beat.first;
    return presence;
  }

  private key(sdkappid: number, userId: string): string {
    return `${this.prefix}:user:${sdkappid}:${userId}`;
  }

  async add(sdkappid: number, userId: string, connectionId: string, platform: string): Promise<void> {
    await this.redis.hset(this.key(sdkappid, userId), `${this.nodeId}/${connectionId}`, platform);
  }

  async remove(sdkappid: number, userId: string, connectionId: string): Promise<void> {
    await this.redis.hdel(this.key(sdkappid, userId), `${this.nodeId}/${connectionId}`);
  }

  async platforms(sdkappid: number, userIds: readonly string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    if (userIds.length === 0) return found;
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) pipeline.hgetall(this.key(sdkappid, userId));
    const replies = (await pipeline.exec()) ?? [];
    const entries = userIds.map((userId, i) => [userId, (replies[i]?.[1] ?? {}) as Record<string, string>] as const);
    const nodes = [...new Set(entries.flatMap(([, fields]) => Object.keys(fields).map((f) => f.split('/')[0] ?? '')))];
    const alive = new Set<string>();
    if (nodes.length > 0) {
      const marks = await this.redis.mget(...nodes.map((node) => `${this.prefix}:node:${node}`));
      for (const [i, node] of nodes.entries()) if (marks[i] !== null) alive.add(node);
    }
    for (const [userId, fields] of entries) {
      const platforms = Object.entries(fields)
        .filter(([field]) => alive.has(field.split('/')[0] ?? ''))
        .map(([, platform]) => platform);
      if (platforms.length > 0) found.set(userId, platforms);
    }
    return found;
  }

  /** SCANs the app's user hashes (never KEYS, which would block Redis), then counts those on live nodes. */
  async countUsers(sdkappid: number): Promise<number> {
    const prefix = this.key(sdkappid, '');
    let count = 0;
    let cursor = '0';
    do {
      const [nextCursor, keys] = await this.redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
      cursor = nextCursor;
      const userIds = keys.map((key) => key.slice(prefix.length));
      count += (await this.platforms(sdkappid, userIds)).size;
    } while (cursor !== '0');
    return count;
  }

  async close(): Promise<void> {
    this.beat.stop();
    await this.redis.del(`${this.prefix}:node:${this.nodeId}`).catch(() => {});
  }
}

export class StorePresence implements Presence {
  private readonly beat: { stop(): void; first: Promise<void> };

  private constructor(
    private readonly store: PresenceStore,
    private readonly nodeId: string,
  ) {
    this.beat = heartbeat(async () => {
      const now = Date.now();
      await this.store.heartbeat(this.nodeId, now + NODE_TTL_MS);
      await this.store.forgetDeadNodes(now);
    });
  }

  static async open(store: PresenceStore, nodeId: string): Promise<StorePresence> {
    const presence = new StorePresence(store, nodeId);
    await presence.beat.first;
    return presence;
  }

  add(sdkappid: number, userId: string, connectionId: string, platform: string): Promise<void> {
    return this.store.add(sdkappid, userId, connectionId, this.nodeId, platform);
  }

  remove(sdkappid: number, userId: string, connectionId: string): Promise<void> {
    return this.store.remove(sdkappid, userId, connectionId);
  }

  platforms(sdkappid: number, userIds: readonly string[]): Promise<Map<string, string[]>> {
    return this.store.platforms(sdkappid, userIds, Date.now());
  }

  countUsers(sdkappid: number): Promise<number> {
    return this.store.countUsers(sdkappid, Date.now());
  }

  async close(): Promise<void> {
    this.beat.stop();
    await this.store.forgetDeadNodes(Date.now(), this.nodeId).catch(() => {});
  }
}
