/**
 * The REST surface (platform.md §1.4–1.8, §2.4): envelope, routing, query checks and their
 * order, bodies, admin checks, health endpoints, access log, HTTPS and rate limits — all over
 * real HTTP against a real in-process Herald.
 */
import { countOfficialAccounts } from './helpers/store-checks.ts';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Api } from 'tls-sig-api-v2';
import type { HeraldOptions } from '../src/server.ts';
import {
  ADMIN,
  Client,
  SDKAPPID,
  SECRET_KEY,
  startTestHerald,
  type Envelope,
  type TestHerald,
} from './helpers/harness.ts';

const OFFICIAL = 'official_account_open_http_svc';
const ACCOUNTS = 'im_open_login_svc';
const CREATE = `/v4/${OFFICIAL}/create_official_account`;
const GET_INFO = `/v4/${OFFICIAL}/get_official_account_info`;
const ACCOUNT_CHECK = `/v4/${ACCOUNTS}/account_check`;
const CREATE_BODY = JSON.stringify({ Owner_Account: ADMIN, Name: 'News' });
const CHECK_BODY = JSON.stringify({ CheckItem: [{ UserID: ADMIN }] });
const adminSig = (): string => new Api(SDKAPPID, SECRET_KEY).genUserSig(ADMIN, 86400);

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

interface RawRequest {
  method?: string;
  /** Path and query, e.g. `/v4/a/b?x=1`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
}

/** One HTTP/1.1 request with exactly the given headers (no Content-Type unless asked for). */
function raw(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(req.path, baseUrl);
  const headers: Record<string, string> = { ...req.headers };
  if (req.body !== undefined && !req.chunked) headers['content-length'] = String(Buffer.byteLength(req.body));
  if (req.chunked) headers['transfer-encoding'] = 'chunked';
  return new Promise((resolve, reject) => {
    const r = httpRequest(url, { method: req.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/**
 * Asserts the Tencent envelope: HTTP 200, JSON, all three fields with the right types, and
 * ErrorCode `code` (ActionStatus/ErrorInfo consistent with it). Returns the parsed body.
 */
function expectEnvelope(res: RawResponse, code: number): Envelope {
  assert.equal(res.status, 200, `HTTP status for ${res.text}`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = JSON.parse(res.text) as Envelope;
  assert.ok(
    'ActionStatus' in body && 'ErrorCode' in body && 'ErrorInfo' in body,
    `envelope fields missing in ${res.text}`,
  );
  assert.equal(typeof body.ErrorInfo, 'string');
  assert.equal(body.ErrorCode, code, `expected ${code}, got ${res.text}`);
  if (code === 0) {
    assert.equal(body.ActionStatus, 'OK');
    assert.equal(body.ErrorInfo, '');
  } else {
    assert.equal(body.ActionStatus, 'FAIL');
    assert.notEqual(body.ErrorInfo, '', 'a failure explains itself');
  }
  return body;
}

type QueryOverrides = Record<string, string | undefined>;

/** A valid admin query string with overrides; an override of `undefined` removes the name. */
function query(overrides: QueryOverrides = {}, base: QueryOverrides = {}): string {
  const params: QueryOverrides = {
    sdkappid: String(SDKAPPID),
    identifier: ADMIN,
    usersig: adminSig(),
    random: '12345',
    contenttype: 'json',
    ...base,
    ...overrides,
  };
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.append(name, value);
  return `?${search}`;
}

async function post(
  baseUrl: string,
  path: string,
  overrides: QueryOverrides = {},
  body: string | Buffer = '{}',
): Promise<RawResponse> {
  return raw(baseUrl, { path: path + query(overrides), body });
}

async function officialAccountExists(herald: TestHerald, id: string): Promise<boolean> {
  const info = await herald.admin.official('get_official_account_info', {
    OfficialAccountIdList: [{ Official_Account: id }],
  });
  assert.equal(info.ErrorCode, 0, info.ErrorInfo);
  const [item] = info.OfficialAccountInfoList as { ErrorCode: number }[];
  return item?.ErrorCode === 0;
}

describe('wire: envelope, routing and query checks', () => {
  let herald: TestHerald;
  before(async () => {
    herald = await startTestHerald();
  });
  after(() => herald.close());

  it('answers a success with HTTP 200, JSON and ActionStatus OK / ErrorCode 0 / ErrorInfo ""', async () => {
    const res = await post(herald.url, CREATE, {}, CREATE_BODY);
    const body = expectEnvelope(res, 0);
    assert.match(body.OfficialAccountUserID as string, /^@TOA#_/);
    expectEnvelope(await post(herald.url, ACCOUNT_CHECK, {}, CHECK_BODY), 0);
  });

  describe('method and path', () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      it(`${method} on a known command → 60002`, async () => {
        const res = await raw(herald.url, {
          method,
          path: CREATE + query(),
          ...(method !== 'GET' && { body: CREATE_BODY }),
        });
        expectEnvelope(res, 60002);
      });
    }

    it('the method check comes before everything else (GET with no query at all → 60002)', async () => {
      expectEnvelope(await raw(herald.url, { method: 'GET', path: CREATE }), 60002);
      expectEnvelope(await raw(herald.url, { method: 'PUT', path: '/v4/nope/nothing?sdkappid=1', body: 'x' }), 60002);
    });

    it('an unknown command in a known service, with valid admin auth → 60009', async () => {
      expectEnvelope(await post(herald.url, `/v4/${OFFICIAL}/no_such_command`), 60009);
      expectEnvelope(await post(herald.url, `/v4/${ACCOUNTS}/no_such_command`), 60009);
      expectEnvelope(await post(herald.url, '/v4/no_such_service/account_check'), 60009);
      // Commands are case-sensitive wire names.
      expectEnvelope(await post(herald.url, `/v4/${OFFICIAL}/Create_Official_Account`, {}, CREATE_BODY), 60009);
    });

    it('an unknown command is only reported once auth has passed', async () => {
      const unknown = `/v4/${OFFICIAL}/no_such_command`;
      expectEnvelope(await post(herald.url, unknown, { sdkappid: undefined }), 60012);
      expectEnvelope(await post(herald.url, unknown, { sdkappid: '1499999999' }), 60006);
      expectEnvelope(await post(herald.url, unknown, { usersig: undefined }), 60025);
      expectEnvelope(await post(herald.url, unknown, { usersig: 'eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy' }), 70003);
      const foreignSig = new Api(SDKAPPID, 'some other key').genUserSig(ADMIN, 86400);
      expectEnvelope(await post(herald.url, unknown, { usersig: foreignSig }), 70009);
    });

    for (const path of [
      '/v4/x',
      '/v4/a/b/c',
      '/foo',
      '/',
      '/v4',
      '/v3/im_open_login_svc/account_check',
      `${CREATE}/`,
      `/v4/${'a'.repeat(150)}/x`,
    ]) {
      it(`unknown path shape ${path.slice(0, 40)} → 60009 (POST and GET)`, async () => {
        expectEnvelope(await raw(herald.url, { path: path + query(), body: '{}' }), 60009);
        expectEnvelope(await raw(herald.url, { method: 'GET', path: path + query() }), 60009);
      });
    }

    it('a path that cannot be percent-decoded → HTTP 200 with 60002, not an HTML/400 page', async () => {
      const res = await raw(herald.url, { path: `/v4/%zz/x${query()}`, body: '{}' });
      const body = expectEnvelope(res, 60002);
      assert.ok(!res.text.includes('usersig'), `the answer must not echo the URL: ${JSON.stringify(body)}`);
      expectEnvelope(await raw(herald.url, { path: `/v4/${OFFICIAL}/%E0%A4%A${query()}`, body: '{}' }), 60002);
    });
  });

  describe('query string', () => {
    it('missing or empty sdkappid → 60012', async () => {
      expectEnvelope(await post(herald.url, CREATE, { sdkappid: undefined }, CREATE_BODY), 60012);
      expectEnvelope(await post(herald.url, CREATE, { sdkappid: '' }, CREATE_BODY), 60012);
      expectEnvelope(await raw(herald.url, { path: CREATE, body: CREATE_BODY }), 60012);
    });

    for (const sdkappid of [
      'abc',
      '1400000000abc',
      '14e8',
      '-1400000000',
      '1400000000.0',
      '0x5372',
      '99999999999999999999',
      '1400000001',
      '0',
    ]) {
      it(`sdkappid=${sdkappid} (non-numeric or unknown) → 60006`, async () => {
        expectEnvelope(await post(herald.url, CREATE, { sdkappid }, CREATE_BODY), 60006);
      });
    }

    it('missing or empty identifier or usersig → 60025', async () => {
      expectEnvelope(await post(herald.url, CREATE, { identifier: undefined }, CREATE_BODY), 60025);
      expectEnvelope(await post(herald.url, CREATE, { identifier: '' }, CREATE_BODY), 60025);
      expectEnvelope(await post(herald.url, CREATE, { usersig: undefined }, CREATE_BODY), 60025);
      expectEnvelope(await post(herald.url, CREATE, { usersig: '' }, CREATE_BODY), 60025);
      expectEnvelope(await post(herald.url, CREATE, { identifier: undefined, usersig: undefined }, CREATE_BODY), 60025);
    });

    for (const contenttype of ['xml', 'text', '', 'jsonp', 'application/json']) {
      it(`contenttype=${JSON.stringify(contenttype)} → 60025`, async () => {
        expectEnvelope(await post(herald.url, CREATE, { contenttype }, CREATE_BODY), 60025);
      });
    }

    it('contenttype may be absent', async () => {
      expectEnvelope(await post(herald.url, CREATE, { contenttype: undefined }, CREATE_BODY), 0);
    });

    it('random is optional and not validated (absent, non-numeric, repeated)', async () => {
      expectEnvelope(await post(herald.url, CREATE, { random: undefined }, CREATE_BODY), 0);
      expectEnvelope(await post(herald.url, CREATE, { random: 'not-a-number' }, CREATE_BODY), 0);
      expectEnvelope(await post(herald.url, CREATE, { random: '99999999999' }, CREATE_BODY), 0);
      expectEnvelope(await post(herald.url, CREATE, { random: '7' }, CREATE_BODY), 0);
      expectEnvelope(await post(herald.url, CREATE, { random: '7' }, CREATE_BODY), 0);
    });

    it('parameter names are matched case-insensitively (sdkAppid, Identifier, UserSig, ContentType)', async () => {
      const sig = adminSig();
      const q = new URLSearchParams({
        sdkAppid: String(SDKAPPID),
        Identifier: ADMIN,
        UserSig: sig,
        Random: '1',
        ContentType: 'json',
      });
      expectEnvelope(await raw(herald.url, { path: `${CREATE}?${q}`, body: CREATE_BODY }), 0);
      const upper = new URLSearchParams({ SDKAPPID: String(SDKAPPID), IDENTIFIER: ADMIN, USERSIG: sig });
      expectEnvelope(await raw(herald.url, { path: `${CREATE}?${upper}`, body: CREATE_BODY }), 0);
      // A differently-cased name is read too: an unknown app under `sdkAppid` is still 60006.
      const unknown = new URLSearchParams({ sdkAppid: '1499999999', identifier: ADMIN, usersig: sig });
      expectEnvelope(await raw(herald.url, { path: `${CREATE}?${unknown}`, body: CREATE_BODY }), 60006);
    });

    it('the query string is percent-decoded (usersig with %2A for *, %2D for -, %5F for _)', async () => {
      const sig = adminSig();
      const encoded = sig.replace(/\*/g, '%2A').replace(/-/g, '%2D').replace(/_/g, '%5F');
      const path = `${CREATE}?sdkappid=${SDKAPPID}&identifier=${ADMIN}&usersig=${encoded}&contenttype=json`;
      expectEnvelope(await raw(herald.url, { path, body: CREATE_BODY }), 0);
    });
  });

  describe('check order (first failing step wins)', () => {
    const nonAdmin = (): string => new Api(SDKAPPID, SECRET_KEY).genUserSig('alice', 86400);

    it('unknown sdkappid beats a bad usersig, a missing identifier and a bad contenttype → 60006', async () => {
      expectEnvelope(
        await post(herald.url, CREATE, { sdkappid: '1499999999', usersig: 'garbage' }, CREATE_BODY),
        60006,
      );
      expectEnvelope(
        await post(herald.url, CREATE, { sdkappid: 'abc', identifier: undefined, contenttype: 'xml' }, 'not json'),
        60006,
      );
    });

    it('missing sdkappid beats every later fault → 60012', async () => {
      expectEnvelope(
        await post(
          herald.url,
          '/v4/nope/nothing',
          { sdkappid: undefined, identifier: undefined, usersig: 'x', contenttype: 'xml' },
          '',
        ),
        60012,
      );
    });

    it('a missing identifier or a bad contenttype beats a bad usersig → 60025', async () => {
      expectEnvelope(await post(herald.url, CREATE, { identifier: undefined, usersig: 'garbage' }), 60025);
      expectEnvelope(await post(herald.url, CREATE, { contenttype: 'xml', usersig: 'garbage' }), 60025);
    });

    it('a bad usersig beats a non-admin identifier → 70xxx', async () => {
      // Garbage sig for a non-admin.
      expectEnvelope(await post(herald.url, CREATE, { identifier: 'alice', usersig: 'garbage' }, CREATE_BODY), 70003);
      // The admin's sig presented for a non-admin identifier.
      expectEnvelope(await post(herald.url, CREATE, { identifier: 'alice' }, CREATE_BODY), 70013);
      // A non-admin sig made with the wrong key.
      const wrongKey = new Api(SDKAPPID, 'wrong key').genUserSig('alice', 86400);
      expectEnvelope(
        await post(herald.url, `/v4/${ACCOUNTS}/no_such_command`, { identifier: 'alice', usersig: wrongKey }, 'x'),
        70009,
      );
    });

    it('non-admin beats an unknown command: 60010 on official_account_open_http_svc, 70403 on im_open_login_svc', async () => {
      expectEnvelope(
        await post(herald.url, `/v4/${OFFICIAL}/no_such_command`, { identifier: 'alice', usersig: nonAdmin() }),
        60010,
      );
      expectEnvelope(
        await post(herald.url, `/v4/${ACCOUNTS}/no_such_command`, { identifier: 'alice', usersig: nonAdmin() }),
        70403,
      );
    });

    it('non-admin beats a bad body', async () => {
      expectEnvelope(await post(herald.url, CREATE, { identifier: 'alice', usersig: nonAdmin() }, 'not json'), 60010);
      expectEnvelope(await post(herald.url, ACCOUNT_CHECK, { identifier: 'alice', usersig: nonAdmin() }, ''), 70403);
    });

    it('valid admin + unknown command + bad JSON → 60009', async () => {
      expectEnvelope(await post(herald.url, `/v4/${OFFICIAL}/no_such_command`, {}, '{not json'), 60009);
      expectEnvelope(await post(herald.url, '/v4/no_such_service/no_such_command', {}, ''), 60009);
    });

    it('a body that is not a JSON object beats schema validation → 60003', async () => {
      expectEnvelope(await post(herald.url, CREATE, {}, '[]'), 60003);
      expectEnvelope(await post(herald.url, ACCOUNT_CHECK, {}, '[]'), 60003);
    });

    it('schema violations answer with the service code (6017 official accounts, 70402 accounts)', async () => {
      expectEnvelope(await post(herald.url, CREATE, {}, JSON.stringify({ Owner_Account: ADMIN })), 6017);
      expectEnvelope(await post(herald.url, ACCOUNT_CHECK, {}, JSON.stringify({ CheckItem: 'x' })), 70402);
    });
  });

  describe('body', () => {
    const bad: [string, string | Buffer][] = [
      ['empty', ''],
      ['[]', '[]'],
      ['"x"', '"x"'],
      ['null', 'null'],
      ['42', '42'],
      ['true', 'true'],
      ['malformed JSON', '{"Owner_Account": "administrator", "Name": '],
      ['trailing garbage', `${CREATE_BODY} x`],
      ['single quotes', "{'Name': 'x'}"],
      [
        'invalid UTF-8 bytes',
        Buffer.concat([
          Buffer.from('{"Owner_Account":"administrator","Name":"'),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from('"}'),
        ]),
      ],
      ['a lone UTF-8 continuation byte', Buffer.from([0x7b, 0x80, 0x7d])],
    ];
    for (const [name, body] of bad) {
      it(`${name} → 60003`, async () => {
        expectEnvelope(await post(herald.url, CREATE, {}, body), 60003);
      });
    }

    it('no body at all → 60003', async () => {
      expectEnvelope(await raw(herald.url, { path: CREATE + query() }), 60003);
      expectEnvelope(
        await raw(herald.url, { path: CREATE + query(), headers: { 'content-type': 'application/json' } }),
        60003,
      );
    });

    const contentTypes: [string, Record<string, string>][] = [
      ['no Content-Type', {}],
      ['application/x-www-form-urlencoded (curl -d)', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['text/plain', { 'content-type': 'text/plain' }],
      ['application/json; charset=utf-8', { 'content-type': 'application/json; charset=utf-8' }],
      ['application/octet-stream', { 'content-type': 'application/octet-stream' }],
    ];
    for (const [name, headers] of contentTypes) {
      it(`a JSON body is accepted with ${name}`, async () => {
        const res = await raw(herald.url, {
          path: CREATE + query(),
          headers,
          body: JSON.stringify({ Owner_Account: ADMIN, Name: name }),
        });
        const id = expectEnvelope(res, 0).OfficialAccountUserID as string;
        assert.ok(await officialAccountExists(herald, id), 'await officialAccountExists(herald, id)');
      });
    }

    it('a chunked body with no Content-Length is accepted', async () => {
      const res = await raw(herald.url, { path: CREATE + query(), body: CREATE_BODY, chunked: true });
      expectEnvelope(res, 0);
    });

    it('__proto__ and constructor keys neither crash Herald nor pollute prototypes', async () => {
      const body =
        '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},' +
        '"Owner_Account":"administrator","Name":"Proto","CustomString":"c"}';
      const res = await post(herald.url, CREATE, {}, body);
      assert.equal(res.status, 200);
      const envelope = JSON.parse(res.text) as Envelope;
      assert.ok([0, 6017].includes(envelope.ErrorCode), res.text);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      // Only __proto__ as body, and __proto__ nested inside an array item.
      for (const b of [
        '{"__proto__":{}}',
        '{"__proto__":null}',
        '{"OfficialAccountIdList":[{"__proto__":{"Official_Account":"x"}}]}',
      ]) {
        const r = await post(herald.url, GET_INFO, {}, b);
        assert.equal(r.status, 200);
        const e = JSON.parse(r.text) as Envelope;
        assert.equal(typeof e.ErrorCode, 'number');
        assert.notEqual(e.ErrorCode, 10004, `no internal error for ${b}: ${r.text}`);
      }
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      // Herald still works.
      expectEnvelope(await post(herald.url, CREATE, {}, CREATE_BODY), 0);
    });

    it('a body of exactly 1 MiB is read; one byte more → HTTP 200 with 60003', async () => {
      const limit = 1024 * 1024;
      const exact = CREATE_BODY + ' '.repeat(limit - CREATE_BODY.length);
      assert.equal(Buffer.byteLength(exact), limit);
      expectEnvelope(await post(herald.url, CREATE, {}, exact), 0);
      expectEnvelope(await post(herald.url, CREATE, {}, `${exact} `), 60003);
    });

    it('a body larger than 1 MiB → HTTP 200 with 60003 (Content-Length and chunked)', async () => {
      const big = JSON.stringify({ Owner_Account: ADMIN, Name: 'x', CustomString: 'y'.repeat(2 * 1024 * 1024) });
      expectEnvelope(await post(herald.url, CREATE, {}, big), 60003);
      expectEnvelope(await raw(herald.url, { path: CREATE + query(), body: big, chunked: true }), 60003);
      // Herald is still serving.
      expectEnvelope(await post(herald.url, CREATE, {}, CREATE_BODY), 0);
    });
  });

  describe('App Admin', () => {
    const alice = (): string => new Api(SDKAPPID, SECRET_KEY).genUserSig('alice', 86400);

    it('a non-admin with a valid UserSig → 60010 on official_account_open_http_svc', async () => {
      expectEnvelope(await post(herald.url, CREATE, { identifier: 'alice', usersig: alice() }, CREATE_BODY), 60010);
      const body = JSON.stringify({ OfficialAccountIdList: [{ Official_Account: '@TOA#_x' }] });
      expectEnvelope(await post(herald.url, GET_INFO, { identifier: 'alice', usersig: alice() }, body), 60010);
    });

    it('a non-admin with a valid UserSig → 70403 on im_open_login_svc', async () => {
      expectEnvelope(
        await post(herald.url, ACCOUNT_CHECK, { identifier: 'alice', usersig: alice() }, CHECK_BODY),
        70403,
      );
      const body = JSON.stringify({ UserID: 'bob' });
      expectEnvelope(
        await post(herald.url, `/v4/${ACCOUNTS}/account_import`, { identifier: 'alice', usersig: alice() }, body),
        70403,
      );
    });

    it('an imported account is still not an admin', async () => {
      expectEnvelope(
        await post(herald.url, `/v4/${ACCOUNTS}/account_import`, {}, JSON.stringify({ UserID: 'alice' })),
        0,
      );
      expectEnvelope(await post(herald.url, CREATE, { identifier: 'alice', usersig: alice() }, CREATE_BODY), 60010);
    });
  });

  describe('health', () => {
    it('GET /healthz → 200 {status: "ok", version}', async () => {
      const res = await raw(herald.url, { method: 'GET', path: '/healthz' });
      assert.equal(res.status, 200);
      const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        version: string;
      };
      assert.deepEqual(JSON.parse(res.text), { status: 'ok', version });
    });

    it('GET /readyz → 200 once the store answers', async () => {
      const res = await raw(herald.url, { method: 'GET', path: '/readyz' });
      assert.equal(res.status, 200);
      assert.equal((JSON.parse(res.text) as { status: string }).status, 'ready');
    });
  });

  describe('rejected requests leave no trace', () => {
    it('a create_official_account refused on auth, admin, body or validation creates nothing', async () => {
      const fresh = await startTestHerald();
      try {
        const id = '@TOA#_rejected';
        const body = JSON.stringify({ Owner_Account: ADMIN, Name: 'Rejected', OfficialAccountUserID: id });
        const alice = new Api(SDKAPPID, SECRET_KEY).genUserSig('alice', 86400);
        const foreign = new Api(SDKAPPID, 'another key').genUserSig(ADMIN, 86400);
        expectEnvelope(await raw(fresh.url, { method: 'GET', path: CREATE + query() }), 60002);
        expectEnvelope(await post(fresh.url, CREATE, { sdkappid: undefined }, body), 60012);
        expectEnvelope(await post(fresh.url, CREATE, { usersig: undefined }, body), 60025);
        expectEnvelope(await post(fresh.url, CREATE, { usersig: foreign }, body), 70009);
        expectEnvelope(await post(fresh.url, CREATE, { usersig: 'garbage' }, body), 70003);
        expectEnvelope(await post(fresh.url, CREATE, { identifier: 'alice', usersig: alice }, body), 60010);
        expectEnvelope(await post(fresh.url, CREATE, {}, `${body}}`), 60003);
        const invalid = JSON.stringify({
          Owner_Account: ADMIN,
          Name: 'Rejected',
          OfficialAccountUserID: id,
          MaxSubscriberNum: 0,
        });
        expectEnvelope(await post(fresh.url, CREATE, {}, invalid), 6017);
        const tooLong = JSON.stringify({ Owner_Account: ADMIN, Name: 'n'.repeat(151), OfficialAccountUserID: id });
        expectEnvelope(await post(fresh.url, CREATE, {}, tooLong), 6017);

        assert.equal(await countOfficialAccounts(fresh.store, SDKAPPID), 0);
        assert.equal(await officialAccountExists(fresh, id), false);
        // The ID is still free: nothing half-made is in the way.
        expectEnvelope(await post(fresh.url, CREATE, {}, body), 0);
        assert.equal(await officialAccountExists(fresh, id), true);
        assert.equal(await countOfficialAccounts(fresh.store, SDKAPPID), 1);
      } finally {
        await fresh.close();
      }
    });
  });
});

describe('wire: access log', () => {
  it('writes one JSON line per call with command, sdkappid, code and ms — never a UserSig or the key', async () => {
    const lines: string[] = [];
    let pending = '';
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        pending += chunk.toString('utf8');
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        lines.push(...parts.filter((l) => l !== ''));
        done();
      },
    });
    const herald = await startTestHerald({ logLevel: 'info', logStream });
    try {
      const admin = adminSig();
      const wrongKeySig = new Api(SDKAPPID, 'a different key').genUserSig(ADMIN, 86400);
      const aliceSig = new Api(SDKAPPID, SECRET_KEY).genUserSig('alice', 86400);
      const sigs = [admin, wrongKeySig, aliceSig];
      // [request, expected code, expected command (undefined = not routed), sdkappid logged?]
      const calls: [RawRequest, number, string | undefined, boolean][] = [
        [{ path: CREATE + query({ usersig: admin }), body: CREATE_BODY }, 0, 'create_official_account', true],
        [{ path: ACCOUNT_CHECK + query({ usersig: admin }), body: CHECK_BODY }, 0, 'account_check', true],
        [{ path: CREATE + query({ usersig: wrongKeySig }), body: CREATE_BODY }, 70009, 'create_official_account', true],
        [
          { path: CREATE + query({ identifier: 'alice', usersig: aliceSig }), body: CREATE_BODY },
          60010,
          'create_official_account',
          true,
        ],
        [
          { path: `/v4/${OFFICIAL}/no_such_command${query({ usersig: admin })}`, body: '{}' },
          60009,
          'no_such_command',
          true,
        ],
        [{ path: CREATE + query({ usersig: admin }), body: '{oops' }, 60003, 'create_official_account', true],
        [
          { path: CREATE + query({ usersig: admin, contenttype: 'xml' }), body: '{}' },
          60025,
          'create_official_account',
          true,
        ],
        [
          { path: CREATE + query({ sdkappid: '1499999999', usersig: admin }), body: '{}' },
          60006,
          'create_official_account',
          false,
        ],
        [{ method: 'GET', path: CREATE + query({ usersig: admin }) }, 60002, 'create_official_account', false],
        [{ path: `/v4/a/b/c${query({ usersig: admin })}`, body: '{}' }, 60009, undefined, false],
        [{ path: `/v4/x?us%65rSig=${admin}&sdkappid=${SDKAPPID}`, body: '{}' }, 60009, undefined, false],
        [{ path: `/v4/%zz/x${query({ usersig: admin })}`, body: '{}' }, 60002, undefined, false],
        [{ path: CREATE + query({ usersig: admin }), body: ' '.repeat(1024 * 1024 + 1) }, 60003, undefined, false],
      ];
      for (const [request, code] of calls) expectEnvelope(await raw(herald.url, request), code);
      await herald.close();

      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const callLines = records.filter((r) => r.msg === 'call');
      assert.equal(callLines.length, calls.length, `one line per call:\n${lines.join('\n')}`);
      calls.forEach(([, code, command, withSdkappid], i) => {
        const line = callLines[i] as Record<string, unknown>;
        assert.equal(line.code, code, JSON.stringify(line));
        assert.equal(typeof line.ms, 'number', `ms in ${JSON.stringify(line)}`);
        assert.ok((line.ms as number) >= 0, '(line.ms as number) >= 0');
        if (command !== undefined) assert.equal(line.command, command, JSON.stringify(line));
        else
          assert.equal(
            typeof line.path,
            'string',
            `an unrouted call logs its (redacted) path: ${JSON.stringify(line)}`,
          );
        if (withSdkappid) assert.equal(line.sdkappid, SDKAPPID, JSON.stringify(line));
      });

      const text = lines.join('\n') + pending;
      assert.ok(!text.includes(SECRET_KEY), 'the secret key is never logged');
      for (const sig of sigs) {
        assert.ok(!text.includes(sig), 'a UserSig is never logged');
        assert.ok(!text.includes(sig.slice(20, 60)), 'no part of a UserSig is logged');
      }
    } finally {
      await herald.close();
    }
  });
});

describe('wire: HTTPS', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { stdio: 'ignore' },
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the API over TLS with the configured certificate and refuses plain HTTP', async () => {
    const herald = await startTestHerald({ tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } });
    try {
      assert.match(herald.url, /^https:\/\//);
      const ca = readFileSync(join(dir, 'cert.pem'));
      const url = new URL(new Client(herald.url).url(OFFICIAL, 'create_official_account'));
      const res = await new Promise<RawResponse>((resolve, reject) => {
        const r = httpsRequest(url, { method: 'POST', ca, servername: 'localhost' }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        });
        r.on('error', reject);
        r.end(JSON.stringify({ Owner_Account: ADMIN, Name: 'Secure' }));
      });
      const created = expectEnvelope(res, 0);
      assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 1);
      assert.match(created.OfficialAccountUserID as string, /^@TOA#_/);

      // Plain HTTP on the TLS port gets no answer.
      const plain = raw(herald.url.replace(/^https:/, 'http:'), { path: CREATE + query(), body: CREATE_BODY });
      await assert.rejects(plain);
      assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 1);
    } finally {
      await herald.close();
    }
  });
});

describe('wire: rate limits', () => {
  const limitedApps = (rateLimits: Record<string, number>): HeraldOptions['apps'] => [
    { sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN], rateLimits },
  ];

  /** Fires `n` calls at once; returns the error codes in order. */
  async function burst(
    client: Client,
    service: string,
    command: string,
    body: (i: number) => unknown,
    n: number,
  ): Promise<number[]> {
    const results = await Promise.all(Array.from({ length: n }, (_, i) => client.call(service, command, body(i))));
    return results.map((r) => r.ErrorCode);
  }
  const count = (codes: number[], code: number): number => codes.filter((c) => c === code).length;
  const createBody = (i: number) => ({ Owner_Account: ADMIN, Name: `Burst ${i}` });
  const checkBody = () => ({ CheckItem: [{ UserID: ADMIN }] });

  it('an app limit of 5/s: a burst of 8 → 5 succeed, 3 get 60007; other commands and the next second are unaffected', async () => {
    const herald = await startTestHerald({ rateLimit: null, apps: limitedApps({ '*': 5 }) });
    try {
      const codes = await burst(herald.admin, OFFICIAL, 'create_official_account', createBody, 8);
      assert.equal(count(codes, 0), 5, String(codes));
      assert.equal(count(codes, 60007), 3, String(codes));
      // The limit is checked before the body is read: still 60007 for a bad body. Its text names
      // the limit and the settings that change it.
      const refused = expectEnvelope(await post(herald.url, CREATE, {}, 'not json'), 60007);
      assert.equal(
        refused.ErrorInfo,
        "REST API call frequency exceeded: at most 5 calls per second for official_account_open_http_svc/create_official_account (the app's limit, Tencent's by default: herald app set --rate-limit changes it; HERALD_RATE_LIMIT=0 or startHerald({ rateLimit: 0 }) lifts it)",
      );
      // Same second: the limit is per command.
      expectEnvelope(await post(herald.url, ACCOUNT_CHECK, {}, CHECK_BODY), 0);
      const info = await herald.admin.official('get_official_account_info', {
        OfficialAccountIdList: [{ Official_Account: '@TOA#_x' }],
      });
      assert.equal(info.ErrorCode, 0);
      // Only the 5 accepted calls created anything.
      assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 5);

      await sleep(1100);
      const again = await herald.admin.official('create_official_account', createBody(99));
      assert.equal(again.ErrorCode, 0, again.ErrorInfo);
      assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 6);
    } finally {
      await herald.close();
    }
  });

  it('a create refused by the rate limit leaves no account', async () => {
    const herald = await startTestHerald({
      rateLimit: null,
      apps: limitedApps({ [`${OFFICIAL}/create_official_account`]: 1 }),
    });
    try {
      expectEnvelope(
        await post(
          herald.url,
          CREATE,
          {},
          JSON.stringify({ Owner_Account: ADMIN, Name: 'A', OfficialAccountUserID: '@TOA#_first' }),
        ),
        0,
      );
      expectEnvelope(
        await post(
          herald.url,
          CREATE,
          {},
          JSON.stringify({ Owner_Account: ADMIN, Name: 'B', OfficialAccountUserID: '@TOA#_second' }),
        ),
        60007,
      );
      assert.equal(await countOfficialAccounts(herald.store, SDKAPPID), 1);
      assert.equal(await officialAccountExists(herald, '@TOA#_second'), false);
    } finally {
      await herald.close();
    }
  });

  it('a per-command app limit wins over the app "*" limit', async () => {
    const herald = await startTestHerald({
      rateLimit: null,
      apps: limitedApps({ '*': 5, [`${ACCOUNTS}/account_check`]: 2 }),
    });
    try {
      const checks = await burst(herald.admin, ACCOUNTS, 'account_check', checkBody, 4);
      assert.equal(count(checks, 0), 2, String(checks));
      assert.equal(count(checks, 60007), 2, String(checks));
      const creates = await burst(herald.admin, OFFICIAL, 'create_official_account', createBody, 7);
      assert.equal(count(creates, 0), 5, String(creates));
    } finally {
      await herald.close();
    }
  });

  it('limits are per app', async () => {
    const other = { sdkappid: 1400000002, secretKey: 'other-app-key', admins: [ADMIN], rateLimits: { '*': 5 } };
    const herald = await startTestHerald({ rateLimit: null, apps: [...(limitedApps({ '*': 5 }) ?? []), other] });
    try {
      const first = await burst(herald.admin, ACCOUNTS, 'account_check', checkBody, 6);
      assert.equal(count(first, 0), 5, String(first));
      const otherClient = new Client(herald.url, { sdkappid: other.sdkappid, key: other.secretKey });
      const second = await burst(otherClient, ACCOUNTS, 'account_check', checkBody, 5);
      assert.deepEqual(second, [0, 0, 0, 0, 0]);
    } finally {
      await herald.close();
    }
  });

  it('rateLimit: 3 (global) limits every command of every app to 3/s, overriding app values', async () => {
    const herald = await startTestHerald({
      rateLimit: 3,
      apps: limitedApps({ '*': 5, [`${ACCOUNTS}/account_check`]: 100 }),
    });
    try {
      const creates = await burst(herald.admin, OFFICIAL, 'create_official_account', createBody, 5);
      assert.equal(count(creates, 0), 3, String(creates));
      assert.equal(count(creates, 60007), 2, String(creates));
      const checks = await burst(herald.admin, ACCOUNTS, 'account_check', checkBody, 5);
      assert.equal(count(checks, 0), 3, String(checks));
      assert.equal(count(checks, 60007), 2, String(checks));
    } finally {
      await herald.close();
    }
  });

  it('rateLimit: 0 switches limits off (300 calls in a burst all succeed, despite an app limit)', async () => {
    const herald = await startTestHerald({ rateLimit: 0, apps: limitedApps({ '*': 5 }) });
    try {
      const codes = await burst(herald.admin, ACCOUNTS, 'account_check', checkBody, 300);
      assert.equal(count(codes, 0), 300);
    } finally {
      await herald.close();
    }
  });

  it('with no override, account_check has the documented default of 100/s: the 101st call in a burst → 60007', async () => {
    const herald = await startTestHerald({ rateLimit: null });
    try {
      // Warm up on another command (limit 200/s, so nothing is refused): opens the client's
      // connections and warms Herald, so the real burst arrives well within one window.
      const warm = await burst(
        herald.admin,
        OFFICIAL,
        'get_official_account_info',
        () => ({ OfficialAccountIdList: [{ Official_Account: '@TOA#_x' }] }),
        101,
      );
      assert.equal(count(warm, 0), 101);
      const codes = await burst(herald.admin, ACCOUNTS, 'account_check', checkBody, 101);
      assert.equal(count(codes, 0), 100, `successes in ${String(codes)}`);
      assert.equal(count(codes, 60007), 1);
    } finally {
      await herald.close();
    }
  });
});
