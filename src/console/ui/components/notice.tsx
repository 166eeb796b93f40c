/** What an action or a load answered: errors as alerts, outcomes as polite status messages. */
import type { ComponentChildren } from 'preact';

export function ErrorText({ text }: { text: string }) {
  if (!text) return null;
  return (
    <p class="notice error" role="alert">
      {text}
    </p>
  );
}

export function Done({ children }: { children: ComponentChildren }) {
  if (!children) return null;
  return (
    <p class="notice done" role="status">
      {children}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}
