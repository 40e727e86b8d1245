import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { SessionGate } from './session.tsx';
import { Reauthenticated } from './components/sso-reauth.tsx';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {new URLSearchParams(window.location.search).has('reauthenticated') ? (
      <Reauthenticated />
    ) : (
      <SessionGate>
        <App />
      </SessionGate>
    )}
  </StrictMode>,
);
