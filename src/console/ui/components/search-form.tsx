/** A search box for a paged list: what is typed is searched for on submit (Enter or the button). */
import { useState } from 'preact/hooks';
import { Field } from './field.tsx';

export function SearchForm(props: { label: string; hint: string; onSearch(text: string): void }) {
  const [typed, setTyped] = useState('');
  return (
    // biome-ignore lint/a11y/useSemanticElements: a form with role=search is the widely supported form of <search>
    <form
      class="inline-form"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSearch(typed.trim());
      }}
    >
      <Field label={props.label} type="search" value={typed} onValue={setTyped} hint={props.hint} />
      <button type="submit">Search</button>
    </form>
  );
}
