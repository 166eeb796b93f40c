/** The console: sign-in until there is a session, then the header, the navigation and one screen. */
import { useEffect, useState } from 'preact/hooks';
import { describe, getSession, HttpError, onSessionLost, type Session, signOut } from './api.ts';
import { Header } from './components/header.tsx';
import { Nav } from './components/nav.tsx';
import { ErrorText } from './components/notice.tsx';
import { type Route, useRoute } from './router.ts';
import { AccountsScreen } from './screens/accounts.tsx';
import { LiveScreen } from './screens/live.tsx';
import { MessagesScreen } from './screens/messages.tsx';
import { OfficialAccountScreen } from './screens/official-account.tsx';
import { OfficialAccountsScreen } from './screens/official-accounts.tsx';
import { OverviewScreen } from './screens/overview.tsx';
import { SignIn } from './screens/sign-in.tsx';
import { WebhooksScreen } from './screens/webhooks.tsx';

type Gate =
  | { state: 'checking' }
  | { state: 'signed-out'; insecure: string; notice: string }
  | { state: 'in'; session: Session };

function current(route: Route, session: Session) {
  switch (route.name) {
    case 'overview':
      return <OverviewScreen session={session} />;
    case 'accounts':
      return <AccountsScreen />;
    case 'official-accounts':
      return <OfficialAccountsScreen />;
    case 'official-account':
      return <OfficialAccountScreen key={route.id} id={route.id} />;
    case 'messages':
      return <MessagesScreen key={route.id} id={route.id} />;
    case 'webhooks':
      return <WebhooksScreen />;
    case 'live':
      return <LiveScreen sdkappid={session.sdkappid} />;
  }
}

export function App() {
  const route = useRoute();
  const [gate, setGate] = useState<Gate>({ state: 'checking' });
  const [menuOpen, setMenuOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    onSessionLost((message) => setGate({ state: 'signed-out', insecure: '', notice: `${message}. Sign in again.` }));
    getSession().then(
      (session) => setGate({ state: 'in', session }),
      (e: unknown) => {
        if (e instanceof HttpError && e.status === 401)
          setGate({ state: 'signed-out', insecure: e.insecure ? e.message : '', notice: '' });
        else setGate({ state: 'signed-out', insecure: '', notice: describe(e) });
      },
    );
  }, []);

  if (gate.state === 'checking') {
    return (
      <main id="main" class="sign-in" tabIndex={-1}>
        <p role="status">Loading the console…</p>
      </main>
    );
  }
  if (gate.state === 'signed-out') {
    return (
      <SignIn
        insecure={gate.insecure}
        notice={gate.notice}
        onSignedIn={(session) => {
          setSigningOut(false);
          setGate({ state: 'in', session });
        }}
      />
    );
  }

  const leave = async () => {
    setSigningOut(true);
    setError('');
    try {
      await signOut();
      setGate({ state: 'signed-out', insecure: '', notice: 'Signed out.' });
    } catch (e) {
      setError(describe(e));
      setSigningOut(false);
    }
  };

  return (
    <div class="shell">
      <Header
        session={gate.session}
        menuOpen={menuOpen}
        onMenu={() => setMenuOpen((open) => !open)}
        onSignOut={leave}
        signingOut={signingOut}
      />
      <Nav route={route} open={menuOpen} onNavigate={() => setMenuOpen(false)} />
      <main id="main" tabIndex={-1}>
        <ErrorText text={error} />
        {current(route, gate.session)}
      </main>
    </div>
  );
}
