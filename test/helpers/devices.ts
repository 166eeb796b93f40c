/**
 * Subscribers' devices for tests: the client library (`herald/client`) over real WebSockets, with
 * UserSigs from Tencent's own generator, recording every event; and a raw socket that speaks the
 * protocol frame by frame, for what the library would never send.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Api } from 'tls-sig-api-v2';
import WebSocket from 'ws';
import { type ChatEvent, HeraldChat, type Message } from '../../src/client/index.ts';
import { SDKAPPID, SECRET_KEY } from './harness.ts';

export function userSig(userId: string, options: { sdkappid?: number; key?: string; expire?: number } = {}): string {
  return new Api(options.sdkappid ?? SDKAPPID, options.key ?? SECRET_KEY).genUserSig(userId, options.expire ?? 86400);
}

/** Polls `check` until it holds; fails naming `what` after `timeoutMs` (a guard, not a timing assertion). */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export interface DeviceOptions {
  sdkappid?: number;
  key?: string;
  platform?: string;
  expire?: number;
  reconnect?: { minDelayMs: number; maxDelayMs: number };
}

/** A logged-in HeraldChat and everything it surfaced. */
export class Device {
  readonly events: ChatEvent[] = [];
  /** Every MESSAGE_RECEIVED item, in the order surfaced. */
  readonly received: Message[] = [];
  readonly revoked: Message[] = [];

  private constructor(
    readonly chat: HeraldChat,
    readonly userId: string,
  ) {
    for (const name of Object.values(HeraldChat.EVENT)) {
      chat.on(name, (event) => {
        this.events.push(event);
        if (name === HeraldChat.EVENT.MESSAGE_RECEIVED) this.received.push(...(event.data as Message[]));
        if (name === HeraldChat.EVENT.MESSAGE_REVOKED) this.revoked.push(...(event.data as Message[]));
      });
    }
  }

  /** Creates the client and logs in; the handlers are attached before the login. */
  static async login(url: string, userId: string, options: DeviceOptions = {}): Promise<Device> {
    const chat = HeraldChat.create({
      url,
      SDKAppID: options.sdkappid ?? SDKAPPID,
      WebSocket: WebSocket as never,
      ...(options.platform && { platform: options.platform }),
      reconnect: options.reconnect ?? { minDelayMs: 50, maxDelayMs: 400 },
      requestTimeoutMs: 10_000,
    });
    const device = new Device(chat, userId);
    await chat.login({ userID: userId, userSig: userSig(userId, options) });
    await device.until('the first catch-up', () => device.count(HeraldChat.EVENT.SYNC_COMPLETED) >= 1);
    return device;
  }

  count(name: string): number {
    return this.events.filter((e) => e.name === name).length;
  }

  last<T>(name: string): T | undefined {
    return this.events.filter((e) => e.name === name).at(-1)?.data as T | undefined;
  }

  /** Message IDs received for one account, in order. */
  idsOf(officialAccountId: string): string[] {
    return this.received.filter((m) => m.conversationID === `c2c_${officialAccountId}`).map((m) => m.ID);
  }

  until(what: string, check: () => boolean, timeoutMs?: number): Promise<void> {
    return until(`${this.userId}: ${what}`, check, timeoutMs);
  }

  async close(): Promise<void> {
    await this.chat.logout().catch(() => {});
  }
}

/** One WebSocket speaking raw frames; every frame it receives is kept, parsed. */
export class RawSocket {
  readonly frames: Record<string, unknown>[] = [];
  closeCode: number | undefined;
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
    ws.on('close', (code) => (this.closeCode = code));
  }

  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<RawSocket> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/realtime/ws`, options);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawSocket(ws);
  }

  /** Sends a frame (an object gets the next id unless it has one) and resolves with its reply. */
  async request(frame: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = frame.id ?? this.nextId++;
    this.ws.send(JSON.stringify({ ...frame, id }));
    await until(`the reply to ${JSON.stringify(frame).slice(0, 80)}`, () =>
      this.frames.some((f) => f.op === 'reply' && f.id === id),
    );
    return this.frames.find((f) => f.op === 'reply' && f.id === id) as Record<string, unknown>;
  }

  /** Sends raw text (anything, valid or not). */
  sendText(text: string): void {
    this.ws.send(text);
  }

  async login(userId: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.request({ op: 'login', sdkappid: SDKAPPID, userID: userId, userSig: userSig(userId), ...extra });
  }

  events(name: string): Record<string, unknown>[] {
    return this.frames.filter((f) => f.op === 'event' && f.event === name);
  }

  async closed(): Promise<number> {
    await until('the socket to close', () => this.closeCode !== undefined);
    return this.closeCode as number;
  }

  close(): void {
    this.ws.terminate();
  }
}
