/**
 * On shutdown, closes the connections that have never carried a request. Node's server closes
 * idle keep-alive connections itself, but not one a client opened ahead of need (HTTP clients
 * such as undici pre-connect), and that one would hold the shutdown until the client lets it go
 * (seconds) or the connection timeout passes. Nothing is in flight on it, so nothing is lost.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export function closeUnusedConnectionsOnClose(server: FastifyInstance, tls: boolean): void {
  const unused = new Set<Socket>();
  const raw = server.server;
  // With TLS, requests arrive on the TLS socket, which `secureConnection` hands over.
  raw.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  raw.on('request', (request: { socket: Socket }) => unused.delete(request.socket));
  raw.on('upgrade', (request: { socket: Socket }) => unused.delete(request.socket));
  server.addHook('preClose', (done) => {
    for (const socket of unused) socket.destroy();
    unused.clear();
    done();
  });
}
