/** The landing view: the app's official accounts by name, with search, pages and creation. */
import { useState } from 'preact/hooks';
import { admin } from '../api.ts';
import { ErrorText, Loading } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import { SearchForm } from '../components/search-form.tsx';
import { Screen } from '../components/screen.tsx';
import { formatTime } from '../format.ts';
import { useCursor, useLoad } from '../hooks.ts';
import { href, navigate } from '../router.ts';
import type { OfficialAccountRow } from '../types.ts';
import { EMPTY_PROFILE, OfficialAccountForm } from './official-account-form.tsx';

const PAGE = 50;

export function OfficialAccountsScreen() {
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const cursor = useCursor();
  const list = useLoad(
    () =>
      admin<{ OfficialAccounts: OfficialAccountRow[]; Next: string }>('list_official_accounts', {
        Limit: PAGE,
        ...(search !== '' && { Search: search }),
        ...(cursor.current !== '' && { Next: cursor.current }),
      }),
    [search, cursor.current],
  );
  const rows = list.data?.OfficialAccounts ?? [];

  return (
    <Screen
      title="Official accounts"
      actions={
        !creating && (
          <button type="button" onClick={() => setCreating(true)}>
            New official account
          </button>
        )
      }
    >
      {creating && (
        <OfficialAccountForm
          initial={EMPTY_PROFILE}
          onSaved={(id) => navigate({ name: 'official-account', id })}
          onCancel={() => setCreating(false)}
        />
      )}
      <section class="panel" aria-labelledby="oa-list-title">
        <h2 id="oa-list-title" class="visually-hidden">
          All official accounts
        </h2>
        <SearchForm
          label="Search official accounts"
          hint="Name or ID"
          onSearch={(text) => {
            cursor.reset();
            setSearch(text);
          }}
        />
        <ErrorText text={list.error} />
        {list.loading && !list.data && <Loading what="official accounts" />}
        {list.data && rows.length === 0 && (
          <p>{search ? `No official account matches “${search}”.` : 'No official accounts yet: create the first.'}</p>
        )}
        {rows.length > 0 && (
          <table class="list" data-testid="official-accounts-table" aria-busy={list.loading}>
            <caption class="visually-hidden">Official accounts, page {cursor.page}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">ID</th>
                <th scope="col">Owner</th>
                <th scope="col">Subscribers</th>
                <th scope="col">Created</th>
                <th scope="col">Last message</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.Official_Account}>
                  <th scope="row" data-label="Name">
                    <a href={href({ name: 'official-account', id: a.Official_Account })}>{a.Name}</a>
                  </th>
                  <td data-label="ID" class="mono">
                    {a.Official_Account}
                  </td>
                  <td data-label="Owner" class="mono">
                    {a.Owner_Account}
                  </td>
                  <td data-label="Subscribers">
                    {a.SubscriberNum.toLocaleString('en')} / {a.MaxSubscriberNum.toLocaleString('en')}
                  </td>
                  <td data-label="Created">{formatTime(a.CreateTime)}</td>
                  <td data-label="Last message">{formatTime(a.LastMsgTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager cursor={cursor} next={list.data?.Next ?? ''} label="Official accounts" />
      </section>
    </Screen>
  );
}
