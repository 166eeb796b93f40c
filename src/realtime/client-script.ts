/**
 * Serves herald/client's browser bundle (dist/herald-client.mjs, made by `npm run build`) at
 * CLIENT_SCRIPT_PATH, so a web page imports the client from the Herald it talks to and needs no
 * build step: `import { HeraldChat } from 'http://127.0.0.1:9500/realtime/herald-client.mjs'`.
 * Any origin may load it (it is public code and carries no data), as a page served elsewhere will.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../package-info.ts';
import { CLIENT_SCRIPT_PATH } from './protocol.ts';

const BUNDLE = join('dist', 'herald-client.mjs');

export function registerClientScript(server: FastifyInstance): void {
  let script: Promise<string | undefined> | undefined;
  const load = async () => {
    const root = packageRoot();
    if (root === undefined) return undefined;
    return readFile(join(root, BUNDLE), 'utf8').catch(() => undefined);
  };
  server.get(CLIENT_SCRIPT_PATH, async (_request, reply) => {
    script ??= load();
    const text = await script;
    reply.header('access-control-allow-origin', '*');
    if (text === undefined) {
      script = undefined;
      return reply.code(404).type('text/plain; charset=utf-8').send(`${BUNDLE} is not built: run npm run build\n`);
    }
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(text);
  });
}
