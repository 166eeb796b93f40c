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

/**
 * The frame every control shares: the label tied to the control's id (with "(required)"), the
 * control, and the hint the control names in aria-describedby (`${id}-hint`).
 */
function Labelled({ id, common, children }: { id: string; common: Common; children: ComponentChildren }) {
  return (
    <div class={`field ${common.class ?? ''}`}>
      <label for={id}>
        {common.label}
        {common.required && <span class="required"> (required)</span>}
      </label>
      {children}
      {common.hint && (
        <span class="hint" id={`${id}-hint`}>
          {common.hint}
        </span>
      )}
    </div>
  );
}

const describedBy = (id: string, common: Common) => (common.hint ? `${id}-hint` : undefined);

export function Field(props: InputProps) {
  const id = useId();
  return (
    <Labelled id={id} common={props}>
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
        aria-describedby={describedBy(id, props)}
        onInput={(e) => props.onValue(e.currentTarget.value)}
      />
    </Labelled>
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
  return (
    <Labelled id={id} common={props}>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 3}
        value={props.value}
        required={props.required}
        placeholder={props.placeholder}
        aria-describedby={describedBy(id, props)}
        onInput={(e) => props.onValue(e.currentTarget.value)}
      />
    </Labelled>
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
    <Labelled id={id} common={props}>
      <select
        id={id}
        name={props.name}
        value={props.value}
        aria-describedby={describedBy(id, props)}
        onChange={(e) => props.onValue(e.currentTarget.value)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Labelled>
  );
}
