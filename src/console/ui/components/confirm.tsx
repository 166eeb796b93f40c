/**
 * Confirmation before anything that cannot be undone: a modal <dialog> (focus moves into it,
 * Escape cancels), Cancel first so Enter never destroys by accident.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';

interface Request {
  title: string;
  message: ComponentChildren;
  confirm: string;
  resolve(ok: boolean): void;
}

function ConfirmDialog({ request, close }: { request: Request; close(ok: boolean): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class="confirm"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        close(false);
      }}
    >
      <h2 id={titleId}>{request.title}</h2>
      <div class="confirm-message">{request.message}</div>
      <div class="actions">
        <button type="button" class="secondary" onClick={() => close(false)}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={() => close(true)}>
          {request.confirm}
        </button>
      </div>
    </dialog>
  );
}

/** `ask()` opens the dialog and resolves true when confirmed; render `dialog` somewhere on the screen. */
export function useConfirm(): {
  ask(request: Omit<Request, 'resolve'>): Promise<boolean>;
  dialog: ComponentChildren;
} {
  const [request, setRequest] = useState<Request | null>(null);
  const ask = (r: Omit<Request, 'resolve'>) => new Promise<boolean>((resolve) => setRequest({ ...r, resolve }));
  const dialog = request && (
    <ConfirmDialog
      request={request}
      close={(ok) => {
        request.resolve(ok);
        setRequest(null);
      }}
    />
  );
  return { ask, dialog };
}
