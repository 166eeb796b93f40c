/**
 * Reads of a Herald's store that only tests make ("nothing changed", "exactly N exist"), through
 * its bulk-transfer surface: every row as stored, whatever the API says.
 */
import type { Store } from '../../src/store/store.ts';

/** The app's official accounts, counted row by row (not from the counter creates keep). */
export async function countOfficialAccounts(store: Store, sdkappid: number): Promise<number> {
  let n = 0;
  for await (const row of store.transfer.exportRows('official_accounts')) {
    if (Number(row.sdkappid) === sdkappid) n++;
  }
  return n;
}
