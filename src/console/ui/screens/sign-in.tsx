/**
 * Sign in with the app's secret key or an admin UserSig. The secret lives only in this form's
 * state until it is sent (in a POST body, never a URL) and is cleared whatever the answer.
 */
import { useState } from 'preact/hooks';
import { describe, type Session, signIn } from '../api.ts';
import { Field } from '../components/field.tsx';
import { ErrorText } from '../components/notice.tsx';

interface Props {
  /** Why sign-in is impossible here (Herald on a non-loopback address without TLS): no form then. */
  insecure: string;
  /** Why the user is here again, e.g. the session ended. */
  notice: string;
  onSignedIn(session: Session): void;
}

export function SignIn({ insecure, notice, onSignedIn }: Props) {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    const typed = secret;
    setSecret('');
    try {
      onSignedIn(await signIn(typed));
    } catch (failure) {
      setError(describe(failure));
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in" tabIndex={-1}>
      <div class="card">
        <h1>Herald console</h1>
        {insecure ? (
          <div role="alert" class="notice error">
            <p>{insecure}</p>
            <p>
              Sign-in is switched off because this Herald listens on a network address without TLS, where a secret would
              cross the network in clear. Serve it over HTTPS, or open the console on the machine itself (127.0.0.1).
            </p>
          </div>
        ) : (
          <form onSubmit={submit} aria-describedby="sign-in-help">
            <p id="sign-in-help" class="hint">
              Sign in with the app's secret key, or with a UserSig of one of its admins. It is sent once and never
              stored by this page.
            </p>
            {notice && !error && (
              <p class="notice" role="status">
                {notice}
              </p>
            )}
            <Field label="Secret key or admin UserSig" type="password" value={secret} onValue={setSecret} required />
            <ErrorText text={error} />
            <button type="submit" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
