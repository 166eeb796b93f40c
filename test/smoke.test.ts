import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestHerald, stores, type TestHerald } from './helpers/harness.ts';

for (const store of stores()) {
  describe(`smoke [${store}]`, () => {
    let herald: TestHerald;
    before(async () => {
      herald = await startTestHerald();
    });
    after(() => herald.close());

    it('creates an official account owned by the admin and reads it back', async () => {
      const created = await herald.admin.official('create_official_account', {
        Owner_Account: 'administrator',
        Name: 'News',
      });
      assert.equal(created.ErrorCode, 0, created.ErrorInfo);
      const id = created.OfficialAccountUserID as string;
      assert.match(id, /^@TOA#_@TOA#/);
      const info = await herald.admin.official('get_official_account_info', {
        OfficialAccountIdList: [{ Official_Account: id }],
      });
      assert.equal(info.ErrorCode, 0);
      const [item] = info.OfficialAccountInfoList as Record<string, unknown>[];
      assert.equal(item?.Name, 'News');
      assert.equal(item?.Owner_Account, 'administrator');
      assert.equal(item?.SubscriberNum, 0);
    });
  });
}
