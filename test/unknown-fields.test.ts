/**
 * Body fields a command does not know. Tencent ignores them; Herald does too, but names them so a
 * misspelt field does not pass unnoticed: in a response header and a warn log line by default,
 * as a refusal with HERALD_UNKNOWN_FIELDS=reject (naming the field it may have meant), and not at
 * all with ignore.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { UnknownFieldPolicy } from '../src/config.ts';
import { assertFail, assertOk } from './helpers/assertions.ts';
import { importAccounts, startTestHerald, stores, type TestHerald } from './helpers/harness.ts';
import { countOfficialAccounts } from './helpers/store-checks.ts';

for (const store of stores()) {
  describe(`unknown body fields [${store}]`, () => {
    const started: TestHerald[] = [];
    const logs = new Map<TestHerald, string[]>();
    const start = async (unknownFields?: UnknownFieldPolicy) => {
      const logStream = new PassThrough();
      const lines: string[] = [];
      logStream.setEncoding('utf8').on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
      const herald = await startTestHerald({ logLevel: 'info', logStream, ...(unknownFields && { unknownFields }) });
      started.push(herald);
      logs.set(herald, lines);
      await importAccounts(herald.admin, ['owner']);
      return herald;
    };
    const post = async (herald: TestHerald, body: unknown) => {
      const response = await fetch(herald.admin.url('official_account_open_http_svc', 'create_official_account'), {
        method: 'POST',
        body: JSON.stringify(body),
      });
      return { header: response.headers.get('x-herald-unknown-fields'), envelope: await response.json() };
    };
    after(async () => {
      for (const herald of started) await herald.close();
    });

    it("by default the answer is Tencent's, and the header and the log line name the fields", async () => {
      const herald = await start();
      const { header, envelope } = await post(herald, {
        Owner_Account: 'owner',
        Name: 'News',
        Official_Account: '@TOA#_news',
        Extra: 1,
      });
      assertOk(envelope);
      assert.match(envelope.OfficialAccountUserID, /^@TOA#_@TOA#/, 'the misspelt ID was ignored, as Tencent would');
      assert.equal(header, 'Official_Account, Extra');
      const line = logs
        .get(herald)!
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'call with unknown fields');
      assert.deepEqual(line?.unknownFields, ['Official_Account', 'Extra']);
      assert.equal(line?.level, 40);
      // Any name fits in the header: what is not printable ASCII is percent-encoded.
      assert.equal((await post(herald, { Owner_Account: 'owner', Name: 'N2', 'Ā,': 1 })).header, '%C4%80%2C');
      // Known fields only: no header. Nested objects are checked too; a record (MsgContent) is not.
      assert.equal((await post(herald, { Owner_Account: 'owner', Name: 'Clean' })).header, null);
      const id = (await post(herald, { Owner_Account: 'owner', Name: 'N', OfficialAccountUserID: '@TOA#_n' })).envelope
        .OfficialAccountUserID as string;
      const added = await fetch(herald.admin.url('official_account_open_http_svc', 'add_subscriber'), {
        method: 'POST',
        body: JSON.stringify({
          Official_Account: id,
          SubscriberList: [{ Subscriber_Account: 'owner', Subscriber: 'x' }],
        }),
      });
      assert.equal(added.headers.get('x-herald-unknown-fields'), 'SubscriberList[0].Subscriber');
      const sent = await fetch(herald.admin.url('official_account_open_http_svc', 'send_official_account_msg'), {
        method: 'POST',
        body: JSON.stringify({
          Official_Account: id,
          Random: 1,
          MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi', AnyKey: 1 } }],
        }),
      });
      assert.equal(sent.headers.get('x-herald-unknown-fields'), null);
    });

    it('with reject, an unknown field is refused with the field it may have meant, and nothing changes', async () => {
      const herald = await start('reject');
      const { envelope } = await post(herald, { Owner_Account: 'owner', Name: 'News', Official_Account: '@TOA#_news' });
      assertFail(envelope, 6017, {
        exactInfo: 'Official_Account is not a field of create_official_account (did you mean OfficialAccountUserID?)',
      });
      assert.equal(await countOfficialAccounts(herald.store, herald.apps[0]!.sdkappid), 0);
      const account = await herald.admin.account('account_import', { UserID: 'u1', Nickname: 'x' });
      assertFail(account, 70402, { exactInfo: 'Nickname is not a field of account_import (did you mean Nick?)' });
      assertOk(await herald.admin.official('create_official_account', { Owner_Account: 'owner', Name: 'Fine' }));
    });

    it('with ignore, nothing is said', async () => {
      const herald = await start('ignore');
      const { header, envelope } = await post(herald, { Owner_Account: 'owner', Name: 'News', Official_Account: 'x' });
      assertOk(envelope);
      assert.equal(header, null);
      assert.equal(
        logs.get(herald)!.some((l) => l.includes('unknown fields')),
        false,
      );
    });
  });
}
