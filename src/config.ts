import type { WebhookSettings } from './store/records.ts';
import { isCallbackCommand } from './webhooks/commands.ts';

/**
 * Typed configuration. Every setting can come from the environment (HERALD_*) or from the same
 * flag on `herald serve`; flags win. Bad configuration fails fast with one clear line
 * (ConfigError), never a stack trace.
 */
export class ConfigError extends Error {}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface AppSeed {
  sdkappid: number;
  secretKey: string;
  admins: string[];
}

export interface HeraldConfig {
  host: string;
  port: number;
  /** Directory of the SQLite database; null keeps everything in memory (tests). */
  dataDir: string | null;
  /** App to create (or keep) on start; null means "create a default app on first start". */
  app: AppSeed | null;
  /** Admins for the app created on start when HERALD_SDKAPPID is not given. */
  admins: string[];
  tls: { cert: string; key: string } | null;
  logLevel: LogLevel;
  /** Calls/s for every command of every app; 0 switches rate limits off; null = per-app values. */
  rateLimit: number | null;
  /** Messages per second / per hour for every official account; 0 = off; null = per-app values. */
  sendPerSecond: number | null;
  sendPerHour: number | null;
  /** Webhook settings for the app started with (null: keep what is stored). */
  webhook: WebhookSettings | null;
  webhookRetryMs: number;
  webhookLeaseMs: number;
  /** postgres://… selects PostgreSQL instead of SQLite in dataDir. */
  databaseUrl: string | null;
  databasePoolSize: number;
  databaseStatementTimeoutMs: number;
  /** redis://… shares rate and send limits across nodes. */
  redisUrl: string | null;
  /** Failed UserSig verifications per caller and minute before 70050; 0 = no limit. */
  authFailureLimit: number;
  requestTimeoutMs: number;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
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
    | 'requestTimeoutMs',
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
};

export const DEFAULT_PORT = 9500;
export const MAX_ADMINS = 10;
export const MAX_USER_ID_BYTES = 32;

export function readEnv(env: NodeJS.ProcessEnv): ConfigInput {
  const input: ConfigInput = {};
  for (const [name, envName] of Object.entries(ENV_NAMES) as [keyof ConfigInput, string][]) {
    const value = env[envName];
    if (value !== undefined && value !== '') input[name] = value;
  }
  return input;
}

function parseInteger(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
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
    if (Buffer.byteLength(admin) > MAX_USER_ID_BYTES || !/^[\x21-\x7e]+$/.test(admin)) {
      throw new ConfigError(
        `${name}: "${admin}" is not a valid identifier (printable ASCII without spaces, at most ${MAX_USER_ID_BYTES} bytes)`,
      );
    }
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

  let app: AppSeed | null = null;
  if (input.sdkappid !== undefined || input.secretKey !== undefined) {
    if (input.sdkappid === undefined)
      throw new ConfigError(`${label('secretKey')} is set but HERALD_SDKAPPID is not; set both or neither`);
    if (input.secretKey === undefined)
      throw new ConfigError(`${label('sdkappid')} is set but HERALD_SECRET_KEY is not; set both or neither`);
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

  return {
    host: input.host ?? '127.0.0.1',
    port: input.port !== undefined ? parseInteger(label('port'), input.port, 0, 65535) : DEFAULT_PORT,
    dataDir: input.data === ':memory:' ? null : (input.data ?? './herald-data'),
    app,
    admins,
    tls,
    logLevel,
    rateLimit:
      input.rateLimit !== undefined ? parseInteger(label('rateLimit'), input.rateLimit, 0, 1_000_000_000) : null,
    sendPerSecond:
      input.sendPerSecond !== undefined
        ? parseInteger(label('sendPerSecond'), input.sendPerSecond, 0, 1_000_000_000)
        : null,
    sendPerHour:
      input.sendPerHour !== undefined ? parseInteger(label('sendPerHour'), input.sendPerHour, 0, 1_000_000_000) : null,
    webhook,
    webhookRetryMs:
      input.webhookRetryMs !== undefined
        ? parseInteger(label('webhookRetryMs'), input.webhookRetryMs, 1, 3_600_000)
        : 1000,
    webhookLeaseMs:
      input.webhookLeaseMs !== undefined
        ? parseInteger(label('webhookLeaseMs'), input.webhookLeaseMs, 1000, 3_600_000)
        : 15_000,
    databaseUrl:
      input.databaseUrl !== undefined
        ? parseUrl(label('databaseUrl'), input.databaseUrl, ['postgres:', 'postgresql:'])
        : null,
    databasePoolSize:
      input.databasePoolSize !== undefined
        ? parseInteger(label('databasePoolSize'), input.databasePoolSize, 1, 1000)
        : 10,
    databaseStatementTimeoutMs:
      input.databaseStatementTimeoutMs !== undefined
        ? parseInteger(label('databaseStatementTimeoutMs'), input.databaseStatementTimeoutMs, 0, 3_600_000)
        : 5000,
    redisUrl: input.redisUrl !== undefined ? parseUrl(label('redisUrl'), input.redisUrl, ['redis:', 'rediss:']) : null,
    authFailureLimit:
      input.authFailureLimit !== undefined
        ? parseInteger(label('authFailureLimit'), input.authFailureLimit, 0, 1_000_000)
        : 50,
    requestTimeoutMs:
      input.requestTimeoutMs !== undefined
        ? parseInteger(label('requestTimeoutMs'), input.requestTimeoutMs, 100, 600_000)
        : 15_000,
    bodyLimit: 1024 * 1024,
  };
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
