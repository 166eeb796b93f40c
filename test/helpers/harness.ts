/**
 * Test harness: a real Herald (in-process, real store, real HTTP) and a client that signs
 * every call with Tencent's own generator (`tls-sig-api-v2`). Tests never reach inside Herald
 * except to read the store for "nothing changed" checks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from 'tls-sig-api-v2';
import { startHerald, type Herald, type HeraldOptions } from '../../src/server.ts';
import { checkAnswer } from './answers.ts';

export const SDKAPPID = 1400000000;
export const SECRET_KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
export const ADMIN = 'administrator';

export type StoreKind = 'sqlite' | 'postgres';

/**
 * The store this run of the conformance suite speaks to. `npm test` runs every test file once
 * on SQLite and, when HERALD_TEST_POSTGRES_URL is set, once more with HERALD_TEST_STORE=postgres
 * (scripts/test.sh); each file loops over stores() so its describe names say which.
 */
export function stores(): StoreKind[] {
  return [currentStore()];
}

export function currentStore(): StoreKind {
  const kind = process.env.HERALD_TEST_STORE ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres')
    throw new Error(`HERALD_TEST_STORE must be sqlite or postgres, got ${kind}`);
  if (kind === 'postgres' && !process.env.HERALD_TEST_POSTGRES_URL)
    throw new Error('HERALD_TEST_STORE=postgres needs HERALD_TEST_POSTGRES_URL');
  return kind;
}

const SCHEMA_PREFIX = 'herald_t_';

/**
 * Every Herald a test starts on PostgreSQL gets a schema of its own in the test database (its
 * "data directory"), so tests never see each other's rows. The schema of a test that passes a
 * dataDir is derived from it, so a restart on the same dataDir finds the same data.
 */
export function postgresUrlFor(schema: string): string {
  const url = new URL(process.env.HERALD_TEST_POSTGRES_URL as string);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function adminQuery(sql: string): Promise<{ rows: Record<string, unknown>[] }> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: process.env.HERALD_TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Whether the process that made a schema (its pid is in the name) is still running. */
function ownerAlive(schema: string): boolean {
  const pid = Number(schema.slice(SCHEMA_PREFIX.length).split('_')[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let staleSchemasDropped = false;

/**
 * Creates the schema, named after this process. The first time, it drops the schemas of test
 * processes that are gone (a crashed or killed run); those of runs still going are left alone.
 */
export async function createTestSchema(dataDir?: string): Promise<string> {
  if (!staleSchemasDropped) {
    staleSchemasDropped = true;
    const { rows } = await adminQuery(`SELECT nspname FROM pg_namespace WHERE nspname LIKE '${SCHEMA_PREFIX}%'`);
    for (const { nspname } of rows as { nspname: string }[]) {
      if (!ownerAlive(nspname)) await dropTestSchema(nspname);
    }
  }
  const suffix = dataDir
    ? createHash('sha256').update(dataDir).digest('hex').slice(0, 16)
    : randomBytes(8).toString('hex');
  const schema = `${SCHEMA_PREFIX}${process.pid}_${suffix}`;
  await adminQuery(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  return schema;
}

export async function dropTestSchema(schema: string): Promise<void> {
  await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
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
  const schema =
    currentStore() === 'postgres' ? await createTestSchema(options.dataDir === undefined ? undefined : dataDir) : null;
  const herald = await startHerald({
    logLevel: 'silent',
    rateLimit: 0,
    sendPerSecond: 0,
    sendPerHour: 0,
    apps: [{ sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN] }],
    ...options,
    dataDir,
    ...(schema !== null && { databaseUrl: postgresUrlFor(schema), databasePoolSize: 4 }),
  });
  const close = herald.close.bind(herald);
  return Object.assign(herald, {
    dataDir,
    admin: new Client(herald.url),
    async close() {
      await close();
      if (options.dataDir === undefined) {
        rmSync(dataDir, { recursive: true, force: true });
        if (schema !== null) await dropTestSchema(schema);
      }
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

  constructor(
    readonly baseUrl: string,
    options: ClientOptions = {},
  ) {
    this.sdkappid = options.sdkappid ?? SDKAPPID;
    this.identifier = options.identifier ?? ADMIN;
    this.userSig = new Api(this.sdkappid, options.key ?? SECRET_KEY).genUserSig(
      this.identifier,
      options.expire ?? 86400,
    );
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
  async call(
    service: string,
    command: string,
    body: unknown = {},
    query: Record<string, string> = {},
  ): Promise<Envelope> {
    const response = await fetch(this.url(service, command, query), {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`HTTP ${response.status} from ${service}/${command}`);
    const answer = (await response.json()) as Envelope;
    checkAnswer(service, command, answer);
    return answer;
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
    const res = await client.account('multiaccount_import', {
      AccountList: userIds.slice(i, i + 100).map((UserID) => ({ UserID })),
    });
    if (res.ErrorCode !== 0 || (res.FailAccounts as string[]).length > 0)
      throw new Error(`import failed: ${JSON.stringify(res)}`);
  }
}
