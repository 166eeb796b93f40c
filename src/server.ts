/**
 * Assembles one Herald server from its configuration: the store, the limits, the request
 * pipeline and its HTTP server, the webhook dispatcher and the settler of abandoned sends.
 * Also the in-process API: `startHerald()`.
 */
import type { FastifyInstance } from 'fastify';
import { AppRegistry } from './auth/apps.ts';
import { seedApps } from './auth/seed-apps.ts';
import { UserSigVerifier } from './auth/verifier.ts';
import { DEFAULTS, type HeraldOptions } from './config.ts';
import { AuthFailureLimits } from './limits/auth-failures.ts';
import { Limiters } from './limits/limiters.ts';
import { RateLimits } from './limits/rate-limits.ts';
import { AccountSendLimits } from './limits/send-limits.ts';
import { HeraldMetrics } from './metrics/metrics.ts';
import { AbandonedSendSettler } from './services/settle.ts';
import { registerConsole } from './console/index.ts';
import { SubscriberChannel } from './realtime/channel.ts';
import type { AppRecord } from './store/records.ts';
import type { Store } from './store/store.ts';
import { WebhookDispatcher } from './webhooks/dispatcher.ts';
import { WebhookGateway } from './webhooks/gateway.ts';
import { buildHttpServer } from './wire/http.ts';
import { Pipeline } from './wire/pipeline.ts';
import { buildRegistry } from './wire/registry.ts';
import { listen } from './startup/listen.ts';
import { createRedis } from './startup/redis.ts';
import { openConfiguredStore } from './startup/store.ts';
import { checkTlsFiles } from './startup/tls.ts';
import { applySeed, type SeedSummary, seedContext } from './seed/apply.ts';
import { loadSeed, SeedError, seedLabel } from './seed/load.ts';
import type { Seed } from './seed/schema.ts';
import { type ResetResult, resetApp } from './services/reset.ts';

export type { HeraldOptions } from './config.ts';

export interface Herald {
  url: string;
  store: Store;
  /** The apps created or updated on this start (or the default app). */
  apps: AppRecord[];
  /** True when this start created the default app because the store had none. */
  createdDefaultApp: boolean;
  server: FastifyInstance;
  /** Empties an app's data (default: the first app), keeping the app: herald_admin/reset in process. */
  reset(sdkappid?: number): Promise<ResetResult>;
  /** Applies a seed (an object or a file's path) to its app, as `seed` does on start. */
  seed(seed: Seed | string): Promise<SeedSummary>;
  close(): Promise<void>;
}

const systemClock = () => Math.floor(Date.now() / 1000);
/** The kernel caps it at net.core.somaxconn (4096 on Debian). */
const LISTEN_BACKLOG = 4096;

export async function startHerald(options: HeraldOptions = {}): Promise<Herald> {
  const config = { ...DEFAULTS, ...withoutUndefined(options) };
  const clock = options.clock ?? systemClock;
  // A bad seed stops the start before anything is opened or written.
  const startSeed = config.seed === null ? null : loadSeed(config.seed);
  // Files named by the configuration are checked before the store creates anything.
  checkTlsFiles(config.tls);
  const store = await openConfiguredStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
  });
  const commands = buildRegistry();
  // Off: nothing is made or observed, and /metrics answers like any unknown path.
  const metrics = config.metrics ? new HeraldMetrics({ store, commands: commands.values() }) : undefined;
  const redisLink = config.redisUrl ? createRedis(config.redisUrl) : null;
  const redis = redisLink?.client ?? null;
  let channel: SubscriberChannel | undefined;
  try {
    await redisLink?.connect();
    const seeded = await seedApps(store, config, clock());
    const apps = new AppRegistry(store);
    const limiters = new Limiters(redis);
    const sendLimits = new AccountSendLimits(limiters, {
      perSecond: config.sendPerSecond,
      perHour: config.sendPerHour,
    });
    const webhooks = new WebhookGateway(config.webhookTimeoutMs, metrics?.webhooks.beforeCall);
    const verifier = new UserSigVerifier();
    const authFailures = new AuthFailureLimits(limiters, config.authFailureLimit);
    let log: FastifyInstance['log'] | undefined;
    channel = await SubscriberChannel.open(
      {
        store,
        redis,
        databaseUrl: config.databaseUrl,
        onError: (e) => log?.error({ err: e }, 'subscriber channel'),
        observer: metrics?.subscribers,
      },
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
    const appFor = async (sdkappid: number | undefined, label: string) => {
      const app = sdkappid === undefined ? seeded.apps[0] : await apps.get(sdkappid);
      if (app === undefined) throw new SeedError(`${label}: sdkappid ${sdkappid} is not an app of this server`);
      return app;
    };
    const applyLoaded = async (loaded: Seed, label: string) => {
      const app = await appFor(loaded.sdkappid, label);
      return applySeed({ ...seedContext(app), store, notifier, online, now: clock }, loaded, label);
    };
    const seed = (source: Seed | string) => applyLoaded(loadSeed(source), seedLabel(source));
    if (startSeed !== null) await applyLoaded(startSeed, seedLabel(config.seed as Seed | string));
    const pipeline = new Pipeline({
      apps,
      verifier,
      registry: commands,
      limits: new RateLimits(limiters, config.rateLimit),
      sendLimits,
      authFailures,
      webhooks,
      notifier,
      online,
      store,
      unknownFields: config.unknownFields,
      now: clock,
    });
    const server = buildHttpServer(pipeline, store, {
      ...config,
      logStream: options.logStream,
      onCall: metrics?.calls.observe,
    });
    metrics?.serve(server);
    if (config.console) {
      registerConsole(server, {
        pipeline,
        apps: store.apps,
        verifier,
        authFailures,
        now: clock,
        host: config.host,
        tls: config.tls !== null,
        onCall: metrics?.calls.observe,
      });
    }
    log = server.log;
    channel.attach(server, { apps, verifier, authFailures, services: { store, sendLimits, webhooks, now: clock } });
    // Redis lost after start: ioredis reconnects with backoff; each failed attempt is logged.
    redis?.on('error', (e: unknown) => server.log.warn({ err: e }, 'Redis connection failed; reconnecting'));
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
      onDelivery: metrics?.webhooks.delivered,
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
    await listen(server, config.host, config.port, LISTEN_BACKLOG);
    dispatcher.start();
    await settler.start();
    let closing: Promise<void> | undefined;
    return {
      url: serverUrl(server, config.host, config.tls !== null),
      store,
      apps: seeded.apps,
      createdDefaultApp: seeded.created,
      server,
      async reset(sdkappid) {
        const app = await appFor(sdkappid, 'reset');
        return resetApp({ app, store, sendLimits, notifier });
      },
      seed,
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
