/**
 * The HTTP server (Fastify): one catch-all route for /v4/<service>/<command> (any method, any
 * Content-Type, raw body kept) handed to the pipeline, the health endpoints, and envelope answers
 * (HTTP 200) for every failure Fastify itself detects. One access-log line per call.
 */
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { LogLevel } from '../config.ts';
import { packageVersion } from '../package-info.ts';
import { bodyTooLarge, unknownPath, unparseableRequest } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { type CallObserver, reportCall } from './call-log.ts';
import { registerDocs } from './docs-routes.ts';
import { fail } from './envelope.ts';
import { closeUnusedConnectionsOnClose } from './unused-connections.ts';
import type { Pipeline } from './pipeline.ts';

export interface HttpOptions {
  logLevel: LogLevel;
  logStream?: Writable | undefined;
  bodyLimit: number;
  requestTimeoutMs: number;
  tls: { cert: string; key: string } | null;
  /** Told of every /v4 call as its access-log line has it (metrics). */
  onCall?: CallObserver | undefined;
}

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

export function buildHttpServer(pipeline: Pipeline, store: Store, options: HttpOptions): FastifyInstance {
  const { bodyLimit } = options;
  const server = Fastify({
    logger: {
      level: options.logLevel,
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
    requestTimeout: options.requestTimeoutMs,
    connectionTimeout: options.requestTimeoutMs * 2,
    // Paths the router rejects are still answered with the envelope (HTTP 200), not Fastify's
    // 400/414 pages (which would also echo the URL, UserSig included): a path segment longer than
    // any service or command is an unknown resource (60009), an undecodable path 60002.
    frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
      const envelope = fail(error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? unknownPath() : unparseableRequest());
      request.log.info(
        { path: redactUrl(request.url), code: envelope.ErrorCode, reason: error.code, ms: elapsedMs(reply) },
        'call',
      );
      return reply.code(200).send(envelope);
    },
    ...(options.tls && { https: { cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) } }),
  }) as unknown as FastifyInstance;

  closeUnusedConnectionsOnClose(server, options.tls !== null);

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
      const { service, command } = request.params;
      reportCall(request, reply, { service, command, started, outcome }, options.onCall);
      return reply.code(200).send(outcome.envelope);
    },
  });

  server.get('/healthz', async () => ({ status: 'ok', version: packageVersion() }));
  // Ready means a write would go through now, not only that the store answers: a node whose
  // store refuses writes would answer 10004 to every change.
  server.get('/readyz', async (_request, reply) => {
    try {
      await store.checkWritable();
      return { status: 'ready' };
    } catch (e) {
      return reply.code(503).send({ status: 'unavailable', reason: e instanceof Error ? e.message : String(e) });
    }
  });
  registerDocs(server);

  server.setNotFoundHandler((request, reply) => {
    const envelope = fail(unknownPath());
    request.log.info({ path: redactUrl(request.url), code: envelope.ErrorCode, ms: elapsedMs(reply) }, 'call');
    return reply.code(200).send(envelope);
  });

  server.setErrorHandler((error: FastifyError, request, reply) => {
    const envelope = fail(error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? bodyTooLarge(bodyLimit) : unparseableRequest());
    request.log.info(
      { path: redactUrl(request.url), code: envelope.ErrorCode, reason: error.code, ms: elapsedMs(reply) },
      'call',
    );
    return reply.code(200).send(envelope);
  });

  return server;
}
