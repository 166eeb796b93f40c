/**
 * The API reference (/openapi.json, /docs) against the command declarations and a real Herald:
 * the document is valid OpenAPI 3.1 with one path per command and nothing but JSON Schema
 * keywords in its schemas; every example passes its own command's schemas; replayed in the
 * story's order over HTTP, every example request is answered OK with the example's shape, and
 * with its values wherever they do not depend on the clock; /docs is Swagger UI served by Herald
 * itself, and in Chromium it renders every command without a request to another origin.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { validate } from '@readme/openapi-parser';
import { Value } from '@sinclair/typebox/value';
import { CATALOG } from '../src/errors.ts';
import type { Command } from '../src/wire/command.ts';
import { ok } from '../src/wire/envelope.ts';
import { JSON_SCHEMA_KEYWORDS } from '../src/wire/openapi/json-schema.ts';
import { COMMANDS } from '../src/wire/registry.ts';
import { assertOk } from './helpers/assertions.ts';
import { browserSkip, launchBrowser } from './helpers/browser.ts';
import { startTestHerald, stores, type TestHerald } from './helpers/harness.ts';
import { webhookApp } from './helpers/webhook-checks.ts';
import { WebhookReceiver } from './helpers/webhook-receiver.ts';

type Json = Record<string, unknown>;

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
const QUERY_PARAMETERS = ['sdkappid', 'identifier', 'usersig', 'random', 'contenttype'];

/**
 * The order the examples happen in: accounts, an official account, its subscribers, a message
 * sent, read and recalled, the webhook deliveries that left, then everything removed and the
 * app emptied.
 */
const STORY = [
  'im_open_login_svc/account_import',
  'im_open_login_svc/multiaccount_import',
  'im_open_login_svc/account_check',
  'official_account_open_http_svc/create_official_account',
  'official_account_open_http_svc/modify_official_account_base_info',
  'official_account_open_http_svc/add_subscriber',
  'official_account_open_http_svc/modify_subscriber_info',
  'official_account_open_http_svc/get_subscriber_info',
  'openim/query_online_status',
  'official_account_open_http_svc/send_official_account_msg',
  'official_account_open_http_svc/get_official_account_info',
  'official_account_open_http_svc/get_subscribed_official_account_list',
  'official_account_open_http_svc/official_account_msg_get_simple',
  'official_account_open_http_svc/official_account_msg_recall',
  'herald_admin/list_webhook_deliveries',
  'herald_admin/list_accounts',
  'herald_admin/list_official_accounts',
  'herald_admin/get_app_overview',
  'official_account_open_http_svc/delete_subscriber',
  'im_open_login_svc/kick',
  'official_account_open_http_svc/destroy_official_account',
  'im_open_login_svc/account_delete',
  'herald_admin/reset',
];

/**
 * Fields whose value depends on the clock or on the store's counters. Their example values
 * stand for real ones consistently: the first time an example value meets a real one, the pair
 * is kept, and later the same example value must meet the same real value (the MsgKey the send
 * answered is the one history lists and the recall names).
 */
/** Answers that depend on webhook deliveries made in the background: asked again until they match. */
const BACKGROUND = new Set(['herald_admin/list_webhook_deliveries', 'herald_admin/get_app_overview']);

const VOLATILE = new Set([
  'MsgKey',
  'LastMsgKey',
  'MsgTime',
  'MsgTimeStamp',
  'CreateTime',
  'LastMsgTime',
  'SubscribeTime',
  'Id',
  'CreatedAt',
  'NextAttemptAt',
  'DeliveredAt',
  'EventTime',
]);

type Leaf = string | number;

/** Where `actual` differs from `expected`; pairs of volatile values are added to `pairs`. */
function differences(expected: unknown, actual: unknown, path: string, pairs: Map<Leaf, Leaf>): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length)
      return [`${path}: ${actual.length} items, the example has ${expected.length}`];
    return expected.flatMap((item, i) => differences(item, actual[i], `${path}/${i}`, pairs));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: expected an object`];
    const keys = Object.keys(expected).sort();
    const got = Object.keys(actual).sort();
    if (JSON.stringify(keys) !== JSON.stringify(got)) return [`${path}: fields ${got}, the example has ${keys}`];
    return keys.flatMap((k) => differences((expected as Json)[k], (actual as Json)[k], `${path}/${k}`, pairs));
  }
  const field = path.slice(path.lastIndexOf('/') + 1);
  if (VOLATILE.has(field) && (typeof expected === 'string' || typeof expected === 'number')) {
    if (typeof actual !== typeof expected) return [`${path}: ${JSON.stringify(actual)} is not a ${typeof expected}`];
    const known = pairs.get(expected);
    if (known === undefined) pairs.set(expected, actual as Leaf);
    else if (known !== actual) return [`${path}: ${JSON.stringify(actual)}, but ${expected} stood for ${known} before`];
    return [];
  }
  return actual === expected ? [] : [`${path}: ${JSON.stringify(actual)}, the example has ${JSON.stringify(expected)}`];
}

/** The example request with the real values of earlier answers (a recall names the real MsgKey). */
function withRealValues(value: unknown, pairs: ReadonlyMap<Leaf, Leaf>): unknown {
  if (Array.isArray(value)) return value.map((v) => withRealValues(v, pairs));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withRealValues(v, pairs)]));
  }
  return typeof value === 'string' ? (pairs.get(value) ?? value) : value;
}

/** Keywords whose value is a schema, a list of schemas, or a map of names to schemas. */
const SUBSCHEMA = ['items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else'];
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs'];

/** Every keyword of `schema` and its subschemas that is neither JSON Schema 2020-12 nor an `x-` extension. */
function foreignKeywords(schema: unknown, path: string): string[] {
  if (typeof schema === 'boolean') return [];
  assert.ok(schema !== null && typeof schema === 'object', `${path} is a schema`);
  const s = schema as Json;
  const found = Object.keys(s)
    .filter((k) => !JSON_SCHEMA_KEYWORDS.has(k) && !k.startsWith('x-'))
    .map((k) => `${path}/${k}`);
  for (const k of SUBSCHEMA) if (s[k] !== undefined) found.push(...foreignKeywords(s[k], `${path}/${k}`));
  for (const k of SUBSCHEMA_LISTS)
    for (const [i, sub] of ((s[k] as unknown[] | undefined) ?? []).entries())
      found.push(...foreignKeywords(sub, `${path}/${k}/${i}`));
  for (const k of SUBSCHEMA_MAPS)
    for (const [name, sub] of Object.entries((s[k] as Json | undefined) ?? {}))
      found.push(...foreignKeywords(sub, `${path}/${k}/${name}`));
  return found;
}

const pathOf = (command: Command) => `/v4/${command.service}/${command.name}`;

for (const store of stores()) {
  describe(`API reference [${store}]`, () => {
    let receiver: WebhookReceiver;
    let herald: TestHerald;
    let spec: Json;

    const get = (path: string) => fetch(`${herald.url}${path}`);
    const operation = (command: Command) => ((spec.paths as Json)[pathOf(command)] as Json).post as Json;
    const json200 = (op: Json) =>
      (((op.responses as Json)['200'] as Json).content as Json)['application/json'] as Json & { examples: Json };

    before(async () => {
      // The app has a webhook, as in the story, so there are deliveries to list.
      receiver = await WebhookReceiver.start();
      herald = await startTestHerald({ apps: [webhookApp({ url: receiver.url('/hooks') })] });
      const res = await get('/openapi.json');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      spec = (await res.json()) as Json;
    });
    after(async () => {
      await herald?.close();
      await receiver?.close();
    });

    it('/openapi.json is valid OpenAPI 3.1', async () => {
      assert.equal(spec.openapi, '3.1.0');
      const result = await validate(structuredClone(spec) as never);
      assert.ok(result.valid, `invalid OpenAPI: ${JSON.stringify(result)}`);
      assert.deepEqual(result.warnings, []);
      assert.deepEqual(spec.info, { ...(spec.info as Json), title: 'Herald', version: VERSION });
    });

    it('has one POST path per declared command, with its summary, tag, Tencent page and the common query', () => {
      assert.deepEqual(Object.keys(spec.paths as Json).sort(), COMMANDS.map(pathOf).sort());
      const parameters = (spec.components as Json).parameters as Record<string, Json>;
      assert.deepEqual(Object.keys(parameters).sort(), [...QUERY_PARAMETERS].sort());
      for (const [name, parameter] of Object.entries(parameters)) {
        assert.equal(parameter.name, name);
        assert.equal(parameter.in, 'query');
      }
      for (const command of COMMANDS) {
        const path = (spec.paths as Json)[pathOf(command)] as Json;
        assert.deepEqual(Object.keys(path), ['post'], command.key);
        const op = operation(command);
        assert.equal(op.summary, command.summary, command.key);
        assert.deepEqual(op.tags, [command.service], command.key);
        assert.equal((op.externalDocs as Json | undefined)?.url, command.docs ?? undefined, command.key);
        assert.deepEqual(
          op.parameters,
          QUERY_PARAMETERS.map((p) => ({ $ref: `#/components/parameters/${p}` })),
          command.key,
        );
      }
      const tags = (spec.tags as Json[]).map((t) => t.name);
      assert.deepEqual(tags.sort(), [...new Set(COMMANDS.map((c) => c.service))].sort());
    });

    it('carries each declaration’s example, and the error codes its declaration implies', () => {
      for (const command of COMMANDS) {
        const op = operation(command);
        const body = (op.requestBody as Json).content as Json;
        assert.deepEqual((body['application/json'] as Json).example, command.example.request, command.key);
        const answer = json200(op);
        assert.deepEqual((answer.examples.success as Json).value, ok(command.example.response), command.key);
        const failure = (answer.examples.failure as Json).value as Json;
        assert.equal(failure.ActionStatus, 'FAIL');
        assert.equal(failure.ErrorCode, CATALOG[command.invalidError].code);
        const codes = op['x-error-codes'] as number[];
        const description = ((op.responses as Json)['200'] as Json).description as string;
        const expected = [
          command.invalidError,
          command.adminError,
          command.internalError,
          'badQuery',
          'badBody',
        ] as const;
        for (const name of expected) {
          assert.ok(codes.includes(CATALOG[name].code), `${command.key} lists ${CATALOG[name].code}`);
          assert.ok(description.includes(`- ${CATALOG[name].code}: `), `${command.key} describes ${name}`);
        }
        assert.equal(codes.includes(131000), command.needsOfficialAccountService, command.key);
      }
    });

    it('its schemas hold only JSON Schema 2020-12 keywords; Herald’s errorMessage becomes an x- extension', () => {
      const schemas: [string, unknown][] = Object.entries((spec.components as Json).schemas as Json).map(
        ([name, schema]) => [`components/${name}`, schema],
      );
      for (const command of COMMANDS) {
        const op = operation(command);
        const body = ((op.requestBody as Json).content as Json)['application/json'] as Json;
        schemas.push([`${command.key} request`, body.schema], [`${command.key} answer`, json200(op).schema]);
      }
      for (const [where, schema] of schemas) assert.deepEqual(foreignKeywords(schema, where), []);
      assert.doesNotMatch(JSON.stringify(spec), /"errorMessage"/);
      const create = COMMANDS.find((c) => c.name === 'create_official_account') as Command;
      const request = (((operation(create).requestBody as Json).content as Json)['application/json'] as Json)
        .schema as Json;
      assert.equal(((request.properties as Json).Name as Json)['x-errorMessage'], 'Name must not be empty');
    });

    it('every example request passes its command’s validation, every example answer its answer schema', () => {
      for (const command of COMMANDS) {
        const checked = command.validate(command.example.request);
        assert.ok(checked.ok, `${command.key} example request: ${checked.ok || checked.problem}`);
        const answer = ok(command.example.response);
        const first = Value.Errors(command.answer, answer).First();
        assert.ok(
          Value.Check(command.answer, answer),
          `${command.key} example answer: ${first?.path} ${first?.message}`,
        );
      }
    });

    it('every example, replayed in the story’s order, is answered OK with the example’s fields and values', async () => {
      assert.deepEqual([...STORY].sort(), COMMANDS.map((c) => c.key).sort(), 'the story tells every command once');
      const byKey = new Map(COMMANDS.map((c) => [c.key, c]));
      const pairs = new Map<Leaf, Leaf>();
      for (const key of STORY) {
        const command = byKey.get(key) as Command;
        const request = withRealValues(command.example.request, pairs);
        // Webhooks are delivered in the background: a listed or counted delivery may not be made yet.
        const deadline = Date.now() + (BACKGROUND.has(key) ? 10_000 : 0);
        for (;;) {
          const answer = await herald.admin.call(command.service, command.name, request);
          assertOk(answer);
          assert.ok(Value.Check(command.answer, answer), `${key} answered outside its schema`);
          const attempt = new Map(pairs);
          const problems = differences(ok(command.example.response), answer, key, attempt);
          if (problems.length === 0) {
            for (const [example, real] of attempt) pairs.set(example, real);
            break;
          }
          if (Date.now() >= deadline) assert.fail(`${key}:\n${problems.join('\n')}\n${JSON.stringify(answer)}`);
          await sleep(50);
        }
      }
      // The story's MsgKey came back from the send and was recalled by its real value.
      assert.match(String(pairs.get('1_1_1767258300')), /^1_1_\d+$/);
    });

    it('/docs is Swagger UI served by Herald: the page and every file it names, no other origin', async () => {
      const res = await get('/docs');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const html = await res.text();
      assert.doesNotMatch(html, /https?:|\/\/[a-z]/i, 'the page names no URL with a scheme or host');
      assert.ok(html.includes('data-url="/openapi.json"'), 'the page loads /openapi.json');
      const names = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
      assert.ok(names.includes('/docs/assets/swagger-ui-bundle.js'), names.join(' '));
      assert.ok(names.includes('/docs/assets/swagger-ui.css'), names.join(' '));
      const types: Record<string, RegExp> = { js: /^text\/javascript/, css: /^text\/css/, png: /^image\/png$/ };
      for (const name of names) {
        assert.match(name, /^\/docs\//, `${name} is one of Herald's own paths`);
        const asset = await get(name);
        assert.equal(asset.status, 200, name);
        const type = types[name.slice(name.lastIndexOf('.') + 1)];
        assert.ok(type, `a known kind of file: ${name}`);
        assert.match(asset.headers.get('content-type') ?? '', type, name);
        const bytes = Buffer.from(await asset.arrayBuffer());
        assert.ok(bytes.length > 0, name);
        if (name === '/docs/init.js') {
          const script = bytes.toString('utf8');
          assert.doesNotMatch(script, /https?:/, 'the initializer names no URL');
          assert.match(script, /validatorUrl: null/, "Swagger UI's online validator is off");
        }
      }
    });

    it('serves only the allow-listed files of swagger-ui-dist; anything else is an unknown path', async () => {
      for (const path of [
        '/docs/assets/package.json',
        '/docs/assets/swagger-ui-bundle.js.map',
        '/docs/assets/..%2Fpackage.json',
        '/docs/assets/%2e%2e%2fswagger-ui-dist%2fpackage.json',
      ]) {
        const res = await get(path);
        assert.equal(res.status, 200, path);
        const body = (await res.json()) as Json;
        assert.equal(body.ErrorCode, CATALOG.unknownResource.code, path);
      }
    });

    it('in Chromium, /docs renders every command and requests nothing from another origin', {
      skip: browserSkip(),
    }, async () => {
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        const requested: string[] = [];
        const problems: string[] = [];
        page.on('request', (r) => requested.push(r.url()));
        page.on('pageerror', (e) => problems.push(e.message));
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        await page.goto(`${herald.url}/docs`);
        await page.waitForFunction(`document.querySelectorAll('.opblock').length === ${COMMANDS.length}`, null, {
          timeout: 20_000,
        });
        const shown = await page.$$eval('.opblock-summary-path', (els) =>
          els.map((e) => e.getAttribute('data-path') ?? e.textContent ?? ''),
        );
        assert.deepEqual(
          shown.map((p) => p.replace(/\u200b/g, '')).sort(),
          COMMANDS.map(pathOf).sort(),
          'every command is on the page',
        );
        const origin = new URL(herald.url).origin;
        const elsewhere = requested.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
        assert.deepEqual(elsewhere, [], 'no request to another origin');
        assert.ok(requested.includes(`${origin}/openapi.json`), 'the page loaded /openapi.json');
        assert.deepEqual(problems, [], 'no script error and no Content-Security-Policy violation');
      } finally {
        await browser.close();
      }
    });
  });
}
