/** The top bar: the app signed in to, the menu toggle on narrow screens, and Sign out. */
import type { Session } from '../api.ts';

interface Props {
  session: Session;
  menuOpen: boolean;
  onMenu(): void;
  onSignOut(): void;
  signingOut: boolean;
}

export function Header({ session, menuOpen, onMenu, onSignOut, signingOut }: Props) {
  return (
    <header class="top">
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <button
        type="button"
        class="menu-toggle secondary"
        aria-expanded={menuOpen}
        aria-controls="main-nav"
        onClick={onMenu}
      >
        Menu
      </button>
      <span class="brand">Herald console</span>
      <dl class="app-info" data-testid="app-info">
        <div>
          <dt>SDKAppID</dt>
          <dd>{session.sdkappid}</dd>
        </div>
        <div>
          <dt>Admin</dt>
          <dd>{session.admin}</dd>
        </div>
      </dl>
      <button type="button" class="secondary sign-out" onClick={onSignOut} disabled={signingOut}>
        Sign out
      </button>
    </header>
  );
}
