/**
 * The web console's HTTP side, spoken to as a browser would: the page and its assets, sign-in with
 * the secret key or an admin UserSig (and every way it is refused), the session cookie's flags,
 * CSRF and cross-site protection, commands run through the same checks as REST, UserSigs for the
 * Live view, sign-out, HERALD_CONSOLE=off, and no sign-in on a network address without TLS.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Api } from 'tls-sig-api-v2';
import { assertFail, assertOk } from './helpers/assertions.ts';
import { ensureBundles } from './helpers/cli.ts';
import {
  ADMIN,
  Client,
  type Envelope,
  importAccounts,
  SDKAPPID,
  SECRET_KEY,
  startTestHerald,
  stores,
  type TestHerald,
} from './helpers/harness.ts';

const CALL = '/console/api/call';
const OFFICIAL = 'official_account_open_http_svc';

interface Session {
  signedIn: boolean;
  sdkappid: number;
  admin: string;
  csrf: string;
}

/** A browser's view of the console: the cookie jar (one cookie) and the CSRF token it was given. */
class Browser {
  cookie = '';
  csrf = '';

  constructor(readonly base: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(this.cookie !== '' && { cookie: this.cookie }),
        ...(method !== 'GET' && this.csrf !== '' && { 'x-herald-csrf': this.csrf }),
        ...headers,
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie !== null) this.cookie = setCookie.split(';')[0]?.endsWith('=') ? '' : (setCookie.split(';')[0] ?? '');
    return response;
  }

  async signIn(secret: string): Promise<Response> {
    const response = await this.request('POST', '/console/api/session', { secret });
    if (response.ok) this.csrf = ((await response.clone().json()) as Session).csrf;
    return response;
  }

  async call(service: string, command: string, body: unknown = {}): Promise<Envelope> {
    const response = await this.request('POST', `${CALL}/${service}/${command}`, body);
    assert.equal(
      response.status,
      200,
      `${service}/${command}: HTTP ${response.status} ${await response.clone().text()}`,
    );
    return (await response.json()) as Envelope;
  }
}

async function jsonOf(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

for (const store of stores()) {
  describe(`web console API [${store}]`, () => {
    let herald: TestHerald;
    let logs = '';
    let n = 0;

    before(async () => {
      ensureBundles();
      herald = await startTestHerald({
        logLevel: 'info',
        logStream: new Writable({
          write(chunk, _encoding, done) {
            logs += String(chunk);
            done();
          },
        }),
      });
      await importAccounts(herald.admin, ['viewer', 'reader']);
    });
    after(() => herald?.close());

    const signedIn = async () => {
      const browser = new Browser(herald.url);
      assert.equal((await browser.signIn(SECRET_KEY)).status, 200);
      return browser;
    };

    it('serves the page with a CSP that allows only this origin, and the bundled script and stylesheet', async () => {
      const page = await fetch(`${herald.url}/console`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      const csp = page.headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"])
        assert.ok(csp.includes(directive), `${directive} in ${csp}`);
      const html = await page.text();
      assert.doesNotMatch(html, /<script>|https?:\/\//, 'no inline script, nothing from another origin');
      const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
      assert.deepEqual(assets.map((a) => a.replace(/\?.*/, '')).sort(), [
        '/console/assets/app.css',
        '/console/assets/app.js',
      ]);
      for (const asset of assets) {
        const res = await fetch(`${herald.url}${asset}`);
        assert.equal(res.status, 200, asset);
        assert.match(res.headers.get('content-type') ?? '', asset.includes('.js') ? /^text\/javascript/ : /^text\/css/);
        assert.ok((await res.arrayBuffer()).byteLength > 1000, `${asset} has content`);
      }
      assert.equal((await fetch(`${herald.url}/console/assets/..%2F..%2Fpackage.json`)).status, 404);
      assert.equal((await fetch(`${herald.url}/console/assets/other.js`)).status, 404);
    });

    it('signs in with the secret key: an HttpOnly, SameSite=Strict cookie scoped to /console; the key never comes back', async () => {
      const browser = new Browser(herald.url);
      const first = await jsonOf(await browser.request('GET', '/console/api/session'));
      assert.equal(first.signedIn, false);
      const response = await browser.signIn(SECRET_KEY);
      assert.equal(response.status, 200);
      const cookie = response.headers.get('set-cookie') ?? '';
      assert.match(cookie, /^herald_console=[^;]+; /);
      for (const flag of ['HttpOnly', 'SameSite=Strict', 'Path=/console', 'Max-Age=43200'])
        assert.ok(cookie.includes(flag), `${flag} in ${cookie}`);
      assert.ok(!cookie.includes('Secure'), 'no Secure flag over plain HTTP on loopback');
      const text = await response.text();
      assert.ok(!text.includes(SECRET_KEY) && !cookie.includes(SECRET_KEY), 'the key is not sent back');
      const session = JSON.parse(text) as Session;
      assert.deepEqual(
        { ...session, csrf: '', expiresAt: 0 },
        {
          signedIn: true,
          sdkappid: SDKAPPID,
          admin: ADMIN,
          csrf: '',
          expiresAt: 0,
          apps: [SDKAPPID],
        },
      );
      assert.match(session.csrf, /^[A-Za-z0-9_-]{43}$/);
      const again = await jsonOf(await browser.request('GET', '/console/api/session'));
      assert.equal(again.signedIn, true);
      assert.equal(again.csrf, session.csrf);
      assert.ok(!logs.includes(SECRET_KEY), 'the key is never logged');
    });

    it('signs in with an admin UserSig from Tencent’s generator; refuses a user’s, an expired one and a wrong key', async () => {
      const adminSig = new Api(SDKAPPID, SECRET_KEY).genUserSig(ADMIN, 600);
      const byUserSig = new Browser(herald.url);
      assert.equal((await byUserSig.signIn(adminSig)).status, 200);
      assertOk(await byUserSig.call('herald_admin', 'get_app_overview'));

      const refused = [
        new Api(SDKAPPID, SECRET_KEY).genUserSig('viewer', 600),
        new Api(SDKAPPID, SECRET_KEY).genUserSig(ADMIN, -10),
        new Api(SDKAPPID, 'f'.repeat(64)).genUserSig(ADMIN, 600),
        'f'.repeat(64),
        `${SECRET_KEY}0`,
      ];
      for (const secret of refused) {
        const browser = new Browser(herald.url);
        const response = await browser.signIn(secret);
        assert.equal(response.status, 401, secret.slice(0, 12));
        assert.equal(response.headers.get('set-cookie'), null);
        assert.match(String((await jsonOf(response)).error), /neither the secret key nor an admin UserSig/);
      }
      for (const body of ['{}', '{"secret":5}', 'not json', '[]', JSON.stringify({ secret: 'x'.repeat(5000) })]) {
        const response = await new Browser(herald.url).request('POST', '/console/api/session', body);
        assert.equal(response.status, 400, body.slice(0, 20));
      }
    });

    it('refuses commands without a session, without the CSRF header, with a wrong one, or from another site; nothing changes', async () => {
      const browser = await signedIn();
      const create = (id: string) => ({ Owner_Account: ADMIN, OfficialAccountUserID: id, Name: 'Refused' });
      const attempts: [string, Browser, Record<string, string>, number][] = [
        ['no session', new Browser(herald.url), {}, 401],
        ['no CSRF header', Object.assign(new Browser(herald.url), { cookie: browser.cookie }), {}, 403],
        ['a wrong CSRF header', browser, { 'x-herald-csrf': 'A'.repeat(43) }, 403],
        ['another site', browser, { origin: 'http://attacker.example' }, 403],
        [
          'a forged cookie',
          Object.assign(new Browser(herald.url), { cookie: `${browser.cookie}x`, csrf: browser.csrf }),
          {},
          401,
        ],
      ];
      for (const [what, who, headers, status] of attempts) {
        n++;
        const response = await who.request(
          'POST',
          `${CALL}/${OFFICIAL}/create_official_account`,
          create(`@TOA#_no${n}`),
          headers,
        );
        assert.equal(response.status, status, what);
        const info = assertOk(
          await herald.admin.official('get_official_account_info', {
            OfficialAccountIdList: [{ Official_Account: `@TOA#_no${n}` }],
          }),
        );
        assert.notEqual((info.OfficialAccountInfoList as Envelope[])[0]?.ErrorCode, 0, `${what}: nothing was created`);
      }
      // A GET changes nothing and needs no CSRF header; commands are never run by GET.
      assert.equal((await browser.request('GET', `${CALL}/${OFFICIAL}/create_official_account`)).status, 404);
    });

    it('runs commands through the REST pipeline: same answers, same errors, same rules', async () => {
      const browser = await signedIn();
      assertOk(
        await browser.call(OFFICIAL, 'create_official_account', {
          Owner_Account: ADMIN,
          OfficialAccountUserID: '@TOA#_console',
          Name: 'Console',
        }),
      );
      const viaRest = assertOk(
        await herald.admin.official('get_official_account_info', {
          OfficialAccountIdList: [{ Official_Account: '@TOA#_console' }],
        }),
      );
      const viaConsole = assertOk(
        await browser.call(OFFICIAL, 'get_official_account_info', {
          OfficialAccountIdList: [{ Official_Account: '@TOA#_console' }],
        }),
      );
      assert.deepEqual(viaConsole, viaRest);
      // The same bad bodies meet the same refusals as over REST.
      for (const [command, body] of [
        ['create_official_account', { Owner_Account: ADMIN, Name: '' }],
        ['create_official_account', { Owner_Account: 'nobody_here', Name: 'X' }],
        ['add_subscriber', { Official_Account: '@TOA#_console', SubscriberList: [] }],
        ['send_official_account_msg', { Official_Account: '@TOA#_missing', Random: 1, MsgBody: [] }],
        ['no_such_command', {}],
      ] as const) {
        const rest = await herald.admin.official(command, body);
        const console = await browser.call(OFFICIAL, command, body);
        assert.notEqual(rest.ErrorCode, 0, command);
        assert.deepEqual(console, rest, `${command} ${JSON.stringify(body)}`);
      }
      const unparseable = await browser.call(OFFICIAL, 'create_official_account', '{not json');
      assert.deepEqual(unparseable, await herald.admin.official('create_official_account', '{not json'));
      const log = logs
        .split('\n')
        .find((line) => line.includes('"command":"create_official_account"') && line.includes('"console":true'));
      assert.ok(log, 'console calls write the access-log line REST calls write, marked console');
    });

    it('issues a short-lived UserSig for one of the app’s users, valid for that user only', async () => {
      const browser = await signedIn();
      const response = await browser.request('POST', '/console/api/usersig', { UserID: 'viewer' });
      const answer = (await response.json()) as Envelope & { UserSig: string; UserID: string };
      assertOk(answer);
      assert.equal(answer.UserID, 'viewer');
      // A REST call signed with it is authenticated as viewer (then refused: viewer is no admin).
      const asViewer = Object.assign(Object.create(Client.prototype) as Client, {
        baseUrl: herald.url,
        sdkappid: SDKAPPID,
        identifier: 'viewer',
        userSig: answer.UserSig,
      });
      const refused = await asViewer.official('get_official_account_info', {
        OfficialAccountIdList: [{ Official_Account: '@TOA#_console' }],
      });
      assertFail(refused, 60010, { info: 'admin' });
      const bad = (await (await browser.request('POST', '/console/api/usersig', { UserID: '' })).json()) as Envelope;
      assertFail(bad, 70402);
      const noCsrf = await new Browser(herald.url).request('POST', '/console/api/usersig', { UserID: 'viewer' });
      assert.equal(noCsrf.status, 401);
    });

    it('signs out: the cookie is cleared and the browser is signed out', async () => {
      const browser = await signedIn();
      const response = await browser.request('DELETE', '/console/api/session');
      assert.equal(response.status, 200);
      assert.match(response.headers.get('set-cookie') ?? '', /^herald_console=; .*Max-Age=0/);
      assert.equal(browser.cookie, '');
      assert.equal((await jsonOf(await browser.request('GET', '/console/api/session'))).signedIn, false);
      assert.equal((await browser.request('POST', `${CALL}/herald_admin/get_app_overview`, {})).status, 401);
    });

    it('answers a JSON 404 for an unknown console endpoint', async () => {
      const response = await fetch(`${herald.url}/console/api/nothing`);
      assert.equal(response.status, 404);
      assert.match(String((await jsonOf(response)).error), /No such console endpoint/);
    });
  });

  describe(`web console switched off or unsafe [${store}]`, () => {
    it('HERALD_CONSOLE=off: /console and its API answer like any unknown path', async () => {
      const herald = await startTestHerald({ console: false });
      try {
        const unknown = await (await fetch(`${herald.url}/no_such_path`)).json();
        for (const path of ['/console', '/console/assets/app.js', '/console/api/session']) {
          const response = await fetch(`${herald.url}${path}`);
          assert.deepEqual(await response.json(), unknown, path);
        }
        assertOk(await herald.admin.call('herald_admin', 'get_app_overview'));
      } finally {
        await herald.close();
      }
    });

    it('on a network address without TLS the page loads, but sign-in is refused and says why', async () => {
      const herald = await startTestHerald({ host: '0.0.0.0' });
      try {
        const url = herald.url.replace('0.0.0.0', '127.0.0.1');
        assert.equal((await fetch(`${url}/console`)).status, 200);
        const session = await jsonOf(await fetch(`${url}/console/api/session`));
        assert.equal(session.signedIn, false);
        assert.equal(session.insecure, true);
        assert.match(String(session.reason), /needs HTTPS .*HERALD_TLS_CERT/);
        const browser = new Browser(url);
        const response = await browser.signIn(SECRET_KEY);
        assert.equal(response.status, 403);
        assert.equal(response.headers.get('set-cookie'), null);
      } finally {
        await herald.close();
      }
    });
  });
}
