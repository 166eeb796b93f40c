/**
 * UserSig verification (platform.md §3.3–3.5, §3.8): the spec's test vectors through the codec,
 * then through a real Herald over HTTP with a pinned clock, including the verifier's cache.
 */
import { checkAnswer } from './helpers/answers.ts';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deflateSync, inflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Api } from 'tls-sig-api-v2';
import { decodeUserSig, issueUserSig, signatureMatches, signDocument, type SigDocument } from '../src/auth/usersig.ts';
import { ApiError } from '../src/errors.ts';
import { ADMIN, SDKAPPID, SECRET_KEY, startTestHerald, type Envelope, type TestHerald } from './helpers/harness.ts';

// ---- platform.md §3.8 test vectors --------------------------------------------------------

const KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
assert.equal(KEY, SECRET_KEY);

interface Vector {
  sdkappid: number;
  key: string;
  identifier: string;
  time: number;
  expire: number;
  hmacHex: string;
  sig: string;
  userSig: string;
}

const V1: Vector = {
  sdkappid: 1400000000,
  key: KEY,
  identifier: 'xiaojun',
  time: 1700000000,
  expire: 15552000,
  hmacHex: '2ef03b77f230ee04ac9ec92f5730433ce0820dbb8d0b0e061f04c2d1b8a9f81e',
  sig: 'LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=',
  userSig:
    'eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwhWZiflZpXlQqeKU7MSCgswUJStDEwMogMiUZOamKlkZmqOKplYUZBaBxE1NTY3gosWZ6UpWSj5ljuYp*p7l5unBxXnF2WVhVU4uAf7Ozi5JpX7O5SbuHuUhzgZJmQXaTia2SrUAohcx8g__',
};
const V1_PYTHON =
  'eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwhWZiflZpXlQqeKU7MSCgswUJStDEwMogMiUZOamAkXNUUVTKwoyi0DipqamRnDR4sx0oMk*ZY7mKfqe5ebpwcV5xdllYVVOLgH*zs4uSaV*zuUm7h7lIc4GSZkF2k4mtkq1AKIXMfI_';

const V2: Vector = {
  sdkappid: 1400000000,
  key: KEY,
  identifier: 'administrator',
  time: 1700000000,
  expire: 86400,
  hmacHex: 'c8b01efb0ed651e52ea9b57d87f4d7efcbb6d684c68be8bd669d6edcfa6763ad',
  sig: 'yLAe+w7WUeUuqbV9h/TX78u21oTGi+i9Zp1u3PpnY60=',
  userSig:
    'eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwokpuZl5mcUlRYkl*UVQBcUp2YkFBZkpSlaGJgZQAJEpycxNVbIyNEcVTa0oyCxKVbKyMDOBCRVnpitZKVX6OKZql5uHh6aGlhYmhVlm6IdEmFuUGhnmh7hnamdaRhUYlhoHFORFmhnYKtUCAK0SM5I_',
};

const V3: Vector = {
  sdkappid: 20012345,
  key: 'my-test-secret-key',
  identifier: 'user_01',
  time: 1234567890,
  expire: 604800,
  hmacHex: '2a3d0f66a5eef4a6c4a29f25a7a4715918b4c9a143b3c95bc264f96af862547e',
  sig: 'Kj0PZqXu9KbEop8lp6RxWRi0yaFDs8lbwmT5avhiVH4=',
  userSig:
    'eJwtydEKgjAUgOF3OdchxzVtDrqzCOwiTCq6CWWrTmmtTc2I3j1QL--v-0K23nqttiCBeQiTvknpR01n6rlx2p7QH5dT99wYUiAZos*mPBi8pkqD7CGciQgH1Z0hq0GGyAWO5ugCEpIbbo6vQxMlxeJpRGnCtNunhJ98GTtRFu8qC-L2SrsVn8PvD9nAMac_',
};

const V1_EXPIRY = V1.time + V1.expire; // 1715552000
const V2_EXPIRY = V2.time + V2.expire; // 1700086400
const V3_EXPIRY = V3.time + V3.expire; // 1235172690

function expectedDocument(v: Vector): SigDocument {
  return {
    identifier: v.identifier,
    sdkappid: v.sdkappid,
    time: v.time,
    expire: v.expire,
    userbuf: undefined,
    sig: v.sig,
  };
}

/** zlib + base64 with `+/=` → `*-_` (platform.md §3.4), at any zlib level. */
function encodeUserSig(json: string, level?: number): string {
  const compressed =
    level === undefined ? deflateSync(Buffer.from(json, 'utf8')) : deflateSync(Buffer.from(json, 'utf8'), { level });
  return compressed.toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

/** The JSON inside a UserSig, decoded independently of Herald's codec. */
function documentJson(userSig: string): Record<string, unknown> {
  const base64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  return JSON.parse(inflateSync(Buffer.from(base64, 'base64')).toString('utf8')) as Record<string, unknown>;
}

/** Vector 1's document as Tencent's Go library writes it: Go key order, trailing newline. */
function goDocumentJson(v: Vector): string {
  return `{"TLS.ver":"2.0","TLS.identifier":"${v.identifier}","TLS.sdkappid":${v.sdkappid},"TLS.expire":${v.expire},"TLS.time":${v.time},"TLS.sig":"${v.sig}"}\n`;
}

/** HMAC-SHA256 of the exact §3.3 input, computed without Herald's code. */
function hmacBase64(key: string, content: string): string {
  return createHmac('sha256', key).update(content, 'utf8').digest('base64');
}

function isApiError(code: number): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  };
}

// ---- unit level ---------------------------------------------------------------------------

describe('usersig codec: platform.md §3.8 vectors', () => {
  for (const [name, v] of [
    ['vector 1', V1],
    ['vector 2', V2],
    ['vector 3', V3],
  ] as const) {
    it(`${name}: HMAC hex and TLS.sig`, () => {
      const digest = signDocument(v.key, {
        identifier: v.identifier,
        sdkappid: v.sdkappid,
        time: v.time,
        expire: v.expire,
        userbuf: undefined,
      });
      assert.equal(digest.toString('hex'), v.hmacHex);
      assert.equal(digest.toString('base64'), v.sig);
      assert.equal(v.sig.length, 44);
    });

    it(`${name}: the published UserSig decodes to the documented fields and its signature matches`, () => {
      const doc = decodeUserSig(v.userSig);
      assert.deepEqual(doc, expectedDocument(v));
      assert.equal(signatureMatches(v.key, doc), true);
      assert.equal(signatureMatches(`${v.key}x`, doc), false);
    });

    it(`${name}: issueUserSig produces a sig whose document equals the vector's`, () => {
      const issued = issueUserSig(v.key, v.sdkappid, v.identifier, v.expire, v.time);
      assert.match(issued, /^[A-Za-z0-9*_-]+$/);
      assert.deepEqual(decodeUserSig(issued), expectedDocument(v));
      // Node key order, TLS.ver "2.0" (platform.md §3.2).
      assert.deepEqual(Object.keys(documentJson(issued)), [
        'TLS.ver',
        'TLS.identifier',
        'TLS.sdkappid',
        'TLS.time',
        'TLS.expire',
        'TLS.sig',
      ]);
      assert.equal(documentJson(issued)['TLS.ver'], '2.0');
    });
  }

  for (const v of [V1, V2, V3]) {
    it(`the HMAC input is exactly the four "TLS.<field>:<value>\\n" lines (${v.identifier})`, () => {
      const content = `TLS.identifier:${v.identifier}\nTLS.sdkappid:${v.sdkappid}\nTLS.time:${v.time}\nTLS.expire:${v.expire}\n`;
      assert.equal(hmacBase64(v.key, content), v.sig);
      assert.equal(createHmac('sha256', v.key).update(content).digest('hex'), v.hmacHex);
    });
  }

  it('the key string is used as-is, not hex-decoded', () => {
    const hexDecodedKey = Buffer.from(V1.key, 'hex').toString('latin1');
    const digest = signDocument(hexDecodedKey, { ...expectedDocument(V1), userbuf: undefined });
    assert.notEqual(digest.toString('base64'), V1.sig);
  });

  it('vector 1 as compressed by Python zlib decodes to the same document', () => {
    assert.notEqual(V1_PYTHON, V1.userSig);
    assert.deepEqual(decodeUserSig(V1_PYTHON), expectedDocument(V1));
  });

  it('vector 1 re-encoded with zlib level 0, Go key order and a trailing newline decodes to the same document', () => {
    const goSig = encodeUserSig(goDocumentJson(V1), 0);
    assert.ok(goSig.startsWith('eAE'), `level-0 zlib header 78 01, got ${goSig.slice(0, 4)}`);
    assert.deepEqual(decodeUserSig(goSig), expectedDocument(V1));
  });

  it('a UserSig without its base64 padding still decodes', () => {
    assert.ok(V1.userSig.endsWith('__'), "V1.userSig.endsWith('__')");
    assert.deepEqual(decodeUserSig(V1.userSig.replace(/_+$/, '')), expectedDocument(V1));
  });

  it('TLS.userbuf is carried and covered by the HMAC', () => {
    const userbuf = Buffer.from([0, 1, 2, 250, 251]).toString('base64');
    const content = `TLS.identifier:xiaojun\nTLS.sdkappid:1400000000\nTLS.time:1700000000\nTLS.expire:15552000\nTLS.userbuf:${userbuf}\n`;
    const sig = hmacBase64(V1.key, content);
    assert.notEqual(sig, V1.sig);
    const json = JSON.stringify({
      'TLS.ver': '2.0',
      'TLS.identifier': 'xiaojun',
      'TLS.sdkappid': V1.sdkappid,
      'TLS.time': V1.time,
      'TLS.expire': V1.expire,
      'TLS.userbuf': userbuf,
      'TLS.sig': sig,
    });
    const doc = decodeUserSig(encodeUserSig(json));
    assert.equal(doc.userbuf, userbuf);
    assert.equal(signatureMatches(V1.key, doc), true);
    assert.equal(signatureMatches(V1.key, { ...doc, userbuf: undefined }), false);
  });

  const malformed: [string, string][] = [
    ['vector 1 without its last 10 characters', V1.userSig.slice(0, -10)],
    ['characters outside the alphabet', `${V1.userSig.slice(0, 20)}$!.${V1.userSig.slice(23)}`],
    ['plain garbage', 'garbage'],
    [
      'base64 of something that is not zlib',
      Buffer.from('hello world, not zlib').toString('base64').replace(/=/g, '_'),
    ],
    ['zlib of text that is not JSON', encodeUserSig('not json')],
    ['zlib of a JSON array', encodeUserSig('[1,2,3]')],
    ['zlib of JSON null', encodeUserSig('null')],
    [
      'a document without TLS.sig',
      encodeUserSig(
        JSON.stringify({
          'TLS.ver': '2.0',
          'TLS.identifier': 'xiaojun',
          'TLS.sdkappid': 1400000000,
          'TLS.time': 1700000000,
          'TLS.expire': 15552000,
        }),
      ),
    ],
    [
      'a document without TLS.identifier',
      encodeUserSig(
        JSON.stringify({
          'TLS.ver': '2.0',
          'TLS.sdkappid': 1400000000,
          'TLS.time': 1700000000,
          'TLS.expire': 15552000,
          'TLS.sig': V1.sig,
        }),
      ),
    ],
    [
      'a numeric TLS.identifier',
      encodeUserSig(
        JSON.stringify({
          'TLS.ver': '2.0',
          'TLS.identifier': 7,
          'TLS.sdkappid': 1400000000,
          'TLS.time': 1700000000,
          'TLS.expire': 15552000,
          'TLS.sig': V1.sig,
        }),
      ),
    ],
    [
      'a fractional TLS.time',
      encodeUserSig(
        JSON.stringify({
          'TLS.ver': '2.0',
          'TLS.identifier': 'xiaojun',
          'TLS.sdkappid': 1400000000,
          'TLS.time': 1700000000.5,
          'TLS.expire': 15552000,
          'TLS.sig': V1.sig,
        }),
      ),
    ],
    [
      'a negative TLS.expire',
      encodeUserSig(
        JSON.stringify({
          'TLS.ver': '2.0',
          'TLS.identifier': 'xiaojun',
          'TLS.sdkappid': 1400000000,
          'TLS.time': 1700000000,
          'TLS.expire': -1,
          'TLS.sig': V1.sig,
        }),
      ),
    ],
    [
      'a non-numeric string TLS.sdkappid',
      encodeUserSig(
        JSON.stringify({
          'TLS.ver': '2.0',
          'TLS.identifier': 'xiaojun',
          'TLS.sdkappid': '14e8',
          'TLS.time': 1700000000,
          'TLS.expire': 15552000,
          'TLS.sig': V1.sig,
        }),
      ),
    ],
    [
      'a legacy v1 (ECDSA) document',
      encodeUserSig(
        JSON.stringify({
          'TLS.account_type': '0',
          'TLS.identifier': 'xiaojun',
          'TLS.appid_at_3rd': '0',
          'TLS.sdk_appid': '1400000000',
          'TLS.expire_after': '15552000',
          'TLS.version': '201512300000',
          'TLS.time': '1700000000',
          'TLS.sig': 'MEUCIQ==',
        }),
      ),
    ],
  ];
  for (const [name, userSig] of malformed) {
    it(`${name} → 70003`, () => {
      assert.throws(() => decodeUserSig(userSig), isApiError(70003));
    });
  }

  it('numeric strings are tolerated for the integer fields (platform.md §3.5 step 4)', () => {
    const json = JSON.stringify({
      'TLS.ver': '2.0',
      'TLS.identifier': 'xiaojun',
      'TLS.sdkappid': '1400000000',
      'TLS.time': '1700000000',
      'TLS.expire': '15552000',
      'TLS.sig': V1.sig,
    });
    assert.deepEqual(decodeUserSig(encodeUserSig(json)), expectedDocument(V1));
  });
});

// ---- over HTTP ----------------------------------------------------------------------------

interface Caller {
  sdkappid: number | string;
  identifier: string;
  usersig: string;
}

/** account_check for the identifier itself: ErrorCode 0 means the UserSig was accepted. */
async function probe(baseUrl: string, caller: Caller): Promise<Envelope> {
  const query = new URLSearchParams({
    sdkappid: String(caller.sdkappid),
    identifier: caller.identifier,
    usersig: caller.usersig,
    random: '1',
    contenttype: 'json',
  });
  const response = await fetch(`${baseUrl}/v4/im_open_login_svc/account_check?${query}`, {
    method: 'POST',
    body: JSON.stringify({ CheckItem: [{ UserID: caller.identifier }] }),
  });
  assert.equal(response.status, 200);
  const envelope = (await response.json()) as Envelope;
  checkAnswer('im_open_login_svc', 'account_check', envelope);
  assert.equal(typeof envelope.ErrorInfo, 'string');
  assert.equal(envelope.ActionStatus, envelope.ErrorCode === 0 ? 'OK' : 'FAIL');
  return envelope;
}

async function expectCode(baseUrl: string, caller: Caller, code: number): Promise<void> {
  const envelope = await probe(baseUrl, caller);
  assert.equal(envelope.ErrorCode, code, `${caller.sdkappid}/${caller.identifier}: ${JSON.stringify(envelope)}`);
}

const v1Caller = (overrides: Partial<Caller> = {}): Caller => ({
  sdkappid: V1.sdkappid,
  identifier: V1.identifier,
  usersig: V1.userSig,
  ...overrides,
});
const V1_ADMINS = ['administrator', 'xiaojun', 'xiaojun2', 'XiaoJun'];

describe('usersig over HTTP: platform.md §3.8 vectors and negative cases', () => {
  let herald: TestHerald;
  let now = V1.time;
  before(async () => {
    herald = await startTestHerald({
      clock: () => now,
      apps: [
        { sdkappid: 1400000000, secretKey: KEY, admins: V1_ADMINS },
        { sdkappid: 1400000001, secretKey: KEY, admins: V1_ADMINS },
        { sdkappid: V3.sdkappid, secretKey: V3.key, admins: ['administrator', V3.identifier] },
      ],
    });
  });
  after(() => herald.close());

  it('vector 1 (Node and Python encodings) is valid up to and including its expiry second', async () => {
    now = V1.time;
    await expectCode(herald.url, v1Caller(), 0);
    await expectCode(herald.url, v1Caller({ usersig: V1_PYTHON }), 0);
    now = V1_EXPIRY;
    await expectCode(herald.url, v1Caller(), 0);
    await expectCode(herald.url, v1Caller({ usersig: V1_PYTHON }), 0);
  });

  it('vector 1 one second after its expiry → 70001 (cached and uncached)', async () => {
    now = V1.time;
    await expectCode(herald.url, v1Caller(), 0); // now cached
    now = V1_EXPIRY + 1;
    await expectCode(herald.url, v1Caller(), 70001);
    // A distinct string for the same document, never seen by this Herald: the full path.
    await expectCode(herald.url, v1Caller({ usersig: V1.userSig.replace(/_+$/, '') }), 70001);
  });

  it('a TLS.time in the future is not rejected', async () => {
    now = V1.time - 86400 * 365;
    await expectCode(herald.url, v1Caller({ usersig: V1_PYTHON }), 0);
  });

  it('vector 2 (administrator, 1 day): valid at 1700086400, 70001 at 1700086401', async () => {
    const caller: Caller = { sdkappid: V2.sdkappid, identifier: V2.identifier, usersig: V2.userSig };
    now = V2_EXPIRY;
    await expectCode(herald.url, caller, 0);
    now = V2_EXPIRY + 1;
    await expectCode(herald.url, caller, 70001);
    now = V2_EXPIRY;
    await expectCode(herald.url, caller, 0);
  });

  it('vector 3 (sdkappid 20012345, non-hex key): valid at its expiry second, 70001 after', async () => {
    const caller: Caller = { sdkappid: V3.sdkappid, identifier: V3.identifier, usersig: V3.userSig };
    now = V3.time;
    await expectCode(herald.url, caller, 0);
    now = V3_EXPIRY;
    await expectCode(herald.url, caller, 0);
    now = V3_EXPIRY + 1;
    await expectCode(herald.url, caller, 70001);
  });

  it('vector 1 with identifier=xiaojun2 → 70013 (identifiers match exactly, case-sensitively)', async () => {
    now = V1.time;
    await expectCode(herald.url, v1Caller({ identifier: 'xiaojun2' }), 70013);
    await expectCode(herald.url, v1Caller({ identifier: 'XiaoJun' }), 70013);
    await expectCode(herald.url, v1Caller({ identifier: 'xiaojun ' }), 70013);
  });

  it('vector 1 with sdkappid=1400000001 (same key configured) → 70014', async () => {
    now = V1.time;
    await expectCode(herald.url, v1Caller({ sdkappid: 1400000001 }), 70014);
    // Vector 3's sig (20012345) presented to 1400000000.
    await expectCode(herald.url, { sdkappid: 1400000000, identifier: V3.identifier, usersig: V3.userSig }, 70014);
  });

  it('verification order: sdkappid (70014) before identifier (70013) before expiry (70001)', async () => {
    now = V1_EXPIRY + 1;
    await expectCode(herald.url, v1Caller({ sdkappid: 1400000001, identifier: 'xiaojun2' }), 70014);
    await expectCode(herald.url, v1Caller({ identifier: 'xiaojun2' }), 70013);
    await expectCode(herald.url, v1Caller({ usersig: V1_PYTHON }), 70001);
  });

  it('vector 1 with its last 10 characters removed → 70003', async () => {
    now = V1.time;
    await expectCode(herald.url, v1Caller({ usersig: V1.userSig.slice(0, -10) }), 70003);
  });

  for (const [name, usersig] of [
    ['plain garbage', 'garbage'],
    ['characters outside the alphabet', `${V1.userSig.slice(0, 30)}$.!~${V1.userSig.slice(34)}`],
    ['a space inside', `${V1.userSig.slice(0, 30)} ${V1.userSig.slice(30)}`],
    ['valid-alphabet noise', `eJ${'x'.repeat(150)}`],
    ['zlib of a non-JSON text', encodeUserSig('hello')],
    [
      'a legacy v1 document',
      encodeUserSig(
        '{"TLS.sdk_appid":"1400000000","TLS.identifier":"xiaojun","TLS.time":"1700000000","TLS.expire_after":"100","TLS.sig":"x"}',
      ),
    ],
  ] as const) {
    it(`${name} → 70003`, async () => {
      now = V1.time;
      await expectCode(herald.url, v1Caller({ usersig }), 70003);
    });
  }

  it('the zlib-level-0 re-encoding with Go key order and a trailing newline is valid', async () => {
    now = V1.time;
    const goSig = encodeUserSig(goDocumentJson(V1), 0);
    assert.ok(goSig.startsWith('eAE'), "goSig.startsWith('eAE')");
    await expectCode(herald.url, v1Caller({ usersig: goSig }), 0);
  });

  it('numeric-string integer fields with a correct HMAC are valid', async () => {
    now = V1.time;
    const json = JSON.stringify({
      'TLS.ver': '2.0',
      'TLS.identifier': 'xiaojun',
      'TLS.sdkappid': '1400000000',
      'TLS.time': '1700000000',
      'TLS.expire': '15552000',
      'TLS.sig': V1.sig,
    });
    await expectCode(herald.url, v1Caller({ usersig: encodeUserSig(json) }), 0);
  });

  it('a document whose fields were edited but whose TLS.sig was kept → 70009', async () => {
    now = V1.time;
    const forge = (fields: Record<string, unknown>): string =>
      encodeUserSig(JSON.stringify({ ...documentJson(V1.userSig), ...fields }));
    await expectCode(
      herald.url,
      v1Caller({ identifier: 'xiaojun2', usersig: forge({ 'TLS.identifier': 'xiaojun2' }) }),
      70009,
    );
    await expectCode(herald.url, v1Caller({ usersig: forge({ 'TLS.expire': V1.expire * 10 }) }), 70009);
    await expectCode(herald.url, v1Caller({ usersig: forge({ 'TLS.time': V1.time + 1 }) }), 70009);
    await expectCode(
      herald.url,
      v1Caller({ sdkappid: 1400000001, usersig: forge({ 'TLS.sdkappid': 1400000001 }) }),
      70009,
    ); // same key, but sdkappid is signed
    await expectCode(herald.url, v1Caller({ usersig: forge({ 'TLS.userbuf': 'AAAA' }) }), 70009);
    await expectCode(herald.url, v1Caller({ usersig: forge({ 'TLS.sig': V2.sig }) }), 70009);
    await expectCode(
      herald.url,
      v1Caller({ usersig: forge({ 'TLS.sig': 'LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip' }) }),
      70009,
    );
    await expectCode(herald.url, v1Caller({ usersig: forge({ 'TLS.sig': '' }) }), 70009);
  });

  it("a sig for the right identifier issued with another app's key → 70009", async () => {
    now = Math.floor(Date.now() / 1000);
    const foreign = new Api(SDKAPPID, V3.key).genUserSig(ADMIN, 86400);
    await expectCode(herald.url, { sdkappid: SDKAPPID, identifier: ADMIN, usersig: foreign }, 70009);
    const foreign3 = new Api(V3.sdkappid, KEY).genUserSig(V3.identifier, 86400);
    await expectCode(herald.url, { sdkappid: V3.sdkappid, identifier: V3.identifier, usersig: foreign3 }, 70009);
    // While the app's own sig works.
    await expectCode(
      herald.url,
      { sdkappid: SDKAPPID, identifier: ADMIN, usersig: new Api(SDKAPPID, KEY).genUserSig(ADMIN, 86400) },
      0,
    );
  });
});

describe('usersig over HTTP: server key changed', () => {
  it('vector 1 against a server whose key for 1400000000 is another string → 70009 (expiry still checked first)', async () => {
    let now = V1.time;
    const herald = await startTestHerald({
      clock: () => now,
      apps: [{ sdkappid: 1400000000, secretKey: 'any-other-string', admins: V1_ADMINS }],
    });
    try {
      await expectCode(herald.url, v1Caller(), 70009);
      await expectCode(herald.url, v1Caller({ usersig: V1_PYTHON }), 70009);
      now = V1_EXPIRY + 1;
      await expectCode(herald.url, v1Caller(), 70001);
    } finally {
      await herald.close();
    }
  });
});

describe('usersig over HTTP: sigs from tls-sig-api-v2', () => {
  let herald: TestHerald;
  before(async () => {
    herald = await startTestHerald({
      apps: [{ sdkappid: SDKAPPID, secretKey: KEY, admins: ['administrator', 'ops', '管理员'] }],
    });
  });
  after(() => herald.close());

  it('genUserSig sigs verify (default 180 days, short, for several admins)', async () => {
    const api = new Api(SDKAPPID, KEY);
    for (const [identifier, expire] of [
      ['administrator', 15552000],
      ['administrator', 60],
      ['ops', 86400],
      ['管理员', 86400],
    ] as const) {
      await expectCode(herald.url, { sdkappid: SDKAPPID, identifier, usersig: api.genUserSig(identifier, expire) }, 0);
    }
  });

  it('genPrivateMapKey sigs (with TLS.userbuf) verify; the HMAC covers the userbuf line', async () => {
    const api = new Api(SDKAPPID, KEY);
    const key = api.genPrivateMapKey(ADMIN, 86400, 1234, 255);
    const doc = documentJson(key);
    assert.equal(typeof doc['TLS.userbuf'], 'string', 'genPrivateMapKey carries TLS.userbuf');
    await expectCode(herald.url, { sdkappid: SDKAPPID, identifier: ADMIN, usersig: key }, 0);
    await expectCode(
      herald.url,
      { sdkappid: SDKAPPID, identifier: ADMIN, usersig: api.genPrivateMapKey(ADMIN, 86400, 99, 1) },
      0,
    );
    await expectCode(
      herald.url,
      { sdkappid: SDKAPPID, identifier: ADMIN, usersig: api.genSig(ADMIN, 86400, Buffer.from('opaque user buffer')) },
      0,
    );

    // Same document with the userbuf changed or removed: the HMAC no longer matches.
    const otherBuf = Buffer.from(doc['TLS.userbuf'] as string, 'base64');
    otherBuf.writeUInt8(otherBuf.readUInt8(otherBuf.length - 1) ^ 1, otherBuf.length - 1);
    const tampered = encodeUserSig(JSON.stringify({ ...doc, 'TLS.userbuf': otherBuf.toString('base64') }));
    await expectCode(herald.url, { sdkappid: SDKAPPID, identifier: ADMIN, usersig: tampered }, 70009);
    const { 'TLS.userbuf': _dropped, ...withoutUserbuf } = doc;
    await expectCode(
      herald.url,
      { sdkappid: SDKAPPID, identifier: ADMIN, usersig: encodeUserSig(JSON.stringify(withoutUserbuf)) },
      70009,
    );
  });

  it('a genUserSig sig made with another key → 70009; for another user → 70013; for another app → 70014', async () => {
    await expectCode(
      herald.url,
      { sdkappid: SDKAPPID, identifier: ADMIN, usersig: new Api(SDKAPPID, 'not-the-key').genUserSig(ADMIN, 86400) },
      70009,
    );
    await expectCode(
      herald.url,
      { sdkappid: SDKAPPID, identifier: ADMIN, usersig: new Api(SDKAPPID, KEY).genUserSig('ops', 86400) },
      70013,
    );
    await expectCode(
      herald.url,
      { sdkappid: SDKAPPID, identifier: ADMIN, usersig: new Api(1400000009, KEY).genUserSig(ADMIN, 86400) },
      70014,
    );
  });
});

describe('usersig over HTTP: the verification cache does not leak', () => {
  it('a cached sig fails with 70001 once the clock passes its expiry', async () => {
    let now = V2.time;
    const herald = await startTestHerald({ clock: () => now });
    try {
      const caller: Caller = { sdkappid: V2.sdkappid, identifier: V2.identifier, usersig: V2.userSig };
      await expectCode(herald.url, caller, 0);
      await expectCode(herald.url, caller, 0); // served from the cache
      now = V2_EXPIRY + 1;
      await expectCode(herald.url, caller, 70001);
      await expectCode(herald.url, caller, 70001);
    } finally {
      await herald.close();
    }
  });

  it('a cached sig is not reused for another identifier or another app', async () => {
    const now = V1.time;
    const herald = await startTestHerald({
      clock: () => now,
      apps: [
        { sdkappid: 1400000000, secretKey: KEY, admins: V1_ADMINS },
        { sdkappid: 1400000001, secretKey: KEY, admins: V1_ADMINS },
      ],
    });
    try {
      await expectCode(herald.url, v1Caller(), 0);
      await expectCode(herald.url, v1Caller({ identifier: 'xiaojun2' }), 70013);
      await expectCode(herald.url, v1Caller({ sdkappid: 1400000001 }), 70014);
    } finally {
      await herald.close();
    }
  });

  it('after a restart on the same data directory with a new key, the old sig → 70009', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-usersig-'));
    const clock = () => V1.time;
    try {
      const first = await startTestHerald({
        dataDir,
        clock,
        apps: [{ sdkappid: 1400000000, secretKey: KEY, admins: V1_ADMINS }],
      });
      try {
        await expectCode(first.url, v1Caller(), 0);
      } finally {
        await first.close();
      }
      const second = await startTestHerald({
        dataDir,
        clock,
        apps: [{ sdkappid: 1400000000, secretKey: 'rotated-key', admins: V1_ADMINS }],
      });
      try {
        await expectCode(second.url, v1Caller(), 70009);
        assert.equal((await second.store.apps.get(1400000000))?.secretKey, 'rotated-key');
        const fresh = new Api(1400000000, 'rotated-key').genUserSig('xiaojun', 86400);
        await expectCode(second.url, v1Caller({ usersig: fresh }), 0);
      } finally {
        await second.close();
      }
      // Restarting without apps keeps the stored (rotated) key.
      const third = await startTestHerald({ dataDir, clock, apps: [] });
      try {
        await expectCode(third.url, v1Caller(), 70009);
      } finally {
        await third.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("a sig cached in a running Herald fails with 70009 once the app's key is changed in the store", async () => {
    const now = V1.time;
    const herald = await startTestHerald({
      clock: () => now,
      apps: [{ sdkappid: 1400000000, secretKey: KEY, admins: V1_ADMINS }],
    });
    try {
      await expectCode(herald.url, v1Caller(), 0); // verified and cached
      const app = herald.apps[0];
      assert.ok(app !== undefined, 'app !== undefined');
      await herald.store.apps.put({ ...app, secretKey: 'rotated-in-place' });
      // The app registry re-reads an app at most every 2 s (src/auth/apps.ts).
      await sleep(2100);
      await expectCode(herald.url, v1Caller(), 70009);
      const fresh = new Api(1400000000, 'rotated-in-place').genUserSig('xiaojun', 86400);
      await expectCode(herald.url, v1Caller({ usersig: fresh }), 0);
    } finally {
      await herald.close();
    }
  });
});
