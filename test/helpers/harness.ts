/**
 * Test harness: a real Herald (in-process, real store, real HTTP) and a client that signs
 * every call with Tencent's own generator (`tls-sig-api-v2`). Tests never reach inside Herald
 * except to read the store for "nothing changed" checks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from 'tls-sig-api-v2';
import { startHerald, type Herald, type HeraldOptions } from '../../src/server.ts';

export const SDKAPPID = 1400000000;
export const SECRET_KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
export const ADMIN = 'administrator';

export type StoreKind = 'sqlite';

/** The stores the conformance suite runs against (PostgreSQL joins in a later issue). */
export function stores(): StoreKind[] {
  return ['sqlite'];
}

export interface Envelope {
  ActionStatus: string;
  ErrorCode: number;
  ErrorInfo: string;
  [field: string]: unknown;
}

export interface TestHerald extends Herald {
  /** Temporary data directory, removed by close(). */
  dataDir: string;
  admin: Client;
}

/**
 * Starts Herald on a fresh SQLite directory with the test app (rate limits off unless the
 * options set them) and returns it with an admin client.
 */
export async function startTestHerald(options: HeraldOptions & { dataDir?: string } = {}): Promise<TestHerald> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'herald-test-'));
  const herald = await startHerald({
    logLevel: 'silent',
    rateLimit: 0,
    sendPerSecond: 0,
    sendPerHour: 0,
    apps: [{ sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN] }],
    ...options,
    dataDir,
  });
  const close = herald.close.bind(herald);
  return Object.assign(herald, {
    dataDir,
    admin: new Client(herald.url),
    async close() {
      await close();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export interface ClientOptions {
  sdkappid?: number;
  key?: string;
  identifier?: string;
  expire?: number;
}

export class Client {
  readonly sdkappid: number;
  readonly identifier: string;
  readonly userSig: string;

  constructor(readonly baseUrl: string, options: ClientOptions = {}) {
    this.sdkappid = options.sdkappid ?? SDKAPPID;
    this.identifier = options.identifier ?? ADMIN;
    this.userSig = new Api(this.sdkappid, options.key ?? SECRET_KEY).genUserSig(this.identifier, options.expire ?? 86400);
  }

  url(service: string, command: string, query: Record<string, string> = {}): string {
    const params = new URLSearchParams({
      sdkappid: String(this.sdkappid),
      identifier: this.identifier,
      usersig: this.userSig,
      random: String(Math.floor(Math.random() * 4294967295)),
      contenttype: 'json',
      ...query,
    });
    return `${this.baseUrl}/v4/${service}/${command}?${params}`;
  }

  /** POSTs `body` (an object is JSON-encoded; a string is sent as is) and returns the envelope. */
  async call(service: string, command: string, body: unknown = {}, query: Record<string, string> = {}): Promise<Envelope> {
    const response = await fetch(this.url(service, command, query), {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`HTTP ${response.status} from ${service}/${command}`);
    return (await response.json()) as Envelope;
  }

  account(command: string, body: unknown = {}): Promise<Envelope> {
    return this.call('im_open_login_svc', command, body);
  }

  official(command: string, body: unknown = {}): Promise<Envelope> {
    return this.call('official_account_open_http_svc', command, body);
  }
}

/** Imports accounts through the REST API (fails the test if Herald refuses). */
export async function importAccounts(client: Client, userIds: string[]): Promise<void> {
  for (let i = 0; i < userIds.length; i += 100) {
    const res = await client.account('multiaccount_import', { AccountList: userIds.slice(i, i + 100).map((UserID) => ({ UserID })) });
    if (res.ErrorCode !== 0 || (res.FailAccounts as string[]).length > 0) throw new Error(`import failed: ${JSON.stringify(res)}`);
  }
}
