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
import { registerDocs } from './docs-routes.ts';
import { fail } from './envelope.ts';
import { closeUnusedConnectionsOnClose } from './unused-connections.ts';
import type { Pipeline } from './pipeline.ts';

/** Names the body fields a command ignored (HERALD_UNKNOWN_FIELDS=warn). */
export const UNKNOWN_FIELDS_HEADER = 'x-herald-unknown-fields';

/** At most this many names in the header (the log line has them all). */
const MAX_HEADER_FIELDS = 20;

/**
 * The header's value: the names percent-encoded (a field name may hold any character, and a
 * header only printable ASCII), comma-separated, the list cut short with "..." beyond the cap.
 */
export function unknownFieldsHeader(paths: readonly string[]): string {
  const encode = (ch: string) =>
    [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  // Printable ASCII stays as it is, except the separator and the escape character.
  const names = paths.slice(0, MAX_HEADER_FIELDS).map((p) => p.replace(/[^\x21-\x24\x26-\x2b\x2d-\x7e]/gu, encode));
  return names.join(', ') + (paths.length > MAX_HEADER_FIELDS ? ', ...' : '');
}

export interface HttpOptions {
  logLevel: LogLevel;
  logStream?: Writable | undefined;
  bodyLimit: number;
  requestTimeoutMs: number;
  tls: { cert: string; key: string } | null;
  /** Told of every /v4 call as its access-log line has it (metrics). */
  onCall?: ((service: string, command: string, code: number, ms: number) => void) | undefined;
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
      const line = {
        service: request.params.service,
        command: request.params.command,
        sdkappid: outcome.sdkappid,
        operator: outcome.operator,
        code: outcome.envelope.ErrorCode,
        ms: Math.round((performance.now() - started) * 100) / 100,
      };
      options.onCall?.(line.service, line.command, line.code, line.ms);
      if (outcome.internalError !== undefined)
        request.log.error({ ...line, err: outcome.internalError }, 'call failed');
      else if (outcome.unknownFields !== undefined) {
        // Tencent ignores fields it does not know; a typo then passes unnoticed, so say so.
        request.log.warn({ ...line, unknownFields: outcome.unknownFields }, 'call with unknown fields');
        reply.header(UNKNOWN_FIELDS_HEADER, unknownFieldsHeader(outcome.unknownFields));
      } else request.log.info(line, 'call');
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
