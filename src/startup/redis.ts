/**
 * The Redis connection of HERALD_REDIS_URL. At start it is tried once: Redis down stops the start
 * with one line naming the setting, rather than ioredis retrying forever and printing every
 * failure with its stack. Once connected, a lost connection is retried with backoff (a Redis
 * restart must not take Herald down); the server logs those errors.
 */
import { Redis } from 'ioredis';
import { codeOf, reasonOf, StartupError, settingName, withoutPassword } from './errors.ts';

const REDIS_URL = settingName('HERALD_REDIS_URL', '--redis-url');
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const MAX_RETRY_DELAY_MS = 2000;

export interface RedisLink {
  client: Redis;
  /** Connects, or throws a StartupError naming HERALD_REDIS_URL (and stops trying). */
  connect(): Promise<void>;
}

export function createRedis(url: string): RedisLink {
  let connected = false;
  let lastError: unknown;
  const client = new Redis(url, {
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    retryStrategy: (attempt) => (connected ? Math.min(attempt * 200, MAX_RETRY_DELAY_MS) : null),
  });
  // Without a listener ioredis writes each connection error, stack and all, to stderr.
  client.on('error', (e: unknown) => {
    lastError = e;
  });
  return {
    client,
    async connect() {
      try {
        await client.connect();
        connected = true;
      } catch (e) {
        client.disconnect();
        // connect() only says "Connection is closed."; the error event said why.
        const cause = lastError ?? e;
        const code = codeOf(cause);
        const where = `${REDIS_URL} ${withoutPassword(url)}`;
        throw new StartupError(
          code !== undefined && UNREACHABLE.has(code)
            ? `${where} is unreachable (${reasonOf(cause)}): start Redis or correct the host and port`
            : `${where} cannot be used (${reasonOf(cause)}): check the URL's user, password and database`,
        );
      }
    },
  };
}
