/**
 * The WebSocket transport (`ws`), on the same port and TLS as the REST API: upgrades at
 * /realtime/ws become sessions. The server pings every `pingMs`; a connection that has not
 * answered by the next ping is closed (4010) and its client resumes later. Per-IP connection caps
 * are checked before the upgrade (HTTP 429).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Frame } from './feed.ts';
import { CLOSE, WS_PATH } from './protocol.ts';
import type { Session, Transport } from './session.ts';

export interface WebSocketOptions {
  /** The hard cap of one frame; beyond it the connection closes (1009). */
  maxPayloadBytes: number;
  pingMs: number;
  maxConnectionsPerIp: number;
  /** Makes the session of a new connection. */
  open(transport: Transport): Session;
}

class WebSocketTransport implements Transport {
  readonly kind = 'ws';

  constructor(
    private readonly socket: WebSocket,
    readonly remoteAddress: string,
  ) {}

  send(frame: Frame): void {
    // The bytes are made once per frame and shared by every socket it goes to.
    this.socket.send(frame.bytes, { binary: false });
  }

  bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(code, reason);
      // A peer that never answers the close handshake is cut off.
      setTimeout(() => this.socket.terminate(), 5000).unref();
    }
  }
}

export class WebSocketGateway {
  private readonly server: WebSocketServer;
  private readonly perIp = new Map<string, number>();
  private readonly alive = new WeakSet<WebSocket>();
  private readonly pinger: NodeJS.Timeout;

  constructor(
    http: Server,
    private readonly options: WebSocketOptions,
  ) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes,
      perMessageDeflate: false,
    });
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head));
    this.pinger = setInterval(() => this.ping(), options.pingMs);
    this.pinger.unref();
  }

  get connectionCount(): number {
    return this.server.clients.size;
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '').split('?')[0];
    if (path !== WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const ip = request.socket.remoteAddress ?? '';
    const count = this.perIp.get(ip) ?? 0;
    if (this.options.maxConnectionsPerIp > 0 && count >= this.options.maxConnectionsPerIp) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.perIp.set(ip, count + 1);
    this.server.handleUpgrade(request, socket, head, (ws) => this.connected(ws, ip));
  }

  private connected(ws: WebSocket, ip: string): void {
    const session = this.options.open(new WebSocketTransport(ws, ip));
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('message', (data, isBinary) => {
      this.alive.add(ws);
      void session.receive(isBinary ? '' : data.toString());
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, left);
      session.closed(code);
    });
  }

  private ping(): void {
    for (const ws of this.server.clients) {
      if (!this.alive.has(ws)) {
        ws.close(CLOSE.idle, 'no pong: idle');
        setTimeout(() => ws.terminate(), 5000).unref();
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }

  /** Closes every connection with 1001 (going away): their clients reconnect elsewhere and resume. */
  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const ws of this.server.clients) ws.close(CLOSE.goingAway, 'server shutting down');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const ws of this.server.clients) ws.terminate();
  }
}
