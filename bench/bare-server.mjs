// The upper bound of Herald's stack for the benchmark: the same Fastify, reading every body as
// raw bytes like Herald does (any Content-Type), answering one fixed envelope for
// POST /v4/:service/:command, with logging off. Plain JavaScript so no loader runs in it.
// Started by bench/run.ts in a child process: BENCH_PORT picks the port; /readyz answers 200.
import Fastify from 'fastify';

const ENVELOPE = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}';
const server = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
server.removeAllContentTypeParsers();
server.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
server.post('/v4/:service/:command', async (_request, reply) =>
  reply.code(200).type('application/json; charset=utf-8').send(ENVELOPE),
);
server.get('/readyz', async () => ({ status: 'ready' }));

const port = Number(process.env.BENCH_PORT ?? 0);
await server.listen({ host: '127.0.0.1', port });
const stop = () => server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
