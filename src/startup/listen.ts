/** Starts listening, turning the ways that fails (port taken, address not here) into one line. */
import type { FastifyInstance } from 'fastify';
import { codeOf, reasonOf, StartupError, settingName } from './errors.ts';

const HOST = settingName('HERALD_HOST', '--host');

export async function listen(server: FastifyInstance, host: string, port: number, backlog: number): Promise<void> {
  try {
    await server.listen({ host, port, backlog });
  } catch (e) {
    switch (codeOf(e)) {
      case 'EADDRINUSE':
        throw new StartupError(`port ${port} on ${host} is in use: choose another with --port or HERALD_PORT`);
      case 'EACCES':
        throw new StartupError(
          `port ${port} on ${host} needs privileges this process lacks: choose a port above 1023 with --port or HERALD_PORT`,
        );
      case 'EADDRNOTAVAIL':
        throw new StartupError(
          `${HOST} ${host} is not an address of this machine (${reasonOf(e)}): use one of its addresses, 127.0.0.1 or 0.0.0.0`,
        );
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        throw new StartupError(`${HOST} ${host} is not a known host name (${reasonOf(e)}): give an IP address`);
      default:
        throw e;
    }
  }
}
