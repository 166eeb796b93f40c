/**
 * Webhook deliveries, newest first (herald_admin/list_webhook_deliveries): status, attempts, last
 * error, and the body on demand; filtered by status and official account; older ones on request.
 */
import { useState } from 'preact/hooks';
import { admin } from '../api.ts';
import { Field, Select } from '../components/field.tsx';
import { ErrorText, Loading } from '../components/notice.tsx';
import { Screen } from '../components/screen.tsx';
import { formatTime } from '../format.ts';
import { useOlderPages } from '../hooks.ts';
import type { Delivery } from '../types.ts';

const PAGE = 50;
const STATUSES = [
  { value: '', label: 'Any status' },
  { value: 'pending', label: 'Pending' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'cancelled', label: 'Cancelled' },
];

interface Filter {
  status: string;
  account: string;
}

function DeliveryItem({ d }: { d: Delivery }) {
  return (
    <li class="delivery" data-testid="delivery" data-command={d.CallbackCommand} data-status={d.Status}>
      <div class="delivery-head">
        <span class="mono">#{d.Id}</span>
        <strong class="command">{d.CallbackCommand}</strong>
        <span class={`badge status-${d.Status}`}>{d.Status}</span>
      </div>
      <dl class="details compact">
        <div>
          <dt>Official account</dt>
          <dd class="mono">{d.Official_Account || '—'}</dd>
        </div>
        <div>
          <dt>Attempts</dt>
          <dd>{d.Attempts}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatTime(d.CreatedAt, 'ms')}</dd>
        </div>
        <div>
          <dt>{d.Status === 'pending' ? 'Next attempt' : 'Delivered'}</dt>
          <dd>{formatTime(d.Status === 'pending' ? d.NextAttemptAt : d.DeliveredAt, 'ms')}</dd>
        </div>
        {d.LastError && (
          <div class="wide">
            <dt>Last error</dt>
            <dd class="error-text">{d.LastError}</dd>
          </div>
        )}
      </dl>
      <details>
        <summary>Body</summary>
        <pre>{JSON.stringify(d.Body, null, 2)}</pre>
      </details>
    </li>
  );
}

export function WebhooksScreen() {
  const [status, setStatus] = useState('');
  const [account, setAccount] = useState('');
  const [filter, setFilter] = useState<Filter>({ status: '', account: '' });
  const list = useOlderPages<Delivery, number>(
    async (beforeId) => {
      const answer = await admin<{ Deliveries: Delivery[] }>('list_webhook_deliveries', {
        Limit: PAGE,
        ...(filter.status !== '' && { Status: filter.status }),
        ...(filter.account !== '' && { Official_Account: filter.account }),
        ...(beforeId !== undefined && { BeforeId: beforeId }),
      });
      const last = answer.Deliveries[answer.Deliveries.length - 1];
      return { rows: answer.Deliveries, older: answer.Deliveries.length === PAGE ? last?.Id : undefined };
    },
    [filter],
  );
  const { rows: deliveries, loading, error } = list;

  return (
    <Screen
      title="Webhooks"
      actions={
        <button type="button" class="secondary" onClick={list.reload} disabled={loading}>
          Refresh
        </button>
      }
    >
      <form
        class="panel inline-form"
        aria-label="Filter deliveries"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter({ status, account: account.trim() });
        }}
      >
        <Select label="Status" value={status} onValue={setStatus} options={STATUSES} />
        <Field label="Official account" value={account} onValue={setAccount} placeholder="@TOA#_news" />
        <button type="submit">Filter</button>
      </form>
      <ErrorText text={error} />
      {loading && deliveries.length === 0 && <Loading what="deliveries" />}
      {!loading && deliveries.length === 0 && !error && <p>No deliveries.</p>}
      <ol class="deliveries" aria-label="Deliveries, newest first" aria-busy={loading}>
        {deliveries.map((d) => (
          <DeliveryItem key={d.Id} d={d} />
        ))}
      </ol>
      {list.hasOlder && (
        <button type="button" class="secondary" disabled={loading} onClick={list.loadOlder}>
          Older deliveries
        </button>
      )}
    </Screen>
  );
}
