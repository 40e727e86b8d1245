import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, preloadPage } from './app.tsx';
import { SessionGate } from './session.tsx';
import { Reauthenticated } from './components/sso-reauth.tsx';
import './styles.css';

// The home page moved from /home to /: an old link or bookmark lands there before anything renders.
if (window.location.pathname === '/home') history.replaceState(null, '', `/${window.location.search}`);

const reauthenticated = new URLSearchParams(window.location.search).has('reauthenticated');

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {reauthenticated ? (
      <Reauthenticated />
    ) : (
      // The page's code is fetched while the session is checked, not after it.
      <SessionGate ready={preloadPage(window.location.pathname)}>
        <App />
      </SessionGate>
    )}
  </StrictMode>,
);
