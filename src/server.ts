/**
 * Fastify assembly: one catch-all route for /v4/<service>/<command> (any method, any
 * Content-Type, raw body kept), health endpoints, and envelope answers (HTTP 200) for every
 * failure Fastify itself detects. Also the in-process API: `startHerald()`.
 */
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { AppRegistry, newApp, saveApp, type NewAppOptions } from './auth/apps.ts';
import { UserSigVerifier } from './auth/verifier.ts';
import type { LogLevel } from './config.ts';
import type { AppRecord } from './store/records.ts';
import type { Store } from './store/store.ts';
import { openStore } from './store/open.ts';
import { buildRegistry } from './wire/commands.ts';
import { fail } from './wire/envelope.ts';
import { Redis } from 'ioredis';
import { AccountSendLimits, AuthFailureLimits, Limiters, RateLimits } from './wire/limits.ts';
import { Pipeline } from './wire/pipeline.ts';
import { settleAbandonedSends } from './services/messages.ts';
import { WebhookDispatcher } from './webhooks/dispatcher.ts';
import { WebhookGateway } from './webhooks/gateway.ts';
import { WEBHOOK_TIMEOUT_MS } from './webhooks/transport.ts';

export interface HeraldOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Directory of the SQLite database; null or omitted keeps everything in memory. */
  dataDir?: string | null;
  /** postgres://… : use PostgreSQL instead of SQLite (several nodes may share it). */
  databaseUrl?: string | null;
  databasePoolSize?: number;
  databaseStatementTimeoutMs?: number;
  /** redis://… : share rate and send limits across nodes. */
  redisUrl?: string | null;
  /** How long a dispatcher holds an outbox event it is delivering (another node takes over after). */
  webhookLeaseMs?: number;
  /** Apps to create or update on start. When none is given and the store has no app, one is created. */
  apps?: NewAppOptions[];
  /** Webhook settings for the default app (used when `apps` is empty), e.g. from HERALD_WEBHOOK_URL. */
  defaultAppWebhook?: NewAppOptions['webhook'];
  /** Admins of the default app (used when `apps` is empty), e.g. from HERALD_ADMIN. */
  defaultAppAdmins?: string[];
  tls?: { cert: string; key: string } | null;
  logLevel?: LogLevel;
  /** Where log lines go (default stdout); tests pass a stream to read them. */
  logStream?: Writable;
  /** Calls/s for every command of every app; 0 = no limits; null/omitted = per-app values. */
  rateLimit?: number | null;
  bodyLimit?: number;
  /** Messages per second / per hour for every official account (0 = off); null = per-app values. */
  sendPerSecond?: number | null;
  sendPerHour?: number | null;
  /** First retry delay of an undelivered "after" webhook (doubles per failure, up to 60 s). */
  webhookRetryMs?: number;
  /** How long a webhook call may take (Tencent: 2 s). */
  webhookTimeoutMs?: number;
  /** Failed UserSig verifications per caller and minute before 70050 (0 = no limit). */
  authFailureLimit?: number;
  /** A request (headers and body) must arrive within this many ms (slow clients are cut off). */
  requestTimeoutMs?: number;
  /** Unix-seconds clock; tests move it to expire UserSigs. */
  clock?: () => number;
}

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

export const DEFAULT_AUTH_FAILURE_LIMIT = 50;
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

const systemClock = () => Math.floor(Date.now() / 1000);

/**
 * Never let a UserSig reach a log line, whatever logs the URL. Parameter names are compared the
 * way the query parser reads them (percent-decoded, any letter case), so `us%65rSig=` is caught.
 */
export function redactUrl(url: string): string {
  return url.replace(/([?&])([^=&]*)=([^&]*)/g, (whole, sep: string, name: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // not valid percent-encoding: compare the raw name
    }
    return decoded.toLowerCase() === 'usersig' ? `${sep}${name}=[redacted]` : whole;
  });
}

function elapsedMs(reply: { elapsedTime: number }): number {
  return Math.round(reply.elapsedTime * 100) / 100;
}

async function seedApps(
  store: Store,
  options: HeraldOptions,
  now: number,
): Promise<{ apps: AppRecord[]; created: boolean }> {
  const seeds = options.apps ?? [];
  if (seeds.length === 0) {
    const existing = [...(await store.listApps())].sort((a, b) => a.createdAt - b.createdAt);
    const first = existing[0];
    if (first === undefined) {
      const app = newApp({ webhook: options.defaultAppWebhook, admins: options.defaultAppAdmins }, now);
      await saveApp(store, app, now);
      return { apps: [app], created: true };
    }
    if (options.defaultAppWebhook || options.defaultAppAdmins) {
      existing[0] = {
        ...first,
        ...(options.defaultAppWebhook && { webhook: { ...first.webhook, ...options.defaultAppWebhook } }),
        ...(options.defaultAppAdmins && { admins: options.defaultAppAdmins }),
      };
      await saveApp(store, existing[0], now);
    }
    return { apps: existing, created: false };
  }
  const apps: AppRecord[] = [];
  for (const seed of seeds) {
    const existing = seed.sdkappid !== undefined ? await store.getApp(seed.sdkappid) : undefined;
    // The configured key and admins win over what is stored; other settings are kept.
    const app: AppRecord = existing
      ? {
          ...existing,
          secretKey: seed.secretKey ?? existing.secretKey,
          admins: seed.admins ?? existing.admins,
          ...(seed.maxOfficialAccounts !== undefined && { maxOfficialAccounts: seed.maxOfficialAccounts }),
          ...(seed.officialAccountEnabled !== undefined && { officialAccountEnabled: seed.officialAccountEnabled }),
          ...(seed.rateLimits !== undefined && { rateLimits: seed.rateLimits }),
          ...(seed.sendPerSecond !== undefined && { sendPerSecond: seed.sendPerSecond }),
          ...(seed.sendPerHour !== undefined && { sendPerHour: seed.sendPerHour }),
          ...(seed.webhook !== undefined && { webhook: { ...existing.webhook, ...seed.webhook } }),
        }
      : newApp(seed, now);
    await saveApp(store, app, now);
    apps.push(app);
  }
  return { apps, created: false };
}

export async function startHerald(options: HeraldOptions = {}): Promise<Herald> {
  const clock = options.clock ?? systemClock;
  const store = await openStore({
    dataDir: options.dataDir ?? null,
    databaseUrl: options.databaseUrl,
    poolSize: options.databasePoolSize,
    statementTimeoutMs: options.databaseStatementTimeoutMs,
  });
  const redis = options.redisUrl ? new Redis(options.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true }) : null;
  try {
    if (redis) await redis.connect();
    const seeded = await seedApps(store, options, clock());
    const apps = new AppRegistry(store);
    const limiters = new Limiters(redis);
    const shared: SharedDeps = {
      apps,
      limiters,
      sendLimits: new AccountSendLimits(limiters, {
        perSecond: options.sendPerSecond ?? null,
        perHour: options.sendPerHour ?? null,
      }),
      webhooks: new WebhookGateway(options.webhookTimeoutMs ?? WEBHOOK_TIMEOUT_MS),
    };
    const server = buildServer(store, shared, options, clock);
    if (options.databaseUrl && !redis) {
      server.log.warn(
        'PostgreSQL without HERALD_REDIS_URL: rate and send limits are counted per node, not across nodes',
      );
    }
    const dispatcher = new WebhookDispatcher(store, {
      retryMs: options.webhookRetryMs ?? 1000,
      timeoutMs: options.webhookTimeoutMs ?? WEBHOOK_TIMEOUT_MS,
      getApp: (sdkappid) => apps.get(sdkappid),
      log: server.log,
      ...(options.webhookLeaseMs !== undefined && { leaseMs: options.webhookLeaseMs }),
    });
    await server.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
    dispatcher.start();
    // Sends abandoned by a crash mid-webhook are settled now and every few seconds after.
    // A SQLite store belongs to this process alone, so whatever is pending at start was abandoned;
    // on PostgreSQL another node may be waiting for a webhook, so only older sends are.
    const timeoutSeconds = Math.ceil((options.webhookTimeoutMs ?? WEBHOOK_TIMEOUT_MS) / 1000);
    const settleSends = (abandonAfterSeconds: number) =>
      settleAbandonedSends(
        { store, webhooks: shared.webhooks, sendLimits: shared.sendLimits, getApp: (id) => apps.get(id) },
        clock(),
        abandonAfterSeconds,
      ).catch((e: unknown) => server.log.error({ err: e }, 'settling abandoned sends failed'));
    await settleSends(store.kind === 'sqlite' ? 0 : timeoutSeconds + 3);
    const settler = setInterval(() => void settleSends(timeoutSeconds + 3), 2000);
    settler.unref();
    const address = server.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    const host = options.host ?? '127.0.0.1';
    const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    let closing: Promise<void> | undefined;
    return {
      url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
      store,
      apps: seeded.apps,
      createdDefaultApp: seeded.created,
      server,
      close() {
        // In-flight requests finish first, then deliveries in flight; only then is the store
        // closed. Undelivered events stay in the outbox for the next start.
        clearInterval(settler);
        closing ??= server
          .close()
          .then(() => dispatcher.stop())
          .then(() => store.close())
          .then(async () => {
            await redis?.quit();
          });
        return closing;
      },
    };
  } catch (e) {
    await store.close();
    redis?.disconnect();
    throw e;
  }
}

/** What the request pipeline and the background tasks of one Herald share. */
interface SharedDeps {
  apps: AppRegistry;
  limiters: Limiters;
  sendLimits: AccountSendLimits;
  webhooks: WebhookGateway;
}

function buildServer(store: Store, shared: SharedDeps, options: HeraldOptions, clock: () => number): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const server = Fastify({
    logger: {
      level: options.logLevel ?? 'info',
      ...(options.logStream && { stream: options.logStream }),
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
      },
    },
    // One access line per call is written by the handler itself (command, sdkappid, code).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    // Slow or stalled clients: the whole request (headers and body) must arrive in time, and
    // a connection that sends nothing is closed.
    requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    connectionTimeout: (options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) * 2,
    // Paths the router rejects are still answered with the envelope (HTTP 200), not Fastify's
    // 400/414 pages (which would also echo the URL, UserSig included): a path segment longer than
    // any service or command is an unknown resource (60009), an undecodable path 60002.
    frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
      const envelope =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? fail(60009, 'request resource error: use POST /v4/<service>/<command>')
          : fail(60002, 'HTTP request could not be parsed');
      request.log.info(
        { path: redactUrl(request.url), code: envelope.ErrorCode, reason: error.code, ms: elapsedMs(reply) },
        'call',
      );
      return reply.code(200).send(envelope);
    },
    ...(options.tls && { https: { cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) } }),
  }) as unknown as FastifyInstance;

  const pipeline = new Pipeline({
    apps: shared.apps,
    verifier: new UserSigVerifier(),
    registry: buildRegistry(),
    limits: new RateLimits(shared.limiters, options.rateLimit ?? null),
    sendLimits: shared.sendLimits,
    authFailures: new AuthFailureLimits(shared.limiters, options.authFailureLimit ?? DEFAULT_AUTH_FAILURE_LIMIT),
    webhooks: shared.webhooks,
    store,
    now: clock,
  });

  // Tencent's clients send JSON with any (or no) Content-Type: keep the raw bytes for all.
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  server.route<{ Params: { service: string; command: string } }>({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/v4/:service/:command',
    async handler(request, reply) {
      const started = performance.now();
      const outcome = await pipeline.handle({
        method: request.method,
        service: request.params.service,
        command: request.params.command,
        query: request.query as Record<string, unknown>,
        body: Buffer.isBuffer(request.body) ? request.body : undefined,
        clientIp: request.ip,
      });
      const line = {
        service: request.params.service,
        command: request.params.command,
        sdkappid: outcome.sdkappid,
        operator: outcome.operator,
        code: outcome.envelope.ErrorCode,
        ms: Math.round((performance.now() - started) * 100) / 100,
      };
      if (outcome.internalError !== undefined)
        request.log.error({ ...line, err: outcome.internalError }, 'call failed');
      else request.log.info(line, 'call');
      return reply.code(200).send(outcome.envelope);
    },
  });

  server.get('/healthz', async () => ({ status: 'ok' }));
  server.get('/readyz', async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  server.setNotFoundHandler((request, reply) => {
    request.log.info({ path: redactUrl(request.url), code: 60009, ms: elapsedMs(reply) }, 'call');
    return reply.code(200).send(fail(60009, 'request resource error: use POST /v4/<service>/<command>'));
  });

  server.setErrorHandler((error: FastifyError, request, reply) => {
    const envelope =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? fail(60003, `request body exceeds ${bodyLimit} bytes`)
        : fail(60002, 'HTTP request could not be parsed');
    request.log.info(
      { path: redactUrl(request.url), code: envelope.ErrorCode, reason: error.code, ms: elapsedMs(reply) },
      'call',
    );
    return reply.code(200).send(envelope);
  });

  return server;
}
