/**
 * Security: apps are isolated from each other, UserSigs are bound to their app, repeated failed
 * verifications are slowed down (70050), and slow or stalled clients are cut off.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Api } from 'tls-sig-api-v2';
import {
  ADMIN,
  Client,
  importAccounts,
  SDKAPPID,
  SECRET_KEY,
  startTestHerald,
  stores,
  type Envelope,
  type TestHerald,
} from './helpers/harness.ts';

const OTHER_SDKAPPID = 1400000777;
const OTHER_KEY = 'another-app-secret-key-0123456789abcdef';

/** POST through node:http from a chosen loopback address (a different "caller"). */
function postFrom(localAddress: string, url: string, body: unknown): Promise<Envelope> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', localAddress }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(JSON.parse(text) as Envelope));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

for (const store of stores()) {
  describe(`app isolation and UserSig binding [${store}]`, () => {
    let herald: TestHerald;
    let other: Client;
    before(async () => {
      herald = await startTestHerald({
        apps: [
          { sdkappid: SDKAPPID, secretKey: SECRET_KEY, admins: [ADMIN] },
          { sdkappid: OTHER_SDKAPPID, secretKey: OTHER_KEY, admins: [ADMIN] },
        ],
      });
      other = new Client(herald.url, { sdkappid: OTHER_SDKAPPID, key: OTHER_KEY });
      await importAccounts(herald.admin, ['alice']);
      await importAccounts(other, ['bob']);
    });
    after(() => herald.close());

    it("an admin of one app never sees or changes another app's data, even with the same IDs", async () => {
      const mine = await herald.admin.official('create_official_account', {
        Owner_Account: 'alice',
        Name: 'mine',
        OfficialAccountUserID: '@TOA#_same',
      });
      assert.equal(mine.ErrorCode, 0);
      // The same custom ID is free in the other app: IDs are per app.
      assert.equal(
        (
          await other.official('create_official_account', {
            Owner_Account: 'bob',
            Name: 'theirs',
            OfficialAccountUserID: '@TOA#_same',
          })
        ).ErrorCode,
        0,
      );
      const seen = await other.official('get_official_account_info', {
        OfficialAccountIdList: [{ Official_Account: '@TOA#_same' }],
      });
      assert.equal((seen.OfficialAccountInfoList as { Name: string }[])[0]?.Name, 'theirs');
      // Users are per app too: alice is not an account of the other app.
      const check = await other.account('account_check', { CheckItem: [{ UserID: 'alice' }] });
      assert.equal((check.ResultItem as { AccountStatus: string }[])[0]?.AccountStatus, 'NotImported');
      assert.deepEqual(
        (
          (
            await other.official('add_subscriber', {
              Official_Account: '@TOA#_same',
              SubscriberList: [{ Subscriber_Account: 'alice' }],
            })
          ).SubscriberList as { Result: number }[]
        ).map((r) => r.Result),
        [0],
      );
      // Destroying in one app leaves the other's account alone.
      assert.equal((await other.official('destroy_official_account', { Official_Account: '@TOA#_same' })).ErrorCode, 0);
      const still = await herald.admin.official('get_official_account_info', {
        OfficialAccountIdList: [{ Official_Account: '@TOA#_same' }],
      });
      assert.equal((still.OfficialAccountInfoList as { Name: string; ErrorCode: number }[])[0]?.Name, 'mine');
    });

    it('a UserSig of one app is refused by another (replay across apps), whichever key the caller claims', async () => {
      const sigOfA = new Api(SDKAPPID, SECRET_KEY).genUserSig(ADMIN, 3600);
      // Replayed with the other app's SDKAppID: bound to its own app.
      const replayed = await new Client(herald.url, { sdkappid: OTHER_SDKAPPID }).call(
        'im_open_login_svc',
        'account_check',
        { CheckItem: [{ UserID: 'bob' }] },
        { usersig: sigOfA },
      );
      assert.equal(replayed.ErrorCode, 70014);
      // A document claiming the other app but signed with this app's key: wrong key.
      const forged = new Api(OTHER_SDKAPPID, SECRET_KEY).genUserSig(ADMIN, 3600);
      const res = await other.call(
        'im_open_login_svc',
        'account_check',
        { CheckItem: [{ UserID: 'bob' }] },
        { usersig: forged },
      );
      assert.equal(res.ErrorCode, 70009);
    });
  });

  describe(`repeated failed verifications are slowed down (70050) [${store}]`, () => {
    let herald: TestHerald;
    before(async () => {
      herald = await startTestHerald({ authFailureLimit: 5 });
    });
    after(() => herald.close());

    it('after 5 failures in a minute a caller gets 70050, even with a good sig; other callers and apps are not affected', async () => {
      const bad = new Client(herald.url, { key: 'wrong-key' });
      const good = herald.admin;
      const body = { CheckItem: [{ UserID: ADMIN }] };
      const codes: number[] = [];
      for (let i = 0; i < 7; i++)
        codes.push((await postFrom('127.0.0.3', bad.url('im_open_login_svc', 'account_check'), body)).ErrorCode);
      assert.deepEqual(codes, [70009, 70009, 70009, 70009, 70009, 70009, 70050]);
      // The blocked caller is refused before its sig is looked at.
      assert.equal(
        (await postFrom('127.0.0.3', good.url('im_open_login_svc', 'account_check'), body)).ErrorCode,
        70050,
      );
      // Another caller (another source address) is served.
      assert.equal((await postFrom('127.0.0.4', good.url('im_open_login_svc', 'account_check'), body)).ErrorCode, 0);
      // Successes never count: many good calls from a fresh address stay fine.
      for (let i = 0; i < 10; i++)
        assert.equal((await postFrom('127.0.0.5', good.url('im_open_login_svc', 'account_check'), body)).ErrorCode, 0);
    });
  });

  describe(`slow and stalled clients are cut off [${store}]`, () => {
    let herald: TestHerald;
    before(async () => {
      herald = await startTestHerald({ requestTimeoutMs: 600 });
    });
    after(() => herald.close());

    /** Sends `chunks` of a request over a raw socket, then waits for the server to close it. */
    function closedAfter(chunks: string[]): Promise<{ ms: number; answer: string }> {
      const { port } = new URL(herald.url);
      return new Promise((resolve, reject) => {
        const started = Date.now();
        let answer = '';
        const socket = connect(Number(port), '127.0.0.1', () => {
          for (const c of chunks) socket.write(c);
        });
        socket.on('data', (d: Buffer) => (answer += d.toString()));
        socket.on('close', () => resolve({ ms: Date.now() - started, answer }));
        socket.on('error', () => {});
        setTimeout(() => reject(new Error('the server kept a stalled connection open')), 10_000).unref();
      });
    }

    it('a request whose headers never finish is closed', async () => {
      const { ms } = await closedAfter(['POST /v4/im_open_login_svc/account_check?sdkappid=1 HTTP/1.1\r\nHost: x\r\n']);
      assert.ok(ms < 5000, `closed after ${ms} ms`);
    });

    it('a request whose body never finishes is closed', async () => {
      const { ms } = await closedAfter([
        'POST /v4/im_open_login_svc/account_check?sdkappid=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"Check',
      ]);
      assert.ok(ms < 5000, `closed after ${ms} ms`);
    });

    it('the server keeps answering everyone else meanwhile', async () => {
      const stalled = closedAfter(['POST /v4/x/y HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{']);
      const res = await herald.admin.account('account_check', { CheckItem: [{ UserID: ADMIN }] });
      assert.equal(res.ErrorCode, 0);
      await stalled;
    });
  });
}
