/**
 * Assembles one Herald server from its configuration: the store, the limits, the request
 * pipeline and its HTTP server, the webhook dispatcher and the settler of abandoned sends.
 * Also the in-process API: `startHerald()`.
 */
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { AppRegistry } from './auth/apps.ts';
import { seedApps } from './auth/seed-apps.ts';
import { UserSigVerifier } from './auth/verifier.ts';
import { DEFAULTS, type HeraldOptions } from './config.ts';
import { AuthFailureLimits } from './limits/auth-failures.ts';
import { Limiters } from './limits/limiters.ts';
import { RateLimits } from './limits/rate-limits.ts';
import { AccountSendLimits } from './limits/send-limits.ts';
import { AbandonedSendSettler } from './services/settle.ts';
import { SubscriberChannel } from './realtime/channel.ts';
import { openStore } from './store/open.ts';
import type { AppRecord } from './store/records.ts';
import type { Store } from './store/store.ts';
import { WebhookDispatcher } from './webhooks/dispatcher.ts';
import { WebhookGateway } from './webhooks/gateway.ts';
import { buildHttpServer } from './wire/http.ts';
import { Pipeline } from './wire/pipeline.ts';
import { buildRegistry } from './wire/registry.ts';

export type { HeraldOptions } from './config.ts';

export interface Herald {
  url: string;
  store: Store;
  /** The apps created or updated on this start (or the default app). */
  apps: AppRecord[];
  /** True when this start created the default app because the store had none. */
  createdDefaultApp: boolean;
  server: FastifyInstance;
  close(): Promise<void>;
}

const systemClock = () => Math.floor(Date.now() / 1000);
/** The kernel caps it at net.core.somaxconn (4096 on Debian). */
const LISTEN_BACKLOG = 4096;

export async function startHerald(options: HeraldOptions = {}): Promise<Herald> {
  const config = { ...DEFAULTS, ...withoutUndefined(options) };
  const clock = options.clock ?? systemClock;
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
  });
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true }) : null;
  let channel: SubscriberChannel | undefined;
  try {
    if (redis) await redis.connect();
    const seeded = await seedApps(store, config, clock());
    const apps = new AppRegistry(store);
    const limiters = new Limiters(redis);
    const sendLimits = new AccountSendLimits(limiters, {
      perSecond: config.sendPerSecond,
      perHour: config.sendPerHour,
    });
    const webhooks = new WebhookGateway(config.webhookTimeoutMs);
    const verifier = new UserSigVerifier();
    const authFailures = new AuthFailureLimits(limiters, config.authFailureLimit);
    let log: FastifyInstance['log'] | undefined;
    channel = await SubscriberChannel.open(
      { store, redis, databaseUrl: config.databaseUrl, onError: (e) => log?.error({ err: e }, 'subscriber channel') },
      {
        maxConnectionsPerUser: config.realtimeMaxConnectionsPerUser,
        maxConnectionsPerIp: config.realtimeMaxConnectionsPerIp,
        pingMs: config.realtimePingMs,
        maxBufferedBytes: config.realtimeMaxBufferedBytes,
        sweepMs: config.realtimeSweepMs,
      },
    );
    const notifier = channel.hub;
    const online = channel.presence;
    const pipeline = new Pipeline({
      apps,
      verifier,
      registry: buildRegistry(),
      limits: new RateLimits(limiters, config.rateLimit),
      sendLimits,
      authFailures,
      webhooks,
      notifier,
      online,
      store,
      now: clock,
    });
    const server = buildHttpServer(pipeline, store, { ...config, logStream: options.logStream });
    log = server.log;
    channel.attach(server, { apps, verifier, authFailures, services: { store, sendLimits, webhooks, now: clock } });
    if (config.databaseUrl && !redis) {
      server.log.warn(
        'PostgreSQL without HERALD_REDIS_URL: rate and send limits are counted per node, not across nodes',
      );
    }
    const dispatcher = new WebhookDispatcher(store.outbox, {
      retryMs: config.webhookRetryMs,
      timeoutMs: config.webhookTimeoutMs,
      leaseMs: config.webhookLeaseMs,
      getApp: (sdkappid) => apps.get(sdkappid),
      log: server.log,
    });
    const settler = new AbandonedSendSettler(
      { store, webhooks, sendLimits, notifier, online, getApp: (sdkappid) => apps.get(sdkappid) },
      {
        webhookTimeoutMs: config.webhookTimeoutMs,
        clock,
        onError: (e) => server.log.error({ err: e }, 'settling abandoned sends failed'),
      },
    );
    // Thousands of clients reconnecting at once (a node restart) must not overflow the accept
    // queue: dropped connection attempts are retried by the kernel only after a second or more.
    await server.listen({ host: config.host, port: config.port, backlog: LISTEN_BACKLOG });
    dispatcher.start();
    await settler.start();
    let closing: Promise<void> | undefined;
    return {
      url: serverUrl(server, config.host, config.tls !== null),
      store,
      apps: seeded.apps,
      createdDefaultApp: seeded.created,
      server,
      close() {
        // In-flight requests finish first, then deliveries in flight; only then is the store
        // closed. Undelivered events stay in the outbox for the next start.
        settler.stop();
        // Subscribers first (their clients resume on another node), then in-flight requests.
        closing ??= (channel as SubscriberChannel)
          .close()
          .then(() => server.close())
          .then(() => dispatcher.stop())
          .then(() => store.close())
          .then(async () => {
            await redis?.quit();
          });
        return closing;
      },
    };
  } catch (e) {
    await channel?.close().catch(() => {});
    await store.close();
    redis?.disconnect();
    throw e;
  }
}

/** Options left undefined take the defaults, as if they had not been given. */
function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function serverUrl(server: FastifyInstance, host: string, tls: boolean): string {
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `${tls ? 'https' : 'http'}://${urlHost}:${port}`;
}
