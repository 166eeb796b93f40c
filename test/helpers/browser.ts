/**
 * A real browser for tests: Debian's Chromium (apt package `chromium`) driven by playwright-core,
 * which downloads nothing. HERALD_TEST_CHROMIUM names the binary (CI sets it, so a missing
 * browser fails there); without it, /usr/bin/chromium is used when present and browser tests are
 * skipped with a reason when it is not.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { ROOT } from './cli.ts';

const REQUIRED = process.env.HERALD_TEST_CHROMIUM;
const CHROMIUM = REQUIRED ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or false when they can. */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM) || REQUIRED !== undefined) return false;
  return `no browser at ${CHROMIUM} (apt install chromium, or set HERALD_TEST_CHROMIUM)`;
}

export function launchBrowser(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
};

/** Serves test/fixtures/<folder> on its own 127.0.0.1 port: a page on another origin than Herald. */
export async function serveFixture(folder: string): Promise<{ url: string; close(): Promise<void> }> {
  const dir = join(ROOT, 'test', 'fixtures', folder);
  const server: Server = createServer((request, response) => {
    const name = new URL(request.url ?? '/', 'http://x').pathname.replace(/^\/$/, '/index.html').slice(1);
    const type = TYPES[extname(name)];
    if (name.includes('..') || type === undefined || !existsSync(join(dir, name))) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': type }).end(readFileSync(join(dir, name)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
