/**
 * The console's page: GET /console answers a small HTML shell, and /console/assets the script and
 * stylesheet `npm run build` bundles into dist/console-assets. The Content-Security-Policy lets the
 * page load and connect to nothing but this origin (the Live view's WebSocket included), run no
 * inline script, and never be framed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packageRoot, packageVersion } from '../package-info.ts';
import { CONSOLE_ASSETS_PATH, CONSOLE_PATH } from './paths.ts';

const BUNDLE_DIR = join('dist', 'console-assets');

const ASSETS: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  // 'self' covers ws: and wss: to this host in current browsers; named for older ones.
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function shell(version: string): string {
  // The version in the asset URLs: a browser never runs a cached script against a newer server.
  const v = encodeURIComponent(version);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light">
    <title>Herald console</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="${CONSOLE_ASSETS_PATH}/app.css?v=${v}">
    <script type="module" src="${CONSOLE_ASSETS_PATH}/app.js?v=${v}"></script>
  </head>
  <body>
    <div id="app"><noscript>The Herald console needs JavaScript.</noscript></div>
  </body>
</html>
`;
}

function secureHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

export function registerConsolePage(server: FastifyInstance): void {
  const page = shell(packageVersion());
  const files = new Map<string, Promise<Buffer | undefined>>();
  const load = (name: string) => {
    const root = packageRoot();
    if (root === undefined) return Promise.resolve(undefined);
    return readFile(join(root, BUNDLE_DIR, name)).catch(() => undefined);
  };

  const servePage = async (_request: unknown, reply: FastifyReply) =>
    secureHeaders(reply).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page);
  server.get(CONSOLE_PATH, servePage);
  server.get(`${CONSOLE_PATH}/`, servePage);

  server.get<{ Params: { name: string } }>(`${CONSOLE_ASSETS_PATH}/:name`, async (request, reply) => {
    const { name } = request.params;
    const type = ASSETS[name];
    if (type === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('Not found\n');
    let file = files.get(name);
    if (file === undefined) {
      file = load(name);
      files.set(name, file);
    }
    const body = await file;
    if (body === undefined) {
      // Not cached: a build made after start is picked up on the next request.
      files.delete(name);
      return reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send(`${join(BUNDLE_DIR, name)} is not built: run npm run build\n`);
    }
    return secureHeaders(reply).header('cache-control', 'public, max-age=3600').type(type).send(body);
  });
}
