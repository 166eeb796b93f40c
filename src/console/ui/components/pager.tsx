/** Previous / next for lists read with a cursor. */
import type { Cursor } from '../hooks.ts';

export function Pager({ cursor, next, label }: { cursor: Cursor; next: string; label: string }) {
  if (cursor.page === 1 && next === '') return null;
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" class="secondary" disabled={cursor.page === 1} onClick={() => cursor.previous()}>
        Previous page
      </button>
      <span>Page {cursor.page}</span>
      <button type="button" class="secondary" disabled={next === ''} onClick={() => cursor.next(next)}>
        Next page
      </button>
    </nav>
  );
}
