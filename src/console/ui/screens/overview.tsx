/** The app at a glance: the apps of this Herald, the app's counts, the webhook outbox and who is online. */
import { admin, type Session } from '../api.ts';
import { ErrorText, Loading } from '../components/notice.tsx';
import { Screen } from '../components/screen.tsx';
import { useLoad } from '../hooks.ts';
import type { Overview } from '../types.ts';

function Stat({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div class="stat">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value.toLocaleString('en')}</dd>
    </div>
  );
}

export function OverviewScreen({ session }: { session: Session }) {
  const overview = useLoad(() => admin<Overview>('get_app_overview'), []);
  const data = overview.data;
  return (
    <Screen
      title="Overview"
      actions={
        <button type="button" class="secondary" onClick={overview.reload} disabled={overview.loading}>
          Refresh
        </button>
      }
    >
      <ErrorText text={overview.error} />
      {!data && overview.loading && <Loading what="the overview" />}
      {data && (
        <>
          <p>
            SDKAppID <strong data-testid="overview-sdkappid">{data.SDKAppID}</strong>
          </p>
          <h2>Apps</h2>
          <p data-testid="overview-apps">
            This Herald serves {session.apps.length === 1 ? 'one app' : `${session.apps.length} apps`}:{' '}
            {session.apps.map((id, i) => (
              <span key={id}>
                {i > 0 && ', '}
                <span class="mono">{id}</span>
                {id === session.sdkappid && ' (signed in)'}
              </span>
            ))}
            . Sign in with another app's key to see its data.
          </p>
          <h2>Data</h2>
          <dl class="stats">
            <Stat label="Accounts" value={data.Accounts} testId="overview-accounts" />
            <Stat label="Official accounts" value={data.OfficialAccounts} testId="overview-official-accounts" />
            <Stat label="Subscriptions" value={data.Subscriptions} testId="overview-subscriptions" />
            <Stat label="Messages" value={data.Messages} testId="overview-messages" />
            <Stat label="Online users" value={data.OnlineUsers} testId="overview-online" />
          </dl>
          <h2>Webhook outbox</h2>
          <dl class="stats">
            <Stat label="Pending" value={data.Webhooks.Pending} testId="overview-webhooks-pending" />
            <Stat label="Delivered" value={data.Webhooks.Delivered} testId="overview-webhooks-delivered" />
            <Stat label="Cancelled" value={data.Webhooks.Cancelled} testId="overview-webhooks-cancelled" />
          </dl>
        </>
      )}
    </Screen>
  );
}
