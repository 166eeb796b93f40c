/** The web console on Herald's own port: its page and assets, and its JSON API. */
import type { FastifyInstance } from 'fastify';
import { type ConsoleApiDeps, registerConsoleApi } from './api-routes.ts';
import { registerConsolePage } from './page.ts';

export function registerConsole(server: FastifyInstance, deps: ConsoleApiDeps): void {
  registerConsolePage(server);
  registerConsoleApi(server, deps);
}
