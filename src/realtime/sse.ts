/**
 * The read-only fallback: Server-Sent Events at GET /realtime/sse?sdkappid=&identifier=&usersig=
 * (&platform=&cursors=<JSON>). The stream carries the same frames as the WebSocket, one per
 * `data:` line, starting with the login reply. Each frame with messages carries an `id:` that
 * holds the client's resume point for every account, so an EventSource that reconnects (sending
 * Last-Event-ID) misses nothing. Subscribing and the other requests need the WebSocket.
 */
import type { FastifyInstance } from 'fastify';
import type { Frame } from './feed.ts';
import { type Cursors, SSE_PATH } from './protocol.ts';
import type { Session, Transport } from './session.ts';

/** Comment lines keep proxies from closing an idle stream. */
const KEEPALIVE_MS = 25_000;

class SseTransport implements Transport {
  readonly kind = 'sse';
  private readonly cursors: Cursors;
  private open = true;

  constructor(
    private readonly write: (chunk: string) => void,
    private readonly pending: () => number,
    private readonly end: () => void,
    readonly remoteAddress: string,
    cursors: Cursors,
  ) {
    this.cursors = { ...cursors };
  }

  send(frame: Frame): void {
    if (!this.open) return;
    let chunk = `data: ${frame.text}\n`;
    if (frame.resume) {
      this.cursors[frame.resume.officialAccountId] = frame.resume.version;
      chunk += `id: ${encodeCursors(this.cursors)}\n`;
    }
    this.write(`${chunk}\n`);
  }

  /** The login reply names every account's starting point. */
  startFrom(cursors: Cursors): void {
    Object.assign(this.cursors, cursors);
  }

  bufferedBytes(): number {
    return this.pending();
  }

  close(code: number, reason: string): void {
    if (!this.open) return;
    this.write(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
    this.open = false;
    this.end();
  }
}

export function encodeCursors(cursors: Cursors): string {
  return Buffer.from(JSON.stringify(cursors)).toString('base64url');
}

/** Cursors from Last-Event-ID (base64url JSON) or the `cursors` query (JSON); {} when absent or unreadable. */
export function decodeCursors(lastEventId: string | undefined, query: string | undefined): Cursors {
  const candidates = [lastEventId && Buffer.from(lastEventId, 'base64url').toString('utf8'), query];
  for (const text of candidates) {
    if (!text) continue;
    try {
      const value = JSON.parse(text) as unknown;
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const cursors: Cursors = {};
        for (const [id, version] of Object.entries(value))
          if (Number.isSafeInteger(version) && (version as number) >= 0) cursors[id] = version as number;
        return cursors;
      }
    } catch {
      // not a cursor map: try the next
    }
  }
  return {};
}

export function registerSse(server: FastifyInstance, open: (transport: Transport) => Session): void {
  server.get<{ Querystring: Record<string, string | undefined> }>(SSE_PATH, async (request, reply) => {
    const query = request.query;
    const cursors = decodeCursors(request.headers['last-event-id'] as string | undefined, query.cursors);
    reply.hijack();
    const res = reply.raw;
    // The connection ends with the stream: an EventSource reconnects on a new one anyway, and a
    // connection kept alive after the stream would hold a shutting-down server open until the
    // client lets go of it.
    res.shouldKeepAlive = false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      // A page on any origin may follow its user's stream: the UserSig in the query is the
      // credential, and no cookie is ever read.
      'access-control-allow-origin': '*',
    });
    const transport = new SseTransport(
      (chunk) => res.write(chunk),
      () => res.writableLength,
      () => res.end(),
      request.ip,
      cursors,
    );
    const session = open(transport);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    res.on('close', () => {
      clearInterval(keepalive);
      session.closed();
    });
    const login = await session.loginFromQuery({
      sdkappid: query.sdkappid ?? '',
      userID: query.identifier ?? '',
      userSig: query.usersig ?? '',
      platform: query.platform,
      cursors,
    });
    if (login) transport.startFrom(login.cursors);
  });
}
