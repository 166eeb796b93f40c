/**
 * Create an official account (every field of create_official_account) or edit one
 * (modify_official_account_base_info with the fields that changed).
 */
import { useState } from 'preact/hooks';
import { official } from '../api.ts';
import { Field, TextArea } from '../components/field.tsx';
import { ErrorText } from '../components/notice.tsx';
import { useAction } from '../hooks.ts';

export interface ProfileValues {
  Name: string;
  Owner_Account: string;
  OfficialAccountUserID: string;
  Introduction: string;
  FaceUrl: string;
  Organization: string;
  CustomString: string;
  MaxSubscriberNum: string;
}

export const EMPTY_PROFILE: ProfileValues = {
  Name: '',
  Owner_Account: '',
  OfficialAccountUserID: '',
  Introduction: '',
  FaceUrl: '',
  Organization: '',
  CustomString: '',
  MaxSubscriberNum: '',
};

const OPTIONAL = ['Introduction', 'FaceUrl', 'Organization', 'CustomString'] as const;

function maxSubscribers(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error('MaxSubscriberNum must be a whole number of at least 1');
  return n;
}

interface Props {
  /** The account edited; absent: create a new one. */
  id?: string;
  initial: ProfileValues;
  onSaved(id: string): void;
  onCancel(): void;
}

export function OfficialAccountForm({ id, initial, onSaved, onCancel }: Props) {
  const [values, setValues] = useState<ProfileValues>(initial);
  const action = useAction();
  const editing = id !== undefined;
  const set = (field: keyof ProfileValues) => (value: string) => setValues((v) => ({ ...v, [field]: value }));

  const create = async () => {
    const body: Record<string, unknown> = { Name: values.Name, Owner_Account: values.Owner_Account.trim() };
    if (values.OfficialAccountUserID.trim() !== '') body.OfficialAccountUserID = values.OfficialAccountUserID.trim();
    for (const field of OPTIONAL) if (values[field] !== '') body[field] = values[field];
    const max = maxSubscribers(values.MaxSubscriberNum);
    if (max !== undefined) body.MaxSubscriberNum = max;
    const answer = await official<{ OfficialAccountUserID: string }>('create_official_account', body);
    onSaved(answer.OfficialAccountUserID);
  };

  const modify = async (accountId: string) => {
    const body: Record<string, unknown> = { Official_Account: accountId };
    if (values.Name !== initial.Name) body.Name = values.Name;
    for (const field of OPTIONAL) if (values[field] !== initial[field]) body[field] = values[field];
    const max = maxSubscribers(values.MaxSubscriberNum);
    if (max !== undefined && values.MaxSubscriberNum !== initial.MaxSubscriberNum) body.MaxSubscriberNum = max;
    if (Object.keys(body).length > 1) await official('modify_official_account_base_info', body);
    onSaved(accountId);
  };

  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await (id === undefined ? create() : modify(id));
      return undefined;
    });
  };

  const titleId = editing ? 'edit-title' : 'create-title';
  return (
    <form class="panel" onSubmit={submit} aria-labelledby={titleId}>
      <h2 id={titleId}>{editing ? 'Edit profile' : 'New official account'}</h2>
      <div class="grid">
        <Field label="Name" value={values.Name} onValue={set('Name')} required hint="At most 150 bytes" />
        {!editing && (
          <>
            <Field
              label="Owner_Account"
              value={values.Owner_Account}
              onValue={set('Owner_Account')}
              required
              hint="An imported account, e.g. the app admin"
            />
            <Field
              label="OfficialAccountUserID"
              value={values.OfficialAccountUserID}
              onValue={set('OfficialAccountUserID')}
              placeholder="@TOA#_news"
              hint="Custom ID starting with @TOA#_; leave empty for a generated one"
            />
          </>
        )}
        <Field label="FaceUrl" type="url" value={values.FaceUrl} onValue={set('FaceUrl')} hint="At most 500 bytes" />
        <Field
          label="Organization"
          value={values.Organization}
          onValue={set('Organization')}
          hint="At most 500 bytes"
        />
        <Field
          label="MaxSubscriberNum"
          type="number"
          min={1}
          value={values.MaxSubscriberNum}
          onValue={set('MaxSubscriberNum')}
          hint="Default 100000"
        />
      </div>
      <TextArea
        label="Introduction"
        value={values.Introduction}
        onValue={set('Introduction')}
        hint="At most 400 bytes"
      />
      <TextArea
        label="CustomString"
        value={values.CustomString}
        onValue={set('CustomString')}
        hint="Your own data, at most 3000 bytes"
      />
      <ErrorText text={action.error} />
      <div class="actions">
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={action.busy}>
          {editing ? 'Save changes' : 'Create official account'}
        </button>
      </div>
    </form>
  );
}
