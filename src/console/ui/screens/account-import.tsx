/** Import one or several accounts, each with an optional nickname (multiaccount_import). */
import { useState } from 'preact/hooks';
import { login } from '../api.ts';
import { Field } from '../components/field.tsx';
import { Done, ErrorText } from '../components/notice.tsx';
import { useAction } from '../hooks.ts';

interface Row {
  key: number;
  userId: string;
  nick: string;
}

let nextKey = 1;
const blank = (): Row => ({ key: nextKey++, userId: '', nick: '' });

export function AccountImport({ onImported }: { onImported(): void }) {
  const [rows, setRows] = useState<Row[]>(() => [blank()]);
  const action = useAction();

  const set = (key: number, change: Partial<Row>) =>
    setRows((all) => all.map((r) => (r.key === key ? { ...r, ...change } : r)));

  const submit = (e: Event) => {
    e.preventDefault();
    const wanted = rows.filter((r) => r.userId.trim() !== '');
    void action.run(async () => {
      if (wanted.length === 0) throw new Error('Type at least one UserID');
      const answer = await login<{ FailAccounts: string[] }>('multiaccount_import', {
        AccountList: wanted.map((r) => ({ UserID: r.userId.trim(), ...(r.nick !== '' && { Nick: r.nick }) })),
      });
      onImported();
      const imported = wanted.length - answer.FailAccounts.length;
      if (answer.FailAccounts.length > 0) {
        throw new Error(`Imported ${imported}; refused: ${answer.FailAccounts.join(', ')}`);
      }
      setRows([blank()]);
      return `Imported ${imported} account${imported === 1 ? '' : 's'}: ${wanted.map((r) => r.userId.trim()).join(', ')}`;
    });
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="import-title">
      <h2 id="import-title">Import accounts</h2>
      <p class="hint">Up to 100 at a time. Importing an existing UserID again updates its nickname.</p>
      {rows.map((row, i) => (
        <fieldset class="row-fields" key={row.key}>
          <legend class="visually-hidden">User {i + 1}</legend>
          <Field
            label={`UserID ${i + 1}`}
            value={row.userId}
            onValue={(userId) => set(row.key, { userId })}
            required={i === 0}
          />
          <Field label={`Nick ${i + 1}`} value={row.nick} onValue={(nick) => set(row.key, { nick })} />
          {rows.length > 1 && (
            <button
              type="button"
              class="secondary small"
              aria-label={`Remove user ${i + 1}`}
              onClick={() => setRows((all) => all.filter((r) => r.key !== row.key))}
            >
              Remove
            </button>
          )}
        </fieldset>
      ))}
      <div class="actions">
        <button
          type="button"
          class="secondary"
          disabled={rows.length >= 100}
          onClick={() => setRows((all) => [...all, blank()])}
        >
          Add another user
        </button>
        <button type="submit" disabled={action.busy}>
          Import
        </button>
      </div>
      <ErrorText text={action.error} />
      <Done>{action.done}</Done>
    </form>
  );
}
