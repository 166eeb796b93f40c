/**
 * The API reference: GET /openapi.json, the OpenAPI document built from the command declarations
 * (openapi/document.ts), and GET /docs, a page in which Swagger UI renders it. Swagger UI comes
 * from the swagger-ui-dist package and is served by Herald itself, a few files from an allow-list,
 * so the page works offline; its Content-Security-Policy lets it load nothing from another origin
 * (and Swagger UI's default call to validator.swagger.io is switched off), so reading the
 * reference tells no third party anything. Everything is built or read on first use, not at
 * start-up.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from './openapi/document.ts';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';
const ASSETS_PATH = '/docs/assets';
const INIT_PATH = '/docs/init.js';

/** The files of swagger-ui-dist the page uses, with their content types; nothing else is served. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Herald API reference</title>
    <link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css">
    <link rel="stylesheet" href="${ASSETS_PATH}/index.css">
    <link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-32x32.png">
  </head>
  <body>
    <div id="swagger-ui" data-url="${OPENAPI_PATH}"></div>
    <script src="${ASSETS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${INIT_PATH}"></script>
  </body>
</html>
`;

/** A file of its own rather than an inline script, so the policy can forbid inline scripts. */
const INIT = `const root = document.getElementById('swagger-ui');
window.ui = SwaggerUIBundle({
  url: root.dataset.url,
  domNode: root,
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  docExpansion: 'list',
  defaultModelsExpandDepth: -1,
});
`;

/**
 * Same origin only. Styles may be inline because Swagger UI sets style attributes; data: images
 * are the icons in its stylesheet. connect-src 'self' covers the document and "Try it out".
 */
const PAGE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function swaggerUiFolder(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

export function registerDocs(server: FastifyInstance): void {
  let document: string | undefined;
  const assets = new Map<string, Promise<Buffer>>();

  server.get(OPENAPI_PATH, async (_request, reply) => {
    document ??= JSON.stringify(buildOpenApiDocument());
    return reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(document);
  });

  server.get(DOCS_PATH, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', PAGE_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache')
      .send(PAGE),
  );

  server.get(INIT_PATH, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('x-content-type-options', 'nosniff').send(INIT),
  );

  server.get<{ Params: { file: string } }>(`${ASSETS_PATH}/:file`, async (request, reply) => {
    const { file } = request.params;
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (type === undefined) return reply.callNotFound();
    let content = assets.get(file);
    if (content === undefined) {
      content = readFile(join(swaggerUiFolder(), file));
      // A failed read is not kept: the next request tries again.
      content.catch(() => assets.delete(file));
      assets.set(file, content);
    }
    return reply
      .type(type)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'public, max-age=3600')
      .send(await content);
  });
}
