/** One official account: its profile (edit, destroy), a link to its messages, and its subscribers. */
import { useState } from 'preact/hooks';
import { official } from '../api.ts';
import { useConfirm } from '../components/confirm.tsx';
import { ErrorText, Loading } from '../components/notice.tsx';
import { Screen } from '../components/screen.tsx';
import { formatTime } from '../format.ts';
import { useAction, useLoad } from '../hooks.ts';
import { href, navigate } from '../router.ts';
import type { OfficialAccountInfo } from '../types.ts';
import { OfficialAccountForm, type ProfileValues } from './official-account-form.tsx';
import { Subscribers } from './subscribers.tsx';

const FIELDS = [
  'CreateTime',
  'Name',
  'Owner_Account',
  'LastMsgTime',
  'SubscriberNum',
  'Introduction',
  'FaceUrl',
  'Organization',
  'CustomString',
  'MaxSubscriberNum',
];

/** Base information of one account (every field, MaxSubscriberNum included). */
export async function loadInfo(id: string): Promise<OfficialAccountInfo> {
  const answer = await official<{ OfficialAccountInfoList: OfficialAccountInfo[] }>('get_official_account_info', {
    OfficialAccountIdList: [{ Official_Account: id }],
    ResponseFilter: { OfficialAccountBaseInfoFilter: FIELDS },
  });
  const info = answer.OfficialAccountInfoList[0];
  if (!info) throw new Error(`No answer for ${id}`);
  if (info.ErrorCode !== 0) throw new Error(`${info.ErrorCode}: ${info.ErrorInfo}`);
  return info;
}

function profileOf(info: OfficialAccountInfo): ProfileValues {
  return {
    Name: info.Name ?? '',
    Owner_Account: info.Owner_Account ?? '',
    OfficialAccountUserID: info.Official_Account,
    Introduction: info.Introduction ?? '',
    FaceUrl: info.FaceUrl ?? '',
    Organization: info.Organization ?? '',
    CustomString: info.CustomString ?? '',
    MaxSubscriberNum: info.MaxSubscriberNum === undefined ? '' : String(info.MaxSubscriberNum),
  };
}

function Row({ term, children }: { term: string; children: string | number }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children === '' ? '—' : children}</dd>
    </div>
  );
}

export function OfficialAccountScreen({ id }: { id: string }) {
  const info = useLoad(() => loadInfo(id), [id]);
  const [editing, setEditing] = useState(false);
  const destroying = useAction();
  const { ask, dialog } = useConfirm();
  const data = info.data;

  const destroy = async () => {
    const ok = await ask({
      title: `Destroy ${data?.Name ?? id}?`,
      message: (
        <p>
          The official account <span class="mono">{id}</span> is destroyed with its subscriptions and its whole message
          history. This cannot be undone.
        </p>
      ),
      confirm: 'Destroy',
    });
    if (!ok) return;
    const done = await destroying.run(async () => {
      await official('destroy_official_account', { Official_Account: id });
      return undefined;
    });
    if (done) navigate({ name: 'official-accounts' });
  };

  return (
    <Screen
      title={data?.Name ?? id}
      actions={
        data && (
          <>
            <a class="button" href={href({ name: 'messages', id })}>
              Messages
            </a>
            <button type="button" class="secondary" onClick={() => setEditing(true)} disabled={editing}>
              Edit
            </button>
            <button type="button" class="danger" onClick={() => void destroy()} disabled={destroying.busy}>
              Destroy
            </button>
          </>
        )
      }
    >
      <p class="breadcrumb">
        <a href={href({ name: 'official-accounts' })}>Official accounts</a> / <span class="mono">{id}</span>
      </p>
      <ErrorText text={info.error || destroying.error} />
      {info.loading && !data && <Loading what="the official account" />}
      {data && editing && (
        <OfficialAccountForm
          id={id}
          initial={profileOf(data)}
          onSaved={() => {
            setEditing(false);
            info.reload();
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      {data && !editing && (
        <section class="panel" aria-labelledby="profile-title">
          <h2 id="profile-title">Profile</h2>
          <dl class="details" data-testid="official-account-profile">
            <Row term="ID">{data.Official_Account}</Row>
            <Row term="Name">{data.Name ?? ''}</Row>
            <Row term="Owner">{data.Owner_Account ?? ''}</Row>
            <Row term="Subscribers">{`${data.SubscriberNum ?? 0} of at most ${data.MaxSubscriberNum ?? '—'}`}</Row>
            <Row term="Created">{formatTime(data.CreateTime ?? 0)}</Row>
            <Row term="Last message">{formatTime(data.LastMsgTime ?? 0)}</Row>
            <Row term="Organization">{data.Organization ?? ''}</Row>
            <Row term="Introduction">{data.Introduction ?? ''}</Row>
            <Row term="FaceUrl">{data.FaceUrl ?? ''}</Row>
            <Row term="CustomString">{data.CustomString ?? ''}</Row>
          </dl>
        </section>
      )}
      {data && <Subscribers id={id} onChange={info.reload} />}
      {dialog}
    </Screen>
  );
}
