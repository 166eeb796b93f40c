/** An official account's subscribers (get_subscriber_info with its cursor), add and remove. */
import { useState } from 'preact/hooks';
import { official } from '../api.ts';
import { useConfirm } from '../components/confirm.tsx';
import { TextArea } from '../components/field.tsx';
import { Done, ErrorText, Loading } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import { formatTime, splitIds } from '../format.ts';
import { useAction, useCursor, useLoad } from '../hooks.ts';
import type { SubscriberRow } from '../types.ts';

const PAGE = 50;
const ADD_RESULT = ['refused', 'subscribed', 'already subscribed'];
const REMOVE_RESULT = ['refused', 'removed', 'was not subscribed'];

type Results = { SubscriberList: { Subscriber_Account: string; Result: number }[] };

function outcome(answer: Results, words: string[]): string {
  return answer.SubscriberList.map((s) => `${s.Subscriber_Account}: ${words[s.Result] ?? s.Result}`).join(', ');
}

export function Subscribers({ id, onChange }: { id: string; onChange(): void }) {
  const cursor = useCursor();
  const list = useLoad(
    () =>
      official<{ SubscriberList: SubscriberRow[]; SubscriberNum: number; Next: string }>('get_subscriber_info', {
        Official_Account: id,
        Limit: PAGE,
        ...(cursor.current !== '' && { Next: cursor.current }),
      }),
    [id, cursor.current],
  );
  const [typed, setTyped] = useState('');
  const adding = useAction();
  const removal = useAction();
  const { ask, dialog } = useConfirm();

  const refresh = () => {
    list.reload();
    onChange();
  };

  const add = (e: Event) => {
    e.preventDefault();
    void adding.run(async () => {
      const ids = splitIds(typed);
      if (ids.length === 0) throw new Error('Type at least one UserID');
      const answer = await official<Results>('add_subscriber', {
        Official_Account: id,
        SubscriberList: ids.map((Subscriber_Account) => ({ Subscriber_Account })),
      });
      setTyped('');
      refresh();
      return outcome(answer, ADD_RESULT);
    });
  };

  const remove = async (userId: string) => {
    const ok = await ask({
      title: `Unsubscribe ${userId}?`,
      message: <p>{userId} stops receiving this account's messages. They can subscribe again later.</p>,
      confirm: 'Unsubscribe',
    });
    if (!ok) return;
    await removal.run(async () => {
      const answer = await official<Results>('delete_subscriber', {
        Official_Account: id,
        SubscriberToDel_Account: [userId],
      });
      refresh();
      return outcome(answer, REMOVE_RESULT);
    });
  };

  const rows = list.data?.SubscriberList ?? [];
  return (
    <section class="panel" aria-labelledby="subscribers-title">
      <h2 id="subscribers-title">
        Subscribers{list.data && <span class="count"> ({list.data.SubscriberNum.toLocaleString('en')})</span>}
      </h2>
      <form onSubmit={add} class="inline-form">
        <TextArea
          label="Add subscribers"
          value={typed}
          onValue={setTyped}
          rows={2}
          hint="Imported UserIDs, separated by commas, spaces or lines (up to 100)"
        />
        <button type="submit" disabled={adding.busy}>
          Subscribe
        </button>
      </form>
      <ErrorText text={adding.error || removal.error || list.error} />
      <Done>{adding.done || removal.done}</Done>
      {list.loading && !list.data && <Loading what="subscribers" />}
      {list.data && rows.length === 0 && <p>No subscribers yet.</p>}
      {rows.length > 0 && (
        <table class="list" data-testid="subscribers-table" aria-busy={list.loading}>
          <caption class="visually-hidden">Subscribers, page {cursor.page}</caption>
          <thead>
            <tr>
              <th scope="col">UserID</th>
              <th scope="col">Subscribed</th>
              <th scope="col">Receive option</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.Subscriber_Account}>
                <th scope="row" data-label="UserID" class="mono">
                  {s.Subscriber_Account}
                </th>
                <td data-label="Subscribed">{formatTime(s.SubscribeTime)}</td>
                <td data-label="Receive option">{s.MsgFlag}</td>
                <td class="row-actions">
                  <button
                    type="button"
                    class="danger small"
                    aria-label={`Unsubscribe ${s.Subscriber_Account}`}
                    onClick={() => void remove(s.Subscriber_Account)}
                  >
                    Unsubscribe
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursor={cursor} next={list.data?.Next ?? ''} label="Subscribers" />
      {dialog}
    </section>
  );
}
