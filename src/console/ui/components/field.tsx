/** Labelled form controls: every control has a visible label tied to it, and an optional hint. */
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

interface Common {
  label: string;
  hint?: ComponentChildren;
  required?: boolean;
  name?: string;
  class?: string;
}

interface InputProps extends Common {
  value: string;
  onValue(value: string): void;
  type?: 'text' | 'password' | 'number' | 'url' | 'search';
  autoComplete?: string;
  placeholder?: string;
  min?: number;
  max?: number;
  testId?: string;
}

function Hint({ id, children }: { id: string; children: ComponentChildren }) {
  return (
    <span class="hint" id={id}>
      {children}
    </span>
  );
}

export function Field(props: InputProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div class={`field ${props.class ?? ''}`}>
      <label for={id}>
        {props.label}
        {props.required && <span class="required"> (required)</span>}
      </label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        autoComplete={props.autoComplete ?? 'off'}
        placeholder={props.placeholder}
        min={props.min}
        max={props.max}
        spellcheck={false}
        data-testid={props.testId}
        aria-describedby={props.hint ? hintId : undefined}
        onInput={(e) => props.onValue(e.currentTarget.value)}
      />
      {props.hint && <Hint id={hintId}>{props.hint}</Hint>}
    </div>
  );
}

interface TextAreaProps extends Common {
  value: string;
  onValue(value: string): void;
  rows?: number;
  placeholder?: string;
}

export function TextArea(props: TextAreaProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div class={`field ${props.class ?? ''}`}>
      <label for={id}>
        {props.label}
        {props.required && <span class="required"> (required)</span>}
      </label>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 3}
        value={props.value}
        required={props.required}
        placeholder={props.placeholder}
        aria-describedby={props.hint ? hintId : undefined}
        onInput={(e) => props.onValue(e.currentTarget.value)}
      />
      {props.hint && <Hint id={hintId}>{props.hint}</Hint>}
    </div>
  );
}

interface SelectProps extends Common {
  value: string;
  onValue(value: string): void;
  options: readonly { value: string; label: string }[];
}

export function Select(props: SelectProps) {
  const id = useId();
  return (
    <div class={`field ${props.class ?? ''}`}>
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} value={props.value} onChange={(e) => props.onValue(e.currentTarget.value)}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
