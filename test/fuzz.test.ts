/**
 * Property-based bad input (fast-check) against every command of the registry, over real HTTP:
 * arbitrary JSON values, one-field mutations of a valid body, raw JSON text (deep nesting,
 * duplicate keys, invalid UTF-8, huge and odd numbers, truncation), and mangled query strings.
 *
 * Invariants for every request: HTTP 200 with a JSON envelope (ActionStatus OK ⇔ ErrorCode 0,
 * ErrorInfo a string), never an internal error (10004 / 70500: an unexpected exception), never a
 * hang (5 s), Herald still answers /healthz, and a FAIL changes nothing in the store (every row
 * of every table, plus SubscriberNum/LastMsgTime and history as the API shows them).
 *
 * `npm test` runs a bounded number of requests (HERALD_FUZZ_RUNS in all, default 600, shared by
 * the 4 properties of every command) from a fixed seed; `npm run fuzz` runs 20,000 from a random
 * seed. The seed is printed: HERALD_FUZZ_SEED=<seed> (with the same HERALD_FUZZ_RUNS) replays a run.
 * Bugs the fuzz found are kept as fixed reproductions (REGRESSIONS), run every time.
 */
import { checkAnswer } from './helpers/answers.ts';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { TABLES } from '../src/store/store.ts';
import { buildRegistry } from '../src/wire/registry.ts';
import {
  ADMIN,
  SDKAPPID,
  importAccounts,
  startTestHerald,
  stores,
  type Client,
  type Envelope,
  type TestHerald,
} from './helpers/harness.ts';

type Json = unknown;
type JsonObject = Record<string, unknown>;

const DEFAULT_SEED = 20240607;
const SEED = (() => {
  const raw = process.env.HERALD_FUZZ_SEED;
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  if (raw === 'random') return Math.floor(Math.random() * 2 ** 31);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`HERALD_FUZZ_SEED must be an integer or "random", got ${raw}`);
  return n;
})();
/** Requests generated in all, shared evenly by the properties (each runs at least once). */
const RUNS = (() => {
  const n = Number(process.env.HERALD_FUZZ_RUNS ?? 600);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`HERALD_FUZZ_RUNS must be a positive integer, got ${process.env.HERALD_FUZZ_RUNS}`);
  return n;
})();
/** Guards against a hang, not a performance assertion. */
const REQUEST_TIMEOUT_MS = 5000;
/** Codes that mean "an exception nobody expected" (pipeline.ts). */
const INTERNAL_CODES = new Set([10004, 70500]);

// Fixture: accounts, official accounts and messages the valid bodies refer to.
const OWNER = 'fz_owner';
const USERS = Array.from({ length: 8 }, (_, i) => `fz_u${i}`);
const VICTIM_USER = 'fz_victim';
const MAIN = '@TOA#_fuzz_main';
const OTHER = '@TOA#_fuzz_other';
const VICTIM_OA = '@TOA#_fuzz_victim';
const FIXTURE_OAS = [MAIN, OTHER, VICTIM_OA];

// ---------------------------------------------------------------------------------------------
// Bugs this fuzz found in src/, kept as fixed reproductions that must never again answer an
// internal error (the random properties above enforce the same rule on everything else).

interface Regression {
  id: string;
  /** What was wrong, and where it is handled now. */
  what: string;
  /** Fixed reproductions: [service/command, raw body text]. */
  repro: [string, string][];
}

const REGRESSIONS: Regression[] = [
  {
    id: 'postgres-nul',
    what: 'PostgreSQL text cannot hold U+0000: a NUL in any string reached the database (10004/70500); refused now by src/wire/body.ts',
    repro: [
      ['im_open_login_svc/account_check', '{"CheckItem":[{"UserID":"\\u0000"}]}'],
      ['im_open_login_svc/account_import', '{"UserID":"fz_u0","Nick":"a\\u0000b"}'],
      [
        'official_account_open_http_svc/get_official_account_info',
        '{"OfficialAccountIdList":[{"Official_Account":"\\u0000"}]}',
      ],
      [
        'official_account_open_http_svc/modify_official_account_base_info',
        `{"Official_Account":"${MAIN}","Introduction":"\\u0000"}`,
      ],
      [
        'official_account_open_http_svc/send_official_account_msg',
        `{"Official_Account":"${MAIN}","Random":7,"CloudCustomData":"\\u0000","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}`,
      ],
    ],
  },
  {
    id: 'huge-offset',
    what: 'Offset and BeforeId above 2^53 reached SQL (10004); every integer field is a SafeInteger now (src/wire/schema/fields.ts)',
    repro: [
      [
        'official_account_open_http_svc/get_subscribed_official_account_list',
        '{"Subscriber_Account":"fz_u0","Offset":1e308}',
      ],
      [
        'official_account_open_http_svc/get_subscribed_official_account_list',
        '{"Subscriber_Account":"fz_u0","Offset":9223372036854775808}',
      ],
      ['herald_admin/list_webhook_deliveries', '{"BeforeId":9223372036854775808}'],
      ['herald_admin/list_webhook_deliveries', '{"BeforeId":1e29}'],
    ],
  },
  {
    id: 'deep-nesting',
    what: 'values nested ~4,500+ levels deep in open fields overflowed the stack in JSON.stringify (10004); bodies deeper than 100 levels are refused (src/wire/body.ts)',
    repro: [
      [
        'official_account_open_http_svc/send_official_account_msg',
        `{"Official_Account":"${MAIN}","Random":10,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"deep"}}],"OfflinePushInfo":{"x":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}}`,
      ],
      [
        'official_account_open_http_svc/send_official_account_msg',
        `{"Official_Account":"${MAIN}","Random":11,"MsgBody":[{"MsgType":"TIMRelayElem","MsgContent":{"MsgList":${'['.repeat(5000)}${']'.repeat(5000)}}}]}`,
      ],
      [
        'official_account_open_http_svc/send_official_account_msg',
        `{"Official_Account":"${MAIN}","Random":8,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"deep"}}],"OfflinePushInfo":{"x":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}}`,
      ],
      [
        'official_account_open_http_svc/send_official_account_msg',
        `{"Official_Account":"${MAIN}","Random":9,"MsgBody":[{"MsgType":"TIMRelayElem","MsgContent":{"MsgList":${'['.repeat(100_000)}${']'.repeat(100_000)}}}]}`,
      ],
    ],
  },
];

/** Commands whose OK may remove fixture data; the fixture is put back after them. */
const DESTRUCTIVE = new Set([
  'im_open_login_svc/account_delete',
  'official_account_open_http_svc/destroy_official_account',
]);

const REGISTRY = buildRegistry();
const COMMAND_KEYS = [...REGISTRY.keys()].sort();
/** Four properties per command, and one for paths. */
const PROPERTIES = COMMAND_KEYS.length * 4 + 1;
const RUNS_EACH = Math.max(1, Math.ceil(RUNS / PROPERTIES));

console.log(
  `fuzz: HERALD_FUZZ_SEED=${SEED} HERALD_FUZZ_RUNS=${RUNS} (${RUNS_EACH} runs for each of ${PROPERTIES} properties)`,
);

/** Keyed by `service/command`; a command missing here is still fuzzed, from `{}`. */
function validBodies(msgKeys: string[]): Record<string, JsonObject> {
  const text = (Text: string) => ({ MsgType: 'TIMTextElem', MsgContent: { Text } });
  return {
    'im_open_login_svc/account_import': { UserID: 'fz_u0', Nick: 'nick', FaceUrl: 'http://x/face.png' },
    'im_open_login_svc/multiaccount_import': {
      AccountList: [{ UserID: 'fz_u1' }, { UserID: 'fz_u2', Nick: 'n', FaceUrl: 'f' }],
    },
    'im_open_login_svc/account_delete': { DeleteItem: [{ UserID: VICTIM_USER }] },
    'im_open_login_svc/account_check': { CheckItem: [{ UserID: 'fz_u0' }, { UserID: 'fz_nobody' }] },
    'official_account_open_http_svc/create_official_account': {
      Owner_Account: OWNER,
      Name: 'fuzz',
      Introduction: 'intro',
      FaceUrl: 'http://x/oa.png',
      MaxSubscriberNum: 1000,
      Organization: 'org',
      CustomString: 'cs',
    },
    'official_account_open_http_svc/destroy_official_account': { Official_Account: VICTIM_OA },
    'official_account_open_http_svc/modify_official_account_base_info': {
      Official_Account: MAIN,
      Name: 'main',
      Introduction: 'i',
      FaceUrl: 'f',
      Organization: 'o',
      CustomString: 'c',
      MaxSubscriberNum: 100000,
    },
    'official_account_open_http_svc/get_official_account_info': {
      OfficialAccountIdList: [{ Official_Account: MAIN }, { Official_Account: OTHER }],
      ResponseFilter: { OfficialAccountBaseInfoFilter: ['Name', 'SubscriberNum', 'MaxSubscriberNum'] },
    },
    'official_account_open_http_svc/get_subscriber_info': { Official_Account: MAIN, Limit: 2, Next: '' },
    'official_account_open_http_svc/add_subscriber': {
      Official_Account: MAIN,
      SubscriberList: [{ Subscriber_Account: 'fz_u5' }, { Subscriber_Account: 'fz_u6' }],
    },
    'official_account_open_http_svc/delete_subscriber': { Official_Account: OTHER, SubscriberToDel_Account: ['fz_u7'] },
    'official_account_open_http_svc/modify_subscriber_info': {
      Official_Account: MAIN,
      Subscriber_Account: 'fz_u0',
      CustomString: 'custom',
    },
    'official_account_open_http_svc/get_subscribed_official_account_list': {
      Subscriber_Account: 'fz_u0',
      Limit: 10,
      Offset: 0,
      ResponseFilter: { OfficialAccountBaseInfoFilter: ['Name'], SelfInfoFilter: ['SubscribeTime', 'CustomString'] },
    },
    'official_account_open_http_svc/send_official_account_msg': {
      Official_Account: MAIN,
      Random: 42,
      MsgBody: [text('fuzz'), { MsgType: 'TIMCustomElem', MsgContent: { Data: 'd', Desc: 'desc' } }],
      CloudCustomData: 'ccd',
      OfflinePushInfo: { PushFlag: 0, Title: 't' },
      ForbidCallbackControl: ['ForbidBeforeSendMsgCallback'],
      OnlineOnlyFlag: 0,
      SendMsgControl: ['NoUnread'],
    },
    'official_account_open_http_svc/official_account_msg_recall': {
      Official_Account: MAIN,
      MsgKeyList: [msgKeys[0] as string],
      Reason: 'why',
    },
    'official_account_open_http_svc/official_account_msg_get_simple': {
      Official_Account: MAIN,
      ReqMsgNumber: 5,
      LastMsgKey: '',
      WithRecalledMsg: 1,
    },
    'herald_admin/list_webhook_deliveries': { Status: 'pending', Official_Account: MAIN, Limit: 10, BeforeId: 1000 },
  };
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** Every field name that appears in a valid body, plus keys that attack the parser. */
function fieldNames(bodies: Record<string, JsonObject>): string[] {
  const names = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        names.add(k);
        walk(x);
      }
  };
  walk(Object.values(bodies));
  return [...names].sort();
}

const SPECIAL_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\ufeff',
  '\uffff',
  '\u202e',
  '😀',
  '中'.repeat(60),
  '\n\r\t',
  "'; DROP TABLE accounts; --",
  '%s%n%x',
  '../../etc/passwd',
  '<script>',
  '@TOA#_',
  '@TOA#_@TOA#abcdefghij',
  '@TOA#_\u0000',
  MAIN,
  OTHER,
  VICTIM_OA,
  ADMIN,
  OWNER,
  'fz_u0',
  VICTIM_USER,
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '1_1_1',
  '0_1_0',
  '9007199254740993_1_1',
  '999999999999999_1_999999999999999',
  'null',
  'true',
  '{}',
  '[]',
  '-0',
  '1e308',
  'NaN',
  'pending',
  'delivered',
  'TIMTextElem',
  'TIMCustomElem',
  'TIMImageElem',
  'NoLastMsg',
  'ForbidBeforeSendMsgCallback',
  'czE',
  's1',
  'czk5OTk5OTk5OTk5OTk5OTk5OQ',
];
const SPECIAL_NUMBERS = [
  0,
  -0,
  1,
  -1,
  2,
  20,
  21,
  100,
  101,
  200,
  201,
  0.5,
  -0.5,
  1e-308,
  Number.MIN_VALUE,
  1e308,
  -1e308,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 1,
  -(2 ** 53 + 1),
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  1e21,
  123456789012345680000,
];

/** A string unit that favours characters that break things: NUL, lone surrogates, quotes. */
const nastyUnit = fc.constantFrom(
  '\u0000',
  '\ud800',
  '\udc00',
  '\ud83d\ude00',
  'a',
  'é',
  '中',
  '"',
  '\\',
  '\n',
  '\u007f',
  '%',
  '\u2028',
);

const weirdString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: nastyUnit, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 48 }) },
  // Long strings: over every byte limit, up to ~100 KB.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 30, max: 100_000 }), fc.constantFrom('x', '中', '😀', '\u0000'))
      .map(([n, c]) => c.repeat(Math.ceil(n / c.length))),
  },
);

const weirdNumber: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_NUMBERS) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
);

/** Builds an object with own enumerable properties, `__proto__` included (JSON.stringify emits them). */
function objectOf(entries: [string, unknown][]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

function keyArb(names: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...names) },
    { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', '', 'toString', 'valueOf') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  );
}

function weirdValue(names: string[]): fc.Arbitrary<Json> {
  const { value } = fc.letrec<{ value: Json }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 4, arbitrary: weirdString },
      { weight: 3, arbitrary: weirdNumber },
      { weight: 1, arbitrary: fc.boolean() },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
      { weight: 2, arbitrary: fc.array(fc.tuple(keyArb(names), tie('value')), { maxLength: 5 }).map(objectOf) },
    ),
  }));
  return value;
}

/** A request as sent: method, raw query string, body bytes, and a short description for reports. */
interface Case {
  method: string;
  /** Path after /v4/ (service/command). */
  path: string;
  query: string;
  body: Buffer | undefined;
  note: string;
}

// Paths inside a JSON value: arrays of keys/indexes.
type Path = (string | number)[];

function pathsOf(value: Json, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push([...prefix, i], ...pathsOf(v, [...prefix, i]));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...pathsOf(v, [...prefix, k]));
  }
  return out;
}

/** Containers (objects and arrays) inside a value, the root included. */
function containersOf(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const out: Path[] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...containersOf(v, [...prefix, i]));
  } else for (const [k, v] of Object.entries(value)) out.push(...containersOf(v, [...prefix, k]));
  return out;
}

function getAt(value: Json, path: Path): Json {
  let cur: unknown = value;
  for (const p of path) cur = (cur as Record<string | number, unknown>)[p];
  return cur;
}

type Mutation =
  | { op: 'delete'; path: Path }
  | { op: 'replace'; path: Path; value: Json }
  | { op: 'add'; at: Path; key: string; value: Json }
  | { op: 'wrap'; path: Path }
  | { op: 'repeat'; path: Path; times: number };

/** Applies one mutation to a deep copy of `body`. */
function mutate(body: JsonObject, m: Mutation): Json {
  const copy = structuredClone(body) as Json;
  const setAt = (path: Path, fn: (parent: Record<string | number, unknown>, key: string | number) => void) => {
    const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
    fn(parent, path[path.length - 1] as string | number);
  };
  switch (m.op) {
    case 'delete':
      setAt(m.path, (parent, key) => (Array.isArray(parent) ? parent.splice(key as number, 1) : delete parent[key]));
      return copy;
    case 'replace':
      if (m.path.length === 0) return m.value;
      setAt(m.path, (parent, key) =>
        Object.defineProperty(parent, key, { value: m.value, enumerable: true, writable: true, configurable: true }),
      );
      return copy;
    case 'wrap':
      setAt(m.path, (parent, key) => (parent[key] = [parent[key]]));
      return copy;
    case 'repeat':
      setAt(
        m.path,
        (parent, key) =>
          (parent[key] = Array.isArray(parent[key])
            ? Array.from(
                { length: m.times },
                (_, i) => (parent[key] as unknown[])[i % Math.max(1, (parent[key] as unknown[]).length)] ?? null,
              )
            : String(parent[key]).repeat(m.times)),
      );
      return copy;
    case 'add': {
      const target = getAt(copy, m.at);
      if (Array.isArray(target)) target.push(m.value);
      else
        Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      return copy;
    }
  }
}

function mutationArb(body: JsonObject, names: string[]): fc.Arbitrary<Mutation> {
  const paths = pathsOf(body);
  const containers = containersOf(body);
  const value = weirdValue(names);
  const options: fc.Arbitrary<Mutation>[] = [
    fc.record({ op: fc.constant('add' as const), at: fc.constantFrom(...containers), key: keyArb(names), value }),
    fc.record({ op: fc.constant('replace' as const), path: fc.constant([] as Path), value }),
  ];
  if (paths.length > 0) {
    options.push(
      fc.record({ op: fc.constant('delete' as const), path: fc.constantFrom(...paths) }),
      fc.record({ op: fc.constant('replace' as const), path: fc.constantFrom(...paths), value }),
      fc.record({ op: fc.constant('replace' as const), path: fc.constantFrom(...paths), value }),
      fc.record({ op: fc.constant('wrap' as const), path: fc.constantFrom(...paths) }),
      fc.record({
        op: fc.constant('repeat' as const),
        path: fc.constantFrom(...paths),
        times: fc.constantFrom(0, 2, 51, 101, 201),
      }),
    );
  }
  return fc.oneof(...options);
}

/** A raw JSON token standing where a value goes: things JSON.stringify never writes. */
const rawToken = fc.constantFrom(
  '-0',
  '1e308',
  '-1e308',
  '1e400',
  '-1e400',
  '9007199254740993',
  '-9007199254740993',
  '1.0',
  '1E2',
  '1e-400',
  '0.1e1',
  '123456789012345678901234567890',
  '4294967296',
  '4294967295.5',
  '01',
  '0x10',
  'NaN',
  'Infinity',
  '-',
  '+1',
  '.5',
  'tru',
  'nul',
  '"\\ud800"',
  '"\\u0000"',
  '"\\x41"',
  '"\\uZZZZ"',
  '"a\tb"',
  "'single'",
  'undefined',
  '[1,]',
  '{"a":1,}',
  '{}',
  '[]',
  'null',
);

/** Invalid UTF-8 sequences (overlong, surrogates, stray continuation, truncated, > U+10FFFF). */
const badUtf8 = fc.constantFrom(
  [0xff],
  [0xfe],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0x80],
  [0xbf],
  [0xc3],
  [0xe4, 0xb8],
  [0xf0, 0x9f, 0x98],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xc3, 0x28],
);

function deepText(depth: number, kind: 'array' | 'object' | 'mixed'): string {
  if (kind === 'array') return '['.repeat(depth) + ']'.repeat(depth);
  if (kind === 'object') return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 === 0 ? '[' : '{"__proto__":';
    close = `${i % 2 === 0 ? ']' : '}'}${close}`;
  }
  return `${open}0${close}`;
}

/** Raw body texts built around the valid body: each is one kind of malformed or odd JSON. */
function rawBodyArb(body: JsonObject, names: string[]): fc.Arbitrary<{ bytes: Buffer; note: string }> {
  const valid = JSON.stringify(body);
  const fields = Object.keys(body);
  const field = fields.length > 0 ? fc.constantFrom(...fields) : fc.constant('X');
  /** The valid body with the value of `name` written as `raw`. */
  const withRaw = (name: string, raw: string) => {
    const rest = Object.entries(body)
      .filter(([k]) => k !== name)
      .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    return `{${[...rest, `${JSON.stringify(name)}:${raw}`].join(',')}}`;
  };
  /** Where a raw value may go: any value inside the body, or a new key/item of any container. */
  const spots: Path[] = [
    ...pathsOf(body),
    ...containersOf(body).map((c) => [
      ...c,
      Array.isArray(getAt(body, c)) ? (getAt(body, c) as unknown[]).length : 'Extra',
    ]),
  ];
  const spot = spots.length > 0 ? fc.constantFrom(...spots) : fc.constant(['X'] as Path);
  /** The valid body with the value at `path` written as `raw`. */
  const withRawAt = (path: Path, raw: string) => {
    const placeholder = '\u0001raw\u0001';
    const copy = structuredClone(body) as Json;
    const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
    parent[path[path.length - 1] as string | number] = placeholder;
    return (JSON.stringify(copy) as string).replace(JSON.stringify(placeholder), () => raw);
  };
  const text = (note: string) => (t: string) => ({
    bytes: Buffer.from(t, 'utf8'),
    note: `${note}: ${t.length > 200 ? `${t.slice(0, 200)}… (${t.length} chars)` : t}`,
  });
  return fc.oneof(
    // Deep nesting: at the root, or anywhere inside the body (5000 levels; sometimes far more).
    fc
      .tuple(
        fc.constantFrom(100, 1000, 5000, 5000, 100_000),
        fc.constantFrom('array' as const, 'object' as const, 'mixed' as const),
        spot,
        fc.boolean(),
      )
      .map(([depth, kind, path, root]) =>
        text(`deep ${kind} ×${depth}${root ? '' : ` at ${path.join('.')}`}`)(
          root ? deepText(depth, kind) : withRawAt(path, deepText(depth, kind)),
        ),
      ),
    // Duplicate keys: the same field twice, with a different value first or last.
    fc.tuple(field, weirdValue(names), fc.boolean()).map(([name, v, first]) => {
      const dup = `${JSON.stringify(name)}:${JSON.stringify(v) ?? 'null'}`;
      const inner = valid.slice(1, -1);
      return text(`duplicate ${name}`)(
        `{${first ? `${dup}${inner ? ',' : ''}${inner}` : `${inner}${inner ? ',' : ''}${dup}`}}`,
      );
    }),
    // Odd number and string tokens where a field's value goes.
    fc.tuple(spot, rawToken).map(([path, token]) => text(`raw ${path.join('.')}`)(withRawAt(path, token))),
    // Invalid UTF-8 spliced into the body (inside a string when possible).
    fc.tuple(fc.nat(), badUtf8).map(([at, bad]) => {
      const bytes = Buffer.from(valid, 'utf8');
      const quotes = [...valid.matchAll(/"/g)].map((m) => (m.index as number) + 1);
      const pos = quotes.length > 0 ? (quotes[at % quotes.length] as number) : at % (bytes.length + 1);
      return {
        bytes: Buffer.concat([bytes.subarray(0, pos), Buffer.from(bad), bytes.subarray(pos)]),
        note: `invalid UTF-8 ${bad.map((b) => b.toString(16)).join(' ')} at ${pos} of ${valid.slice(0, 200)}`,
      };
    }),
    // Truncated, padded, or otherwise not-quite JSON.
    fc.nat().map((n) => text('truncated')(valid.slice(0, n % Math.max(1, valid.length)))),
    fc
      .constantFrom(
        '',
        ' ',
        '\n',
        'null',
        'true',
        '0',
        '-0',
        '1e308',
        '"x"',
        '[]',
        '[{}]',
        '{',
        '}',
        '{}}',
        '{}{}',
        `${valid}garbage`,
        `${valid},`,
        `\ufeff${valid}`,
        `[${valid}]`,
        `{"a":1/*c*/}`,
        `{a:1}`,
        `{'a':1}`,
        valid.replace(/"/g, "'"),
        valid.toUpperCase(),
        '{"__proto__":{"admin":true}}',
        '{"constructor":{"prototype":{"x":1}}}',
        `{"__proto__":${valid}}`,
        JSON.stringify({ ...body, constructor: { prototype: { polluted: 1 } } }),
      )
      .map(text('odd text')),
    // A field holding a ~100 KB string.
    fc
      .tuple(field, fc.integer({ min: 1000, max: 100_000 }), fc.constantFrom('x', '中', '\\u0000', '\\ud800'))
      .map(([name, n, c]) => text(`long ${name}`)(withRaw(name, `"${c.repeat(Math.ceil(n / c.length))}"`))),
  );
}

interface QueryParam {
  name: string;
  value: string;
  /** Written into the URL as is (not percent-encoded): for broken encodings. */
  raw?: boolean;
}

const weirdQueryValue: fc.Arbitrary<{ value: string; raw: boolean }> = fc.oneof(
  fc
    .constantFrom(
      '',
      ' ',
      '0',
      '-1',
      '+1400000000',
      '01400000000',
      '1400000000.0',
      '1e9',
      '14000000000000000000',
      ' 1400000000',
      '１４００',
      '1400000001',
      'json',
      'JSON',
      'Json',
      'xml',
      'administrator',
      'fz_u0',
      'nobody',
      'eJyrVkrOz0vLTEpMTVGyUjI0MjIwMAQAEQoDEQ__',
      'eJw',
      'not base64 !',
      'null',
      '[]',
    )
    .map((value) => ({ value, raw: false })),
  fc
    .constantFrom('%', '%Z', '%ZZ', '%C0%80', '%00', '%FF', '%ED%A0%80', '%E4%B8', '%2', '%%', '+', '%2B', '=', '==')
    .map((value) => ({ value, raw: true })),
  weirdString.filter((s) => s.length < 2000).map((value) => ({ value, raw: false })),
);

/** Percent-encodes the UTF-8 bytes of `text` (a lone surrogate becomes U+FFFD, as on the wire). */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function renderQuery(params: QueryParam[]): string {
  return params.map((p) => `${percentEncode(p.name)}=${p.raw ? p.value : percentEncode(p.value)}`).join('&');
}

type QueryMutation =
  | { op: 'drop'; index: number }
  | { op: 'set'; index: number; value: { value: string; raw: boolean } }
  | { op: 'dup'; index: number; value: { value: string; raw: boolean }; before: boolean }
  | { op: 'rename'; index: number; name: string }
  | { op: 'extra'; name: string; value: { value: string; raw: boolean } };

function applyQueryMutations(base: QueryParam[], mutations: QueryMutation[]): QueryParam[] {
  const params = base.map((p) => ({ ...p }));
  for (const m of mutations) {
    const i = 'index' in m ? m.index % Math.max(1, params.length) : 0;
    const target = params[i];
    if (m.op === 'extra') params.push({ name: m.name, ...m.value });
    else if (target === undefined) continue;
    else if (m.op === 'drop') params.splice(i, 1);
    else if (m.op === 'set') params[i] = { name: target.name, ...m.value };
    else if (m.op === 'dup') params.splice(m.before ? i : i + 1, 0, { name: target.name, ...m.value });
    else if (m.op === 'rename') params[i] = { ...target, name: m.name };
  }
  return params;
}

const queryMutationArb: fc.Arbitrary<QueryMutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), index: fc.nat(6) }),
  fc.record({ op: fc.constant('set' as const), index: fc.nat(6), value: weirdQueryValue }),
  fc.record({ op: fc.constant('dup' as const), index: fc.nat(6), value: weirdQueryValue, before: fc.boolean() }),
  fc.record({
    op: fc.constant('rename' as const),
    index: fc.nat(6),
    name: fc.constantFrom(
      'SdkAppId',
      'SDKAPPID',
      'sdkAppid',
      'Identifier',
      'UserSig',
      'ContentType',
      'sdkappid[]',
      'sdkappid[0]',
      ' sdkappid',
      'sdkappid ',
      'usersig\u0000',
      '__proto__',
      'constructor',
      '',
    ),
  }),
  fc.record({
    op: fc.constant('extra' as const),
    name: fc.constantFrom(
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'random',
      'x',
      '',
      'sdkappid',
      'usersig',
      'identifier',
      'contenttype',
    ),
    value: weirdQueryValue,
  }),
);

// ---------------------------------------------------------------------------------------------

for (const store of stores()) {
  describe(`fuzz: bad input to every command [${store}] (seed ${SEED}, ${RUNS_EACH} runs per property)`, () => {
    let herald: TestHerald;
    let admin: Client;
    let bodies: Record<string, JsonObject>;
    let names: string[];
    let baseQuery: QueryParam[];
    /** Fingerprint of the store as of the last answered request. */
    let current: string;
    const outcomes = new Map<string, { ok: number; fail: number; codes: Map<number, number> }>();
    /** Internal errors put down to a known bug, by bug. */

    async function ensureFixtures(): Promise<void> {
      await importAccounts(admin, [OWNER, VICTIM_USER, ...USERS]);
      const info = await admin.official('get_official_account_info', {
        OfficialAccountIdList: FIXTURE_OAS.map((Official_Account) => ({ Official_Account })),
      });
      for (const item of info.OfficialAccountInfoList as { Official_Account: string; ErrorCode: number }[]) {
        if (item.ErrorCode === 0) continue;
        const res = await admin.official('create_official_account', {
          Owner_Account: OWNER,
          Name: item.Official_Account,
          OfficialAccountUserID: item.Official_Account,
        });
        assert.equal(res.ErrorCode, 0, `re-creating ${item.Official_Account}: ${JSON.stringify(res)}`);
      }
    }

    /** Every row of every table, and the fixture accounts and history as the API shows them. */
    async function fingerprint(): Promise<string> {
      const parts: string[] = [];
      for (const table of TABLES) {
        const hash = createHash('sha256');
        let n = 0;
        for await (const row of herald.store.transfer.exportRows(table)) {
          hash.update(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
          n++;
        }
        assert.equal(await herald.store.transfer.countRows(table), n, `countRows(${table}) agrees with the rows`);
        parts.push(`${table}=${n}:${hash.digest('hex').slice(0, 16)}`);
      }
      const info = await admin.official('get_official_account_info', {
        OfficialAccountIdList: FIXTURE_OAS.map((Official_Account) => ({ Official_Account })),
        ResponseFilter: { OfficialAccountBaseInfoFilter: ['SubscriberNum', 'LastMsgTime', 'Name', 'MaxSubscriberNum'] },
      });
      assert.equal(info.ErrorCode, 0, JSON.stringify(info));
      parts.push(`info=${JSON.stringify(info.OfficialAccountInfoList)}`);
      for (const oa of [MAIN, OTHER]) {
        const history = await admin.official('official_account_msg_get_simple', {
          Official_Account: oa,
          ReqMsgNumber: 20,
          WithRecalledMsg: 1,
        });
        parts.push(`history ${oa}=${createHash('sha256').update(JSON.stringify(history)).digest('hex').slice(0, 16)}`);
      }
      return parts.join('\n');
    }

    async function send(c: Case): Promise<{ status: number; text: string; contentType: string }> {
      let response: Response;
      try {
        response = await fetch(`${herald.url}/v4/${c.path}?${c.query}`, {
          method: c.method,
          ...(c.body !== undefined && c.method !== 'GET' && c.method !== 'HEAD' && { body: new Uint8Array(c.body) }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (e) {
        const name = e instanceof Error ? e.name : '';
        throw new Error(
          `${name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS} ms (hang)` : `request failed: ${String(e)}`}; ${c.note}`,
        );
      }
      return {
        status: response.status,
        text: await response.text(),
        contentType: response.headers.get('content-type') ?? '',
      };
    }

    /** Sends one case and checks every invariant; keeps `current` up to date. */
    async function check(command: string, c: Case): Promise<Envelope> {
      const where = `${c.method} /v4/${c.path} (${c.note})`.slice(0, 1500);
      const res = await send(c);
      assert.equal(res.status, 200, `HTTP ${res.status} for ${where}: ${res.text.slice(0, 300)}`);
      assert.match(res.contentType, /^application\/json/, `content type of ${where}`);
      let envelope: Envelope;
      try {
        envelope = JSON.parse(res.text) as Envelope;
      } catch {
        assert.fail(`answer is not JSON for ${where}: ${res.text.slice(0, 300)}`);
      }
      assert.ok(
        envelope !== null && typeof envelope === 'object' && !Array.isArray(envelope),
        `answer is an object for ${where}`,
      );
      assert.ok(
        envelope.ActionStatus === 'OK' || envelope.ActionStatus === 'FAIL',
        `ActionStatus ${String(envelope.ActionStatus)} for ${where}`,
      );
      const [service = '', name = ''] = c.path.split('/');
      checkAnswer(service, name, envelope);
      assert.ok(
        Number.isSafeInteger(envelope.ErrorCode),
        `ErrorCode ${String(envelope.ErrorCode)} is an integer for ${where}`,
      );
      assert.equal(typeof envelope.ErrorInfo, 'string', `ErrorInfo is a string for ${where}`);
      assert.equal(
        envelope.ActionStatus === 'OK',
        envelope.ErrorCode === 0,
        `ActionStatus ${envelope.ActionStatus} with ErrorCode ${envelope.ErrorCode} for ${where}`,
      );
      if (envelope.ActionStatus === 'OK')
        assert.equal(envelope.ErrorInfo, '', `OK carries an empty ErrorInfo for ${where}`);
      assert.ok(
        !INTERNAL_CODES.has(envelope.ErrorCode),
        `internal error ${envelope.ErrorCode} (${envelope.ErrorInfo}) for ${where}`,
      );

      const health = await fetch(`${herald.url}/healthz`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      assert.equal(health.status, 200, `/healthz after ${where}`);
      await health.text();

      const stats = outcomes.get(command) ?? { ok: 0, fail: 0, codes: new Map<number, number>() };
      outcomes.set(command, stats);
      stats.codes.set(envelope.ErrorCode, (stats.codes.get(envelope.ErrorCode) ?? 0) + 1);
      const now = await fingerprint();
      if (envelope.ActionStatus === 'FAIL') {
        stats.fail++;
        assert.equal(now, current, `FAIL ${envelope.ErrorCode} (${envelope.ErrorInfo}) changed the store: ${where}`);
      } else {
        stats.ok++;
        if (DESTRUCTIVE.has(c.path)) await ensureFixtures();
        current = DESTRUCTIVE.has(c.path) ? await fingerprint() : now;
      }
      return envelope;
    }

    const bodyCase = (command: string, body: Json, note: string): Case => ({
      method: 'POST',
      path: command,
      query: renderQuery(baseQuery),
      body: Buffer.from(JSON.stringify(body) ?? '', 'utf8'),
      note: `${note}: ${(JSON.stringify(body) ?? 'undefined').slice(0, 300)}`,
    });

    async function assertProperty(
      title: string,
      property: fc.IAsyncProperty<[Case]> | fc.IAsyncPropertyWithHooks<[Case]>,
      salt: string,
    ): Promise<void> {
      // One base seed for the run; each property gets its own stream of it.
      const seed = (SEED ^ createHash('sha256').update(salt).digest().readUInt32BE(0)) | 0;
      try {
        await fc.assert(property, { seed, numRuns: RUNS_EACH });
      } catch (e) {
        let message = e instanceof Error ? e.message : String(e);
        // fast-check keeps the failing assertion as the cause: show it.
        for (let cause = e instanceof Error ? e.cause : undefined; cause instanceof Error; cause = cause.cause)
          message += `\nCause: ${cause.message}`;
        throw new Error(
          `${title} failed. Replay: HERALD_FUZZ_SEED=${SEED} HERALD_FUZZ_RUNS=${RUNS} node --import tsx --test test/fuzz.test.ts\n${message}`,
          { cause: e },
        );
      }
    }

    before(async () => {
      herald = await startTestHerald();
      admin = herald.admin;
      await importAccounts(admin, [OWNER, VICTIM_USER, ...USERS]);
      for (const id of FIXTURE_OAS) {
        const res = await admin.official('create_official_account', {
          Owner_Account: OWNER,
          Name: id,
          OfficialAccountUserID: id,
        });
        assert.equal(res.ErrorCode, 0, JSON.stringify(res));
      }
      const add = await admin.official('add_subscriber', {
        Official_Account: MAIN,
        SubscriberList: USERS.slice(0, 5).map((Subscriber_Account) => ({ Subscriber_Account })),
      });
      assert.equal(add.ErrorCode, 0, JSON.stringify(add));
      const msgKeys: string[] = [];
      for (let i = 0; i < 3; i++) {
        const sent = await admin.official('send_official_account_msg', {
          Official_Account: MAIN,
          Random: 1000 + i,
          MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `fixture ${i}` } }],
        });
        assert.equal(sent.ErrorCode, 0, JSON.stringify(sent));
        msgKeys.push(sent.MsgKey as string);
      }
      bodies = validBodies(msgKeys);
      names = fieldNames(bodies);
      baseQuery = [...new URL(admin.url('x', 'y')).searchParams].map(([name, value]) => ({ name, value }));
      assert.deepEqual(
        baseQuery.map((p) => p.name),
        ['sdkappid', 'identifier', 'usersig', 'random', 'contenttype'],
      );
      assert.equal(baseQuery[0]?.value, String(SDKAPPID));
      current = await fingerprint();
    });

    after(async () => {
      const lines = [...outcomes].map(
        ([command, s]) =>
          `  ${command}: ${s.ok} OK, ${s.fail} FAIL (${[...s.codes]
            .sort((a, b) => b[1] - a[1])
            .map(([code, n]) => `${code}×${n}`)
            .join(' ')})`,
      );
      if (lines.length > 0) console.log(`fuzz outcomes [${store}]:\n${lines.join('\n')}`);
      await herald?.close();
    });

    it('every command of the registry has a valid body, and it is accepted', async () => {
      for (const command of COMMAND_KEYS) {
        const body = bodies[command];
        if (body === undefined) {
          // Still fuzzed (from {}), but mutations of a valid body reach deeper: add one above.
          console.log(`fuzz: no valid body for ${command}; fuzzing it from {}`);
          continue;
        }
        const res = await check(command, bodyCase(command, body, 'valid body'));
        assert.equal(res.ErrorCode, 0, `valid body of ${command} is accepted: ${JSON.stringify(res).slice(0, 300)}`);
      }
    });

    for (const command of COMMAND_KEYS) {
      describe(command, () => {
        const base = () => bodies[command] ?? {};

        it('arbitrary JSON values as the body', async () => {
          const arb = fc
            .oneof(
              weirdValue(names),
              fc
                .array(fc.tuple(keyArb([...Object.keys(base()), ...names]), weirdValue(names)), { maxLength: 8 })
                .map(objectOf),
            )
            .map((body) => bodyCase(command, body, 'arbitrary body'));
          await assertProperty(
            `${command} arbitrary JSON`,
            fc.asyncProperty(arb, async (c) => void (await check(command, c))),
            `${command}/arbitrary`,
          );
        });

        it('one-field mutations of a valid body', async () => {
          const arb = mutationArb(base(), names).map((m) =>
            bodyCase(command, mutate(base(), m), `mutation ${JSON.stringify(m).slice(0, 200)}`),
          );
          await assertProperty(
            `${command} mutations`,
            fc.asyncProperty(arb, async (c) => void (await check(command, c))),
            `${command}/mutation`,
          );
        });

        it('raw JSON text: deep nesting, duplicate keys, invalid UTF-8, odd numbers, long strings', async () => {
          const arb = rawBodyArb(base(), names).map(
            ({ bytes, note }): Case => ({
              method: 'POST',
              path: command,
              query: renderQuery(baseQuery),
              body: bytes,
              note,
            }),
          );
          await assertProperty(
            `${command} raw text`,
            fc.asyncProperty(arb, async (c) => void (await check(command, c))),
            `${command}/raw`,
          );
        });

        it('mangled query strings and methods', async () => {
          const arb = fc
            .tuple(
              fc.array(queryMutationArb, { minLength: 1, maxLength: 3 }),
              fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH'),
              fc.boolean(),
            )
            .map(([mutations, method, validBody]): Case => {
              const params = applyQueryMutations(baseQuery, mutations);
              const query = renderQuery(params);
              return {
                method,
                path: command,
                query,
                body: Buffer.from(validBody ? JSON.stringify(base()) : '{}'),
                note: `query ${query.replace(/usersig=[^&]*/i, 'usersig=…').slice(0, 400)}`,
              };
            });
          await assertProperty(
            `${command} query`,
            fc.asyncProperty(arb, async (c) => void (await check(command, c))),
            `${command}/query`,
          );
        });
      });
    }

    for (const bug of REGRESSIONS) {
      it(`regression ${bug.id}: answered without an internal error`, async () => {
        for (const [command, text] of bug.repro) {
          const res = await check(command, {
            method: 'POST',
            path: command,
            query: renderQuery(baseQuery),
            body: Buffer.from(text, 'utf8'),
            note: `repro of ${bug.id}: ${text.slice(0, 200)}`,
          });
          assert.ok(
            !INTERNAL_CODES.has(res.ErrorCode),
            `${command} answered ${res.ErrorCode} for ${text.slice(0, 200)}`,
          );
        }
      });
    }

    // A lone surrogate (valid JSON: "\ud800") used to be accepted and silently changed on the way
    // to the database (three U+FFFD on SQLite, one on PostgreSQL); now it is refused.
    it('a string is stored as sent, or refused (lone surrogates)', async () => {
      const command = 'official_account_open_http_svc/modify_official_account_base_info';
      const text = `{"Official_Account":"${OTHER}","Introduction":"a\\ud800b"}`;
      const res = await check(command, {
        method: 'POST',
        path: command,
        query: renderQuery(baseQuery),
        body: Buffer.from(text, 'utf8'),
        note: `lone surrogate: ${text}`,
      });
      if (res.ErrorCode !== 0) return; // refused: fine
      const info = await admin.official('get_official_account_info', {
        OfficialAccountIdList: [{ Official_Account: OTHER }],
      });
      const item = (info.OfficialAccountInfoList as JsonObject[])[0];
      assert.equal(item?.Introduction, 'a\ud800b', 'Introduction reads back as it was sent');
    });

    it('unknown and malformed paths', async () => {
      const segment = fc.oneof(
        fc.constantFrom(...COMMAND_KEYS.flatMap((k) => k.split('/'))),
        fc.constantFrom(
          '',
          '.',
          '..',
          '%2e%2e',
          '%2F',
          '%00',
          '%ZZ',
          '%E0%A4%A',
          '__proto__',
          'constructor',
          'x'.repeat(101),
          'x'.repeat(5000),
          'v4',
          ' ',
        ),
        fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map(percentEncode),
      );
      const arb = fc.tuple(segment, segment, fc.constantFrom('', '/extra', '/', '//')).map(
        ([service, name, tail]): Case => ({
          method: 'POST',
          path: `${service}/${name}${tail}`,
          query: renderQuery(baseQuery),
          body: Buffer.from('{}'),
          note: `path /v4/${service.slice(0, 50)}/${name.slice(0, 50)}${tail}`,
        }),
      );
      await assertProperty(
        'paths',
        fc.asyncProperty(arb, async (c) => void (await check('(paths)', c))),
        'paths',
      );
    });
  });
}
