import { useEffect, useRef, useState } from 'react';

/** How long the signing dialog waits for the identity provider's window. */
const WAIT_MS = 5 * 60_000;
import { takeCookie } from '../session.tsx';

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
