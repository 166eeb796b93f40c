/**
 * A real webhook receiver for tests: a node:http server on 127.0.0.1 that records every request
 * (method, path, full query, headers, raw and parsed JSON body) and answers with programmable
 * replies per CallbackCommand: a JSON object, an HTTP status, non-JSON text, a delay, or a hang
 * (the response stays open until `release()` or `close()`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type Json = Record<string, unknown>;

export interface ReceivedCall {
  method: string;
  /** Path without the query. */
  path: string;
  /** The full request URL (http://127.0.0.1:port/path?query). */
  url: string;
  query: Record<string, string>;
  /** Query parameter names in the order they were sent. */
  queryKeys: string[];
  headers: IncomingMessage['headers'];
  rawBody: string;
  /** The parsed JSON body ({} when it was not a JSON object). */
  body: Json;
  /** CallbackCommand from the query. */
  command: string;
  /** Date.now() when the request arrived. */
  at: number;
  /** 1 for the first request of this command, 2 for the second... */
  nth: number;
}

export interface ReceiverReply {
  /** HTTP status (default 200). */
  status?: number;
  /** JSON reply (default {ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: ''}). */
  json?: unknown;
  /** A raw text reply instead of JSON. */
  text?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (until release() or close()). */
  hang?: boolean;
}

export type ReplyRule = ReceiverReply | ((call: ReceivedCall) => ReceiverReply);

export const OK_REPLY = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' } as const;

export class WebhookReceiver {
  readonly calls: ReceivedCall[] = [];
  private readonly rules = new Map<string, ReplyRule>();
  private readonly hung = new Set<ServerResponse>();
  private readonly counts = new Map<string, number>();
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Starts a receiver on 127.0.0.1:`port` (0 picks a free port). */
  static async start(port = 0): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      if (receiver) receiver.handle(req, res);
      else res.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    receiver = new WebhookReceiver(server, (server.address() as AddressInfo).port);
    return receiver;
  }

  /** A port on 127.0.0.1 where nothing listens (a server was started there and closed). */
  static async closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  /** Base URL, e.g. http://127.0.0.1:port/hook */
  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** How to answer `command` (a CallbackCommand) from now on. */
  reply(command: string, rule: ReplyRule): void {
    this.rules.set(command, rule);
  }

  /** Back to answering every command with OK_REPLY. */
  resetReplies(): void {
    this.rules.clear();
  }

  /** Answers every hanging request with OK_REPLY. */
  release(): void {
    for (const res of this.hung) this.send(res, {});
    this.hung.clear();
  }

  /** Calls of `command` (optionally only those whose body matches), in arrival order. */
  of(command: string, match: (body: Json) => boolean = () => true): ReceivedCall[] {
    return this.calls.filter((c) => c.command === command && match(c.body));
  }

  /** Calls whose body is about `officialAccount`, in arrival order. */
  about(officialAccount: string): ReceivedCall[] {
    return this.calls.filter((c) => c.body.Official_Account === officialAccount);
  }

  /** Waits until `done()` is true (polling), failing with `what` after `timeoutMs`. */
  async until(done: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) {
        const seen = this.calls.map(
          (c) => `${c.command.replace('OfficialAccount.', '')} ${String(c.body.Official_Account ?? '')}`,
        );
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; received: ${seen.join(', ') || 'nothing'}`,
        );
      }
      await sleep(20);
    }
  }

  /** Waits for (at least) `count` calls of `command` matching `match`, and returns them all. */
  async waitFor(
    command: string,
    match: (body: Json) => boolean = () => true,
    count = 1,
    timeoutMs = 5000,
  ): Promise<ReceivedCall[]> {
    await this.until(() => this.of(command, match).length >= count, `${count} × ${command}`, timeoutMs);
    return this.of(command, match);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await done;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: Json = {};
      try {
        const parsed: unknown = JSON.parse(rawBody);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Json;
      } catch {
        // recorded as {}; rawBody keeps what came
      }
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
      const query: Record<string, string> = {};
      const queryKeys: string[] = [];
      for (const [name, value] of url.searchParams) {
        query[name] = value;
        queryKeys.push(name);
      }
      const command = query.CallbackCommand ?? '';
      const nth = (this.counts.get(command) ?? 0) + 1;
      this.counts.set(command, nth);
      const call: ReceivedCall = {
        method: req.method ?? '',
        path: url.pathname,
        url: url.toString(),
        query,
        queryKeys,
        headers: req.headers,
        rawBody,
        body,
        command,
        at: Date.now(),
        nth,
      };
      this.calls.push(call);
      const rule = this.rules.get(command);
      const reply = typeof rule === 'function' ? rule(call) : (rule ?? {});
      if (reply.hang) {
        this.hung.add(res);
        res.on('close', () => this.hung.delete(res));
        return;
      }
      if (reply.delayMs !== undefined) setTimeout(() => this.send(res, reply), reply.delayMs);
      else this.send(res, reply);
    });
  }

  private send(res: ServerResponse, reply: ReceiverReply): void {
    if (res.destroyed || res.writableEnded) return;
    const status = reply.status ?? 200;
    if (reply.text !== undefined) {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(reply.text);
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.json ?? OK_REPLY));
  }
}
