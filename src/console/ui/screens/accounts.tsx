/** The app's accounts: search, pages, import, delete. */
import { useState } from 'preact/hooks';
import { admin, CallError, login } from '../api.ts';
import { useConfirm } from '../components/confirm.tsx';
import { Done, ErrorText, Loading } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import { SearchForm } from '../components/search-form.tsx';
import { Screen } from '../components/screen.tsx';
import { formatTime } from '../format.ts';
import { useAction, useCursor, useLoad } from '../hooks.ts';
import type { AccountRow } from '../types.ts';
import { AccountImport } from './account-import.tsx';

const PAGE = 50;

export function AccountsScreen() {
  const [search, setSearch] = useState('');
  const cursor = useCursor();
  const list = useLoad(
    () =>
      admin<{ Accounts: AccountRow[]; Next: string }>('list_accounts', {
        Limit: PAGE,
        ...(search !== '' && { Search: search }),
        ...(cursor.current !== '' && { Next: cursor.current }),
      }),
    [search, cursor.current],
  );
  const removal = useAction();
  const { ask, dialog } = useConfirm();

  const remove = async (userId: string) => {
    const ok = await ask({
      title: `Delete account ${userId}?`,
      message: <p>Its subscriptions go with it, and its devices are signed out. This cannot be undone.</p>,
      confirm: 'Delete account',
    });
    if (!ok) return;
    await removal.run(async () => {
      const answer = await login<{ ResultItem: { ResultCode: number; ResultInfo: string; UserID: string }[] }>(
        'account_delete',
        { DeleteItem: [{ UserID: userId }] },
      );
      const result = answer.ResultItem[0];
      if (result && result.ResultCode !== 0) throw new CallError(result.ResultCode, result.ResultInfo);
      list.reload();
      return `Deleted ${userId}`;
    });
  };

  const rows = list.data?.Accounts ?? [];
  return (
    <Screen title="Accounts">
      <AccountImport
        onImported={() => {
          cursor.reset();
          list.reload();
        }}
      />
      <section class="panel" aria-labelledby="accounts-list-title">
        <h2 id="accounts-list-title">All accounts</h2>
        <SearchForm
          label="Search accounts"
          hint="UserID or nick"
          onSearch={(text) => {
            cursor.reset();
            setSearch(text);
          }}
        />
        <ErrorText text={list.error || removal.error} />
        <Done>{removal.done}</Done>
        {list.loading && !list.data && <Loading what="accounts" />}
        {list.data && rows.length === 0 && <p>{search ? `No account matches “${search}”.` : 'No accounts yet.'}</p>}
        {rows.length > 0 && (
          <table class="list" data-testid="accounts-table" aria-busy={list.loading}>
            <caption class="visually-hidden">Accounts, page {cursor.page}</caption>
            <thead>
              <tr>
                <th scope="col">UserID</th>
                <th scope="col">Nick</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.UserID}>
                  <th scope="row" data-label="UserID" class="mono">
                    {a.UserID}
                  </th>
                  <td data-label="Nick">{a.Nick || '—'}</td>
                  <td data-label="Created">{formatTime(a.CreateTime)}</td>
                  <td class="row-actions">
                    <button
                      type="button"
                      class="danger small"
                      aria-label={`Delete ${a.UserID}`}
                      onClick={() => void remove(a.UserID)}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager cursor={cursor} next={list.data?.Next ?? ''} label="Accounts" />
      </section>
      {dialog}
    </Screen>
  );
}
