/**
 * One WebSocket to Herald's subscriber channel, reopened with backoff and full jitter after any
 * close a client may recover from (docs/client-protocol.md). Requests carry ids and wait for
 * their reply; frames without an id (events, synced) go to `onFrame`.
 */
import { CLOSE } from '../realtime/protocol.ts';
import { ChatError, ERROR_CODES } from './errors.ts';

/** The part of the WebSocket API the client uses: the browser's, or `ws` in Node. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;

/** Closes after which the client reconnects and resumes; any other close ends the session. */
const RECOVERABLE = new Set<number>([1001, 1005, 1006, 1011, 1012, 1013, CLOSE.tooSlow, CLOSE.idle, CLOSE.unavailable]);

export interface ReconnectPolicy {
  /** First delay; doubles per failed attempt up to maxDelayMs, each delay drawn at random below it. */
  minDelayMs: number;
  maxDelayMs: number;
}

interface Pending {
  resolve(data: unknown): void;
  reject(error: ChatError): void;
  timer: ReturnType<typeof setTimeout>;
}

export interface ConnectionHandlers {
  /** A socket is open: the session must log in on it (the reply tells whether it may stay). */
  onOpen(): void;
  onFrame(frame: Record<string, unknown>): void;
  /** The socket closed; `willReconnect` says whether a new one will be opened. */
  onClose(code: number, reason: string, willReconnect: boolean): void;
}

export class Connection {
  private socket: WebSocketLike | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private attempt = 0;
  private stopped = true;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly WebSocketImpl: WebSocketConstructor,
    private readonly policy: ReconnectPolicy,
    private readonly requestTimeoutMs: number,
    private readonly handlers: ConnectionHandlers,
  ) {}

  get open(): boolean {
    return this.socket?.readyState === OPEN;
  }

  start(): void {
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  /** Closes for good (logout): no reconnect; pending requests fail. */
  stop(code = 1000, reason = 'client closed'): void {
    this.stopped = true;
    clearTimeout(this.retry);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      try {
        socket.close(code, reason);
      } catch {
        // already closed
      }
    }
    this.failPending(new ChatError(ERROR_CODES.notLoggedIn, 'the connection was closed'));
  }

  /** The login on the current socket succeeded: the next loss starts the backoff afresh. */
  established(): void {
    this.attempt = 0;
  }

  request(op: string, fields: Record<string, unknown>): Promise<unknown> {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) {
      return Promise.reject(new ChatError(ERROR_CODES.notLoggedIn, 'not connected; log in first'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ChatError(ERROR_CODES.timeout, `${op} got no reply within ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify({ ...fields, op, id }));
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = new this.WebSocketImpl(this.url);
    this.socket = socket;
    socket.onopen = () => this.handlers.onOpen();
    socket.onmessage = (event) => this.message(event.data);
    socket.onerror = () => {};
    socket.onclose = (event) => this.closed(socket, event.code, event.reason);
  }

  private message(data: unknown): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data)) as Record<string, unknown>;
    } catch {
      return;
    }
    if (frame.op === 'reply' && typeof frame.id === 'number') {
      const pending = this.pending.get(frame.id);
      if (!pending) return;
      this.pending.delete(frame.id);
      clearTimeout(pending.timer);
      if (frame.code === 0) pending.resolve(frame.data);
      else pending.reject(new ChatError(Number(frame.code), String(frame.message ?? '')));
      return;
    }
    this.handlers.onFrame(frame);
  }

  private closed(socket: WebSocketLike, code: number, reason: string): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.failPending(new ChatError(ERROR_CODES.timeout, `the connection closed (${code}) before the reply`));
    const willReconnect = !this.stopped && RECOVERABLE.has(code);
    this.handlers.onClose(code, reason, willReconnect);
    if (!willReconnect) {
      this.stopped = true;
      return;
    }
    const ceiling = Math.min(this.policy.maxDelayMs, this.policy.minDelayMs * 2 ** this.attempt);
    this.attempt++;
    // Full jitter: many clients dropped at once come back spread out, not in a wave.
    this.retry = setTimeout(() => this.connect(), Math.random() * ceiling);
  }

  private failPending(error: ChatError): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }
}
