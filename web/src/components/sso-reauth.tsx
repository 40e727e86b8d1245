import { useEffect, useRef, useState } from 'react';

/** How long the signing dialog waits for the identity provider's window. */
const WAIT_MS = 5 * 60_000;
import { takeCookie, useSession } from '../session.tsx';
import { Field } from '../ui/basics.tsx';

/**
 * Re-authentication at the identity provider for a signature: a window opens a fresh login there
 * (`prompt=login`), and the proof its callback leaves in a cookie is picked up here, once. The
 * console is isolated from other origins (Cross-Origin-Opener-Policy), so once the window went to
 * the provider this page can neither see it nor close it: it watches for the cookie instead.
 */
export function useSsoReauth() {
  const [proof, setProof] = useState<string | null>(null);
  const [waiting, setWaiting] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearInterval(timer.current), []);
  function start() {
    takeCookie('steward_reauth');
    window.open('/api/v1/auth/oidc/reauthenticate', 'steward-sso-reauth', 'width=520,height=680');
    setWaiting(true);
    window.clearInterval(timer.current);
    const until = Date.now() + WAIT_MS;
    timer.current = window.setInterval(() => {
      const found = takeCookie('steward_reauth');
      if (found || Date.now() > until) {
        window.clearInterval(timer.current);
        setWaiting(false);
        if (found) setProof(found);
      }
    }, 300);
  }
  return { proof, waiting, start, clear: () => setProof(null) };
}

/** What the provider's window shows once back: the proof is with the signing dialog now. */
export function Reauthenticated() {
  useEffect(() => window.close(), []);
  return (
    <main className="signin">
      <h1>Re-authenticated</h1>
      <p role="status">You signed in again at the identity provider. Close this window and sign in the dialog.</p>
    </main>
  );
}

/** The credentials a signature sends: the password re-entered, or a fresh provider login's proof. */
export type SigningCredentials = { password: string } | { reauthProof: string };

/**
 * The re-authentication part of a signing form: with single sign-on, a button for a fresh login at
 * the identity provider (then no password is asked), and the password field otherwise.
 */
export function useReauthFields() {
  const { sso } = useSession();
  const reauth = useSsoReauth();
  const [password, setPassword] = useState('');
  const credentials: SigningCredentials = reauth.proof && !password ? { reauthProof: reauth.proof } : { password };
  const fields = (
    <>
      {sso && (
        <p>
          {reauth.proof ? (
            <span role="status">Re-authenticated at the identity provider.</span>
          ) : (
            <button type="button" className="secondary" onClick={reauth.start} disabled={reauth.waiting}>
              {reauth.waiting ? 'Waiting for the identity provider…' : 'Re-authenticate with SSO'}
            </button>
          )}
        </p>
      )}
      {!reauth.proof && (
        <Field label="Password" hint={sso ? 'or re-enter your local password' : 're-enter your password to sign'}>
          <input
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </Field>
      )}
    </>
  );
  return {
    credentials,
    fields,
    /** After signing: the password and the proof are spent. */
    reset: () => {
      setPassword('');
      reauth.clear();
    },
  };
}
