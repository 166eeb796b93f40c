/**
 * Serves herald/client's browser bundle (dist/herald-client.mjs, made by `npm run build`) at
 * CLIENT_SCRIPT_PATH, so a web page imports the client from the Herald it talks to and needs no
 * build step: `import { HeraldChat } from 'http://127.0.0.1:9500/realtime/herald-client.mjs'`.
 * Any origin may load it (it is public code and carries no data), as a page served elsewhere will.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { CLIENT_SCRIPT_PATH } from './protocol.ts';

const BUNDLE = join('dist', 'herald-client.mjs');

/** The package's root: the nearest folder above this module with a package.json (src/ and dist/ alike). */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

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
