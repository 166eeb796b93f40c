#!/usr/bin/env node
/**
 * The `herald` command: serve, issue UserSigs, manage apps. Every `serve` flag has a HERALD_*
 * environment twin (config.ts); bad configuration exits 2 with one line.
 */
import { Command, Option } from 'commander';
import { banner } from './banner.ts';
import { issueUserSig } from './auth/usersig.ts';
import { newApp, saveApp } from './auth/apps.ts';
import { chooseApp } from './auth/choose-app.ts';
import {
  ConfigError,
  ENV_NAMES,
  parseAdmins,
  parseBeforeFailure,
  parseCallbackList,
  parseInteger,
  parseSdkAppId,
  parseWebhookUrl,
  readEnv,
  resolveConfig,
  type ConfigInput,
} from './config.ts';
import type { AppRecord } from './store/records.ts';
import type { Store } from './store/store.ts';
import { packageVersion } from './package-info.ts';
import { type Herald, startHerald } from './server.ts';
import { openConfiguredStore } from './startup/store.ts';
import { exportStore, importStore } from './transfer.ts';
import { ProgressLine } from './progress-line.ts';

const now = () => Math.floor(Date.now() / 1000);

function fatal(message: string): never {
  process.stderr.write(`herald: ${message}\n`);
  process.exit(2);
}

async function run<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (e) {
    if (e instanceof ConfigError) fatal(e.message);
    fatal(e instanceof Error ? e.message : String(e));
  }
}

function dataOption(cmd: Command): Command {
  return cmd.addOption(new Option('--data <dir>', `directory of the SQLite database (${ENV_NAMES.data})`));
}

function storeConfig(flags: { data?: string }) {
  return resolveConfig(readEnv(process.env), flags.data !== undefined ? { data: flags.data } : {});
}

/**
 * Runs `work` on the store of the data directory (or HERALD_DATABASE_URL), then closes it. Commands
 * that only read pass `reads`: a SQLite database that does not exist is refused, not created.
 */
async function withStore<T>(
  flags: { data?: string },
  work: (store: Store) => Promise<T>,
  access: 'reads' | 'writes' = 'writes',
): Promise<T> {
  const config = storeConfig(flags);
  const store = await openConfiguredStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    poolSize: 2,
    mustExist: access === 'reads',
  });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function describeApp(app: AppRecord): string {
  const limits =
    Object.entries(app.rateLimits)
      .map(([k, v]) => `${k}=${v}/s`)
      .join(' ') || 'documented defaults';
  return (
    `${app.sdkappid}  admins=${app.admins.join(',')}  officialAccounts=${app.officialAccountEnabled ? 'on' : 'off'}` +
    `  maxOfficialAccounts=${app.maxOfficialAccounts}  rateLimits=${limits}  send=${app.sendPerSecond}/s,${app.sendPerHour}/h` +
    `  webhook=${app.webhook.url ?? 'none'}${app.webhook.token ? ' (signed)' : ''}` +
    `${app.webhook.off.length > 0 ? ` off=${app.webhook.off.join(',')}` : ''}  beforeFailure=${app.webhook.beforeFailure}`
  );
}

/** The same rule as the serve settings of the same name. */
const BILLION = 1_000_000_000;

function parseSwitch(name: string, raw: string): boolean {
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

interface AppFlags {
  data?: string;
  sdkappid?: string;
  key?: string;
  admin?: string;
  maxOfficialAccounts?: string;
  officialAccount?: string;
  rateLimit?: string;
  sendPerSecond?: string;
  sendPerHour?: string;
  webhookUrl?: string;
  webhookToken?: string;
  webhookOff?: string;
  webhookBeforeFailure?: string;
}

function appOptions(cmd: Command, keyHelp: string): Command {
  return dataOption(cmd)
    .option('--key <secret>', keyHelp)
    .option('--admin <ids>', 'comma-separated admin identifiers (at most 10)')
    .option('--max-official-accounts <n>', 'most official accounts the app may hold (130010 beyond)')
    .option('--official-account <on|off>', 'official-account service switch (131000 when off)')
    .option('--rate-limit <n>', 'calls/s for every command of this app (0 = unlimited)')
    .option('--send-per-second <n>', 'messages/s per official account (0 = unlimited)')
    .option('--send-per-hour <n>', 'messages/hour per official account (0 = unlimited)')
    .option('--webhook-url <url>', 'webhook URL (all callbacks on); "" removes it')
    .option('--webhook-token <token>', 'sign webhook calls with this token; "" for none')
    .option('--webhook-off <commands>', 'comma-separated CallbackCommands to switch off ("" = all on)')
    .option('--webhook-before-failure <allow|reject>', 'what a failed before-webhook means');
}

function applyAppFlags(app: AppRecord, flags: AppFlags): AppRecord {
  const next = { ...app };
  if (flags.key !== undefined) {
    if (flags.key === '') throw new ConfigError('--key must not be empty');
    next.secretKey = flags.key;
  }
  if (flags.admin !== undefined) next.admins = parseAdmins('--admin', flags.admin);
  if (flags.maxOfficialAccounts !== undefined)
    next.maxOfficialAccounts = parseInteger('--max-official-accounts', flags.maxOfficialAccounts, 0, BILLION);
  if (flags.officialAccount !== undefined)
    next.officialAccountEnabled = parseSwitch('--official-account', flags.officialAccount);
  if (flags.sendPerSecond !== undefined)
    next.sendPerSecond = parseInteger('--send-per-second', flags.sendPerSecond, 0, BILLION, 'off');
  if (flags.sendPerHour !== undefined)
    next.sendPerHour = parseInteger('--send-per-hour', flags.sendPerHour, 0, BILLION, 'off');
  if (flags.webhookUrl !== undefined)
    next.webhook = {
      ...next.webhook,
      url: flags.webhookUrl === '' ? null : parseWebhookUrl('--webhook-url', flags.webhookUrl),
    };
  if (flags.webhookToken !== undefined)
    next.webhook = { ...next.webhook, token: flags.webhookToken === '' ? null : flags.webhookToken };
  if (flags.webhookOff !== undefined)
    next.webhook = { ...next.webhook, off: parseCallbackList('--webhook-off', flags.webhookOff) };
  if (flags.webhookBeforeFailure !== undefined)
    next.webhook = {
      ...next.webhook,
      beforeFailure: parseBeforeFailure('--webhook-before-failure', flags.webhookBeforeFailure),
    };
  if (flags.rateLimit !== undefined)
    next.rateLimits = { ...next.rateLimits, '*': parseInteger('--rate-limit', flags.rateLimit, 0, BILLION, 'off') };
  return next;
}

const program = new Command('herald').description('Self-hosted Tencent Cloud Chat Official Account REST API server');
program.version(packageVersion(), '-V, --version', 'print the version');

const serve = program.command('serve').description('serve the REST API');
const SERVE_FLAGS: [keyof ConfigInput, string][] = [
  ['host', 'address to listen on'],
  ['port', 'port to listen on'],
  ['data', 'directory of the SQLite database'],
  ['sdkappid', 'SDKAppID of the app to create or keep'],
  ['secretKey', 'secret key of that app'],
  ['admin', 'comma-separated admin identifiers'],
  ['tlsCert', 'PEM certificate: serve HTTPS'],
  ['tlsKey', 'PEM private key for --tls-cert'],
  ['logLevel', 'fatal|error|warn|info|debug|trace|silent'],
  ['rateLimit', 'calls/s for every command (0 = off)'],
  ['sendPerSecond', 'messages/s per official account (0 = off)'],
  ['sendPerHour', 'messages/hour per official account (0 = off)'],
  ['webhookUrl', 'webhook URL of the app (all callbacks on)'],
  ['webhookToken', 'webhook token: sign calls with RequestTime + Sign'],
  ['webhookOff', 'comma-separated CallbackCommands to switch off'],
  ['webhookRetryMs', 'first retry delay of an undelivered after-webhook, ms'],
  ['webhookBeforeFailure', 'allow|reject: what a failed before-webhook means'],
  ['webhookLeaseMs', 'how long a node holds an outbox event it delivers, ms'],
  ['databaseUrl', 'postgres://… : PostgreSQL instead of SQLite'],
  ['databasePoolSize', 'PostgreSQL connections per node'],
  ['databaseStatementTimeoutMs', 'PostgreSQL statement timeout, ms (0 = none)'],
  ['redisUrl', 'redis://… : rate and send limits shared by all nodes'],
  ['authFailureLimit', 'failed UserSig checks per caller and minute before 70050 (0 = off)'],
  ['requestTimeoutMs', 'a request must arrive within this many ms'],
  ['webhookTimeoutMs', 'how long a webhook call may take, ms'],
  ['realtimeMaxConnectionsPerUser', 'subscriber connections per user and node (beyond: the oldest closes)'],
  ['realtimeMaxConnectionsPerIp', 'subscriber connections per IP and node (0 = no cap)'],
  ['realtimePingMs', 'WebSocket ping interval, ms (no pong by the next ping: closed)'],
  ['realtimeMaxBufferedBytes', 'unsent bytes before a slow subscriber connection is closed'],
  ['realtimeSweepMs', 'how often a node compares its subscribers with the store, ms'],
  ['metrics', 'on|off: Prometheus metrics at /metrics'],
  ['console', 'on|off: the web console at /console'],
  ['seed', 'JSON file of accounts and official accounts to create on start'],
  ['unknownFields', 'ignore|warn|reject: body fields a command does not know'],
];
for (const [name, help] of SERVE_FLAGS) {
  const flag = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  serve.addOption(new Option(`--${flag} <value>`, `${help} (${ENV_NAMES[name]})`));
}
serve.action((flags: ConfigInput) =>
  run(async () => {
    const config = resolveConfig(readEnv(process.env), flags);
    // The handlers come before anything that can take time or announce readiness. A signal
    // right after the banner drains like any other; one during start-up (a database that does
    // not answer, migrations) exits at once: nothing has been accepted yet, and every start-up
    // write is a transaction the store rolls back on its own.
    let herald: Herald | undefined;
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      if (!herald) process.exit(0);
      herald.server.log.info({ signal }, 'draining in-flight requests and closing the store');
      herald.close().then(
        () => process.exit(0),
        (e: unknown) => {
          process.stderr.write(`herald: shutdown failed: ${String(e)}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    herald = await startHerald(config);
    // The app the configuration names, else the default app (whose key the banner may show).
    const named = config.apps[0]?.sdkappid;
    const app = named !== undefined ? herald.apps.find((a) => a.sdkappid === named) : herald.apps[0];
    const webConsole = config.console ? { host: config.host } : null;
    if (app)
      process.stdout.write(
        `${banner(herald.url, app, now(), named === undefined, config.tls?.cert ?? null, webConsole)}\n`,
      );
  }),
);

dataOption(program.command('usersig <identifier>'))
  .description('issue a UserSig (TLSSigAPIv2) for an identifier of an app on this server')
  .option('--sdkappid <id>', 'app (default: HERALD_SDKAPPID, else the default app of herald serve)')
  .option('--expire <seconds>', 'validity in seconds', String(180 * 24 * 3600))
  .action((identifier: string, flags: { data?: string; sdkappid?: string; expire: string }) =>
    run(async () => {
      const config = storeConfig(flags);
      const expire = parseInteger('--expire', flags.expire, 1, 2_147_483_647);
      const flag = flags.sdkappid !== undefined ? parseSdkAppId('--sdkappid', flags.sdkappid) : undefined;
      await withStore(
        flags,
        async (store) => {
          const { app, note } = chooseApp(await store.apps.list(), { flag, env: config.apps[0]?.sdkappid });
          if (note !== undefined) process.stderr.write(`herald: ${note}\n`);
          process.stdout.write(`${issueUserSig(app.secretKey, app.sdkappid, identifier, expire, now())}\n`);
        },
        'reads',
      );
    }),
  );

const appCmd = program.command('app').description('manage apps (SDKAppID, key, admins, limits)');
appOptions(
  appCmd.command('add').description('add an app').option('--sdkappid <id>', 'SDKAppID (default: random 14xxxxxxxx)'),
  'secret key (default: 64 random hex characters, printed once)',
).action((flags: AppFlags) =>
  run(async () => {
    await withStore(flags, async (store) => {
      const sdkappid = flags.sdkappid !== undefined ? parseSdkAppId('--sdkappid', flags.sdkappid) : undefined;
      if (sdkappid !== undefined && (await store.apps.get(sdkappid)))
        throw new ConfigError(`app ${sdkappid} already exists; use "herald app set"`);
      const app = applyAppFlags(newApp(sdkappid !== undefined ? { sdkappid } : {}, now()), flags);
      await saveApp(store, app, now());
      process.stdout.write(`added ${describeApp(app)}\nsecret key ${app.secretKey}\n`);
    });
  }),
);
appOptions(
  appCmd.command('set <sdkappid>').description('change settings of an app (those not given are kept)'),
  'new secret key: UserSigs signed with the old one stop working (default: the key is kept)',
).action((id: string, flags: AppFlags) =>
  run(async () => {
    await withStore(flags, async (store) => {
      const existing = await store.apps.get(parseSdkAppId('sdkappid', id));
      if (!existing) throw new ConfigError(`no app ${id} in this data directory`);
      const app = applyAppFlags(existing, flags);
      await saveApp(store, app, now());
      process.stdout.write(`updated ${describeApp(app)}\n`);
    });
  }),
);
dataOption(appCmd.command('list').description('list apps')).action((flags: { data?: string }) =>
  run(async () => {
    await withStore(
      flags,
      async (store) => {
        const apps = await store.apps.list();
        if (apps.length === 0) process.stdout.write('no apps yet: herald serve creates one, herald app add adds one\n');
        for (const app of apps) process.stdout.write(`${describeApp(app)}\n`);
      },
      'reads',
    );
  }),
);

dataOption(program.command('webhooks'))
  .description('list recent webhook deliveries (newest first) with status, attempts and last error')
  .option('--sdkappid <id>', 'only this app')
  .option('--status <status>', 'pending | delivered | cancelled')
  .option('--official-account <id>', 'only this official account')
  .option('--limit <n>', 'how many', '50')
  .option('--json', 'one JSON object per line, bodies included')
  .action(
    (flags: {
      data?: string;
      sdkappid?: string;
      status?: string;
      officialAccount?: string;
      limit: string;
      json?: boolean;
    }) =>
      run(async () => {
        if (flags.status !== undefined && !['pending', 'delivered', 'cancelled'].includes(flags.status)) {
          throw new ConfigError(`--status must be pending, delivered or cancelled, got "${flags.status}"`);
        }
        const limit = parseInteger('--limit', flags.limit, 1, 1000);
        await withStore(
          flags,
          async (store) => {
            const events = await store.outbox.list({
              sdkappid: flags.sdkappid !== undefined ? parseSdkAppId('--sdkappid', flags.sdkappid) : undefined,
              status: flags.status as 'pending' | 'delivered' | 'cancelled' | undefined,
              officialAccountId: flags.officialAccount,
              limit,
            });
            if (events.length === 0) {
              const filtered = flags.sdkappid ?? flags.status ?? flags.officialAccount;
              const none = `no webhook deliveries${filtered !== undefined ? ' match' : ' yet'}`;
              // --json output stays pure NDJSON: the remark goes to stderr.
              (flags.json ? process.stderr : process.stdout).write(`${flags.json ? 'herald: ' : ''}${none}\n`);
            }
            for (const e of events) {
              if (flags.json) process.stdout.write(`${JSON.stringify(e)}\n`);
              else {
                process.stdout.write(
                  `${e.id}  ${new Date(e.createdAt).toISOString()}  ${e.sdkappid}  ${e.command.replace('OfficialAccount.', '')}  ` +
                    `${e.officialAccountId}  ${e.status}  attempts=${e.attempts}${e.lastError ? `  last error: ${e.lastError}` : ''}\n`,
                );
              }
            }
          },
          'reads',
        );
      }),
  );

dataOption(program.command('export <file>'))
  .description('write every row of this server (HERALD_DATA or HERALD_DATABASE_URL) to an NDJSON file (.gz: gzip)')
  .action((file: string, flags: { data?: string }) =>
    run(async () => {
      await withStore(
        flags,
        async (store) => {
          const progress = new ProgressLine(process.stderr, `exporting to ${file}`);
          const counts = await exportStore(store, file, progress.update);
          progress.finish();
          process.stdout.write(`exported ${describeCounts(counts)} to ${file}\n`);
        },
        'reads',
      );
    }),
  );

dataOption(program.command('import <file>'))
  .description("load an export into this server's store, which must be empty; verifies every table's count")
  .action((file: string, flags: { data?: string }) =>
    run(async () => {
      await withStore(flags, async (store) => {
        const progress = new ProgressLine(process.stderr, `importing ${file}`);
        const counts = await importStore(store, file, progress.update).finally(() => progress.finish());
        process.stdout.write(`imported ${describeCounts(counts)} from ${file}; counts verified\n`);
      });
    }),
  );

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([table, n]) => `${table}=${n}`)
    .join(' ');
}

await program.parseAsync(process.argv);
