import type { Writable } from 'node:stream';
import type { NewAppOptions } from './auth/apps.ts';
import type { Seed } from './seed/schema.ts';
import { userIdProblem } from './services/rules.ts';
import type { WebhookSettings } from './store/records.ts';
import { isCallbackCommand } from './webhooks/commands.ts';

/**
 * Typed configuration. Every setting can come from the environment (HERALD_*) or from the same
 * flag on `herald serve`; flags win. Bad configuration fails fast with one clear line
 * (ConfigError), never a stack trace.
 */
export class ConfigError extends Error {}

export const UNKNOWN_FIELD_POLICIES = ['ignore', 'warn', 'reject'] as const;
export type UnknownFieldPolicy = (typeof UNKNOWN_FIELD_POLICIES)[number];

/** One of `choices`, or `fallback` when not set. */
function oneOf<T extends string>(name: string, raw: string | undefined, choices: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!choices.includes(raw as T)) throw new ConfigError(`${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  return raw as T;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Every setting of a Herald server, resolved. The CLI builds one from HERALD_* variables and
 * flags (resolveConfig); in-process users pass any part of it to startHerald() (HeraldOptions),
 * the rest taking DEFAULTS.
 */
export interface HeraldConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Directory of the SQLite database; null keeps everything in memory. Ignored with databaseUrl. */
  dataDir: string | null;
  /** Apps to create or update on start. When none is given and the store has no app, one is created. */
  apps: NewAppOptions[];
  /** Webhook settings for the default app (used when `apps` is empty), e.g. from HERALD_WEBHOOK_URL. */
  defaultAppWebhook: Partial<WebhookSettings> | null;
  /** Admins of the default app (used when `apps` is empty), e.g. from HERALD_ADMIN. */
  defaultAppAdmins: string[] | null;
  tls: { cert: string; key: string } | null;
  logLevel: LogLevel;
  /** Calls/s for every command of every app; 0 switches rate limits off; null = per-app values. */
  rateLimit: number | null;
  /** Messages per second / per hour for every official account; 0 = off; null = per-app values. */
  sendPerSecond: number | null;
  sendPerHour: number | null;
  /** First retry delay of an undelivered "after" webhook (doubles per failure, up to 60 s). */
  webhookRetryMs: number;
  /** How long a dispatcher holds an outbox event it is delivering (another node takes over after). */
  webhookLeaseMs: number;
  /** How long a webhook call may take (Tencent: 2 s). */
  webhookTimeoutMs: number;
  /** postgres://… selects PostgreSQL instead of SQLite in dataDir. */
  databaseUrl: string | null;
  databasePoolSize: number;
  databaseStatementTimeoutMs: number;
  /** redis://… shares rate and send limits across nodes. */
  redisUrl: string | null;
  /** Failed UserSig verifications per caller and minute before 70050; 0 = no limit. */
  authFailureLimit: number;
  /** A request (headers and body) must arrive within this many ms (slow clients are cut off). */
  requestTimeoutMs: number;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** Subscriber connections of one user on one node; a new one beyond it closes the oldest. */
  realtimeMaxConnectionsPerUser: number;
  /** Subscriber connections from one IP address on one node (0: no cap). */
  realtimeMaxConnectionsPerIp: number;
  /** The server pings each WebSocket this often; one that has not answered by the next ping is closed. */
  realtimePingMs: number;
  /** A connection whose unsent bytes pass this is closed (4008) and its client resumes later. */
  realtimeMaxBufferedBytes: number;
  /** How often each node compares its subscribers' feeds with the store (finds lost doorbells). */
  realtimeSweepMs: number;
  /** Serve Prometheus metrics at /metrics. */
  metrics: boolean;
  /** Serve the web console at /console. */
  console: boolean;
  /** Accounts and official accounts to create on start: a seed file's path, or the seed itself. */
  seed: string | Seed | null;
  /** Body fields a command does not know: ignored silently, named in the log and a header, or refused. */
  unknownFields: UnknownFieldPolicy;
}

export const DEFAULTS: HeraldConfig = {
  host: '127.0.0.1',
  port: 0,
  dataDir: null,
  apps: [],
  defaultAppWebhook: null,
  defaultAppAdmins: null,
  tls: null,
  // In process (tests), only what needs attention; `herald serve` logs every call (info).
  logLevel: 'warn',
  rateLimit: null,
  sendPerSecond: null,
  sendPerHour: null,
  webhookRetryMs: 1000,
  webhookLeaseMs: 15_000,
  webhookTimeoutMs: 2000,
  databaseUrl: null,
  databasePoolSize: 10,
  databaseStatementTimeoutMs: 5000,
  redisUrl: null,
  authFailureLimit: 50,
  requestTimeoutMs: 15_000,
  bodyLimit: 1024 * 1024,
  realtimeMaxConnectionsPerUser: 10,
  realtimeMaxConnectionsPerIp: 10_000,
  realtimePingMs: 25_000,
  realtimeMaxBufferedBytes: 4 * 1024 * 1024,
  realtimeSweepMs: 5_000,
  metrics: true,
  console: true,
  seed: null,
  unknownFields: 'warn',
};

/** What startHerald() takes: any part of the configuration, and what only in-process use can give. */
export interface HeraldOptions extends Partial<HeraldConfig> {
  /** Where log lines go (default stdout); tests pass a stream to read them. */
  logStream?: Writable;
  /** Unix-seconds clock; tests move it to expire UserSigs. */
  clock?: () => number;
}

/** The names a user can set; each maps to an env var HERALD_<NAME> and a flag --<name>. */
export type ConfigInput = Partial<
  Record<
    | 'host'
    | 'port'
    | 'data'
    | 'sdkappid'
    | 'secretKey'
    | 'admin'
    | 'tlsCert'
    | 'tlsKey'
    | 'logLevel'
    | 'rateLimit'
    | 'sendPerSecond'
    | 'sendPerHour'
    | 'webhookUrl'
    | 'webhookToken'
    | 'webhookOff'
    | 'webhookRetryMs'
    | 'webhookBeforeFailure'
    | 'databaseUrl'
    | 'databasePoolSize'
    | 'databaseStatementTimeoutMs'
    | 'redisUrl'
    | 'webhookLeaseMs'
    | 'authFailureLimit'
    | 'requestTimeoutMs'
    | 'webhookTimeoutMs'
    | 'realtimeMaxConnectionsPerUser'
    | 'realtimeMaxConnectionsPerIp'
    | 'realtimePingMs'
    | 'realtimeMaxBufferedBytes'
    | 'realtimeSweepMs'
    | 'metrics'
    | 'console'
    | 'seed'
    | 'unknownFields',
    string
  >
>;

export const ENV_NAMES: Record<keyof ConfigInput, string> = {
  host: 'HERALD_HOST',
  port: 'HERALD_PORT',
  data: 'HERALD_DATA',
  sdkappid: 'HERALD_SDKAPPID',
  secretKey: 'HERALD_SECRET_KEY',
  admin: 'HERALD_ADMIN',
  tlsCert: 'HERALD_TLS_CERT',
  tlsKey: 'HERALD_TLS_KEY',
  logLevel: 'HERALD_LOG_LEVEL',
  rateLimit: 'HERALD_RATE_LIMIT',
  sendPerSecond: 'HERALD_SEND_PER_SECOND',
  sendPerHour: 'HERALD_SEND_PER_HOUR',
  webhookUrl: 'HERALD_WEBHOOK_URL',
  webhookToken: 'HERALD_WEBHOOK_TOKEN',
  webhookOff: 'HERALD_WEBHOOK_OFF',
  webhookRetryMs: 'HERALD_WEBHOOK_RETRY_MS',
  webhookBeforeFailure: 'HERALD_WEBHOOK_BEFORE_FAILURE',
  webhookLeaseMs: 'HERALD_WEBHOOK_LEASE_MS',
  databaseUrl: 'HERALD_DATABASE_URL',
  databasePoolSize: 'HERALD_DATABASE_POOL_SIZE',
  databaseStatementTimeoutMs: 'HERALD_DATABASE_STATEMENT_TIMEOUT_MS',
  redisUrl: 'HERALD_REDIS_URL',
  authFailureLimit: 'HERALD_AUTH_FAILURE_LIMIT',
  requestTimeoutMs: 'HERALD_REQUEST_TIMEOUT_MS',
  webhookTimeoutMs: 'HERALD_WEBHOOK_TIMEOUT_MS',
  realtimeMaxConnectionsPerUser: 'HERALD_REALTIME_MAX_CONNECTIONS_PER_USER',
  realtimeMaxConnectionsPerIp: 'HERALD_REALTIME_MAX_CONNECTIONS_PER_IP',
  realtimePingMs: 'HERALD_REALTIME_PING_MS',
  realtimeMaxBufferedBytes: 'HERALD_REALTIME_MAX_BUFFERED_BYTES',
  realtimeSweepMs: 'HERALD_REALTIME_SWEEP_MS',
  metrics: 'HERALD_METRICS',
  console: 'HERALD_CONSOLE',
  seed: 'HERALD_SEED',
  unknownFields: 'HERALD_UNKNOWN_FIELDS',
};

/** Where `herald serve` listens and keeps its data unless told otherwise. */
export const DEFAULT_PORT = 9500;
export const DEFAULT_DATA_DIR = './herald-data';
export const MAX_ADMINS = 10;

export function readEnv(env: NodeJS.ProcessEnv): ConfigInput {
  const input: ConfigInput = {};
  for (const [name, envName] of Object.entries(ENV_NAMES) as [keyof ConfigInput, string][]) {
    const value = env[envName];
    if (value !== undefined && value !== '') input[name] = value;
  }
  return input;
}

/**
 * A whole number in [min, max]. Whatever is wrong (not a number, a sign, a fraction, out of
 * range), the message states the whole rule, with what 0 means where 0 is allowed (`zero`).
 */
export function parseInteger(name: string, raw: string, min: number, max: number, zero?: string): number {
  const text = raw.trim();
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) {
    const meaning = zero !== undefined && min === 0 ? ` (0 = ${zero})` : '';
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}${meaning}, got "${raw}"`);
  }
  return value;
}

export function parseSdkAppId(name: string, raw: string): number {
  return parseInteger(name, raw, 1, 4294967295);
}

export function parseAdmins(name: string, raw: string): string[] {
  const admins = [
    ...new Set(
      raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
  if (admins.length === 0) throw new ConfigError(`${name} must name at least one admin identifier`);
  if (admins.length > MAX_ADMINS)
    throw new ConfigError(`${name} names ${admins.length} admins; an app has at most ${MAX_ADMINS}`);
  for (const admin of admins) {
    // Admins are imported accounts: the same rule as every UserID.
    const problem = userIdProblem(admin);
    if (problem !== null) throw new ConfigError(`${name}: ${problem}`);
  }
  return admins;
}

function parseUrl(name: string, raw: string, protocols: string[]): string {
  let protocol = '';
  try {
    protocol = new URL(raw).protocol;
  } catch {
    // reported below
  }
  if (!protocols.includes(protocol))
    throw new ConfigError(`${name} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL`);
  return raw;
}

export function parseWebhookUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http:// or https:// URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`${name} must be an http:// or https:// URL, got "${raw}"`);
  return raw;
}

export function parseCallbackList(name: string, raw: string): string[] {
  const names = [
    ...new Set(
      raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
  for (const command of names) {
    if (!isCallbackCommand(command))
      throw new ConfigError(`${name}: "${command}" is not an OfficialAccount.* CallbackCommand`);
  }
  return names;
}

export function parseSwitch(name: string, raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (value === 'on' || value === 'true' || value === '1') return true;
  if (value === 'off' || value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

export function parseBeforeFailure(name: string, raw: string): WebhookSettings['beforeFailure'] {
  if (raw !== 'allow' && raw !== 'reject') throw new ConfigError(`${name} must be allow or reject, got "${raw}"`);
  return raw;
}

/** Merge env and flags (flags win) into a validated config. Throws ConfigError. */
export function resolveConfig(env: ConfigInput, flags: ConfigInput = {}): HeraldConfig {
  const input: ConfigInput = { ...env, ...flags };
  const label = (key: keyof ConfigInput) => (flags[key] !== undefined ? `--${kebab(key)}` : ENV_NAMES[key]);

  const logLevel = (input.logLevel ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`${label('logLevel')} must be one of ${LOG_LEVELS.join(', ')}, got "${input.logLevel}"`);
  }

  const admins = input.admin !== undefined ? parseAdmins(label('admin'), input.admin) : ['administrator'];

  let app: NewAppOptions | null = null;
  if (input.sdkappid !== undefined || input.secretKey !== undefined) {
    if (input.sdkappid === undefined) {
      throw new ConfigError(`${label('secretKey')} is set but HERALD_SDKAPPID is not; set both or neither`);
    }
    if (input.secretKey === undefined) {
      throw new ConfigError(`${label('sdkappid')} is set but HERALD_SECRET_KEY is not; set both or neither`);
    }
    app = { sdkappid: parseSdkAppId(label('sdkappid'), input.sdkappid), secretKey: input.secretKey, admins };
  }

  let tls: HeraldConfig['tls'] = null;
  if (input.tlsCert !== undefined || input.tlsKey !== undefined) {
    if (input.tlsCert === undefined || input.tlsKey === undefined) {
      throw new ConfigError('HERALD_TLS_CERT and HERALD_TLS_KEY must be set together');
    }
    tls = { cert: input.tlsCert, key: input.tlsKey };
  }

  let webhook: WebhookSettings | null = null;
  if (input.webhookUrl !== undefined) {
    webhook = {
      url: parseWebhookUrl(label('webhookUrl'), input.webhookUrl),
      token: input.webhookToken ?? null,
      off: input.webhookOff !== undefined ? parseCallbackList(label('webhookOff'), input.webhookOff) : [],
      beforeFailure:
        input.webhookBeforeFailure !== undefined
          ? parseBeforeFailure(label('webhookBeforeFailure'), input.webhookBeforeFailure)
          : 'allow',
    };
  } else {
    for (const key of ['webhookToken', 'webhookOff', 'webhookBeforeFailure'] as const) {
      if (input[key] !== undefined) throw new ConfigError(`${label(key)} needs HERALD_WEBHOOK_URL`);
    }
  }

  /** An integer setting within [min, max], or `fallback` when it is not set. */
  const integer = <T>(key: keyof ConfigInput, min: number, max: number, fallback: T, zero?: string): number | T => {
    const raw = input[key];
    return raw === undefined ? fallback : parseInteger(label(key), raw, min, max, zero);
  };
  const url = (key: 'databaseUrl' | 'redisUrl', protocols: string[]) => {
    const raw = input[key];
    return raw === undefined ? null : parseUrl(label(key), raw, protocols);
  };

  return {
    host: input.host ?? DEFAULTS.host,
    port: integer('port', 0, 65535, DEFAULT_PORT, 'any free port'),
    dataDir: input.data === ':memory:' ? null : (input.data ?? DEFAULT_DATA_DIR),
    apps: app ? [{ ...app, ...(webhook && { webhook }) }] : [],
    defaultAppWebhook: app ? null : webhook,
    // HERALD_ADMIN / --admin without HERALD_SDKAPPID: the admins of the default app.
    defaultAppAdmins: app || input.admin === undefined ? null : admins,
    tls,
    logLevel,
    rateLimit: integer('rateLimit', 0, 1_000_000_000, DEFAULTS.rateLimit, 'off'),
    sendPerSecond: integer('sendPerSecond', 0, 1_000_000_000, DEFAULTS.sendPerSecond, 'off'),
    sendPerHour: integer('sendPerHour', 0, 1_000_000_000, DEFAULTS.sendPerHour, 'off'),
    webhookRetryMs: integer('webhookRetryMs', 1, 3_600_000, DEFAULTS.webhookRetryMs),
    webhookLeaseMs: integer('webhookLeaseMs', 1000, 3_600_000, DEFAULTS.webhookLeaseMs),
    webhookTimeoutMs: integer('webhookTimeoutMs', 100, 60_000, DEFAULTS.webhookTimeoutMs),
    databaseUrl: url('databaseUrl', ['postgres:', 'postgresql:']),
    databasePoolSize: integer('databasePoolSize', 1, 1000, DEFAULTS.databasePoolSize),
    databaseStatementTimeoutMs: integer(
      'databaseStatementTimeoutMs',
      0,
      3_600_000,
      DEFAULTS.databaseStatementTimeoutMs,
      'none',
    ),
    redisUrl: url('redisUrl', ['redis:', 'rediss:']),
    authFailureLimit: integer('authFailureLimit', 0, 1_000_000, DEFAULTS.authFailureLimit, 'off'),
    requestTimeoutMs: integer('requestTimeoutMs', 100, 600_000, DEFAULTS.requestTimeoutMs),
    bodyLimit: DEFAULTS.bodyLimit,
    realtimeMaxConnectionsPerUser: integer(
      'realtimeMaxConnectionsPerUser',
      1,
      1000,
      DEFAULTS.realtimeMaxConnectionsPerUser,
    ),
    realtimeMaxConnectionsPerIp: integer(
      'realtimeMaxConnectionsPerIp',
      0,
      10_000_000,
      DEFAULTS.realtimeMaxConnectionsPerIp,
      'no cap',
    ),
    realtimePingMs: integer('realtimePingMs', 100, 600_000, DEFAULTS.realtimePingMs),
    realtimeMaxBufferedBytes: integer('realtimeMaxBufferedBytes', 1024, 1024 ** 3, DEFAULTS.realtimeMaxBufferedBytes),
    realtimeSweepMs: integer('realtimeSweepMs', 100, 600_000, DEFAULTS.realtimeSweepMs),
    metrics: input.metrics === undefined ? DEFAULTS.metrics : parseSwitch(label('metrics'), input.metrics),
    console: input.console === undefined ? DEFAULTS.console : parseSwitch(label('console'), input.console),
    seed: input.seed ?? null,
    unknownFields: oneOf(label('unknownFields'), input.unknownFields, UNKNOWN_FIELD_POLICIES, DEFAULTS.unknownFields),
  };
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
