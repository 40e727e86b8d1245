import { beforeAll } from 'vitest';
import type { AuthLimits } from '../../src/features/identity/password-guard.ts';
import { call, manualClock, seedUser, useCaseBody, useTestApp, type TestApp } from './app.ts';
import type { DbKind } from './db.ts';

/** An HTTP Basic authorization header. */
export const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

/** Tight per-account limits so lockout is reachable in a few requests; the rest out of the way. */
export const IDENTITY_LIMITS: AuthLimits = {
  perAddress: { limit: 1000, windowMs: 60_000 },
  perAccount: { limit: 3, windowMs: 15 * 60_000 },
  forbiddenPerUser: { limit: 25, windowMs: 60_000 },
  forbiddenPerAddress: { limit: 1000, windowMs: 60_000 },
};

export interface IdentityFixture {
  t: TestApp;
  clock: ReturnType<typeof manualClock>;
  /** What registering an unguarded route threw at start-up. */
  routeError: unknown;
  /** Use cases of teams alpha and beta, and a data scientist of alpha (ds-alpha). */
  alphaUc: string;
  betaUc: string;
  dsAlpha: string;
}

/**
 * The identity tests' app: teams alpha and beta, a movable clock, tight per-account limits, an
 * attempt to register a route without authorisation, and a use case per team with a data
 * scientist in alpha. Read the fields inside tests (they are set in beforeAll).
 */
export function useIdentityApp(kind: DbKind): IdentityFixture {
  const f = { clock: manualClock() } as IdentityFixture;
  f.t = useTestApp(kind, {
    clock: f.clock,
    teams: ['alpha', 'beta'],
    authLimits: IDENTITY_LIMITS,
    configure: (app) => {
      try {
        app.get('/api/v1/unguarded', async () => 'open');
      } catch (err) {
        f.routeError = err;
      }
    },
  });
  beforeAll(async () => {
    const t = f.t;
    f.alphaUc = (
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('alpha-uc', { ownerTeam: 'alpha' }),
      })
    ).body.id;
    f.betaUc = (
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('beta-uc', { ownerTeam: 'beta' }),
      })
    ).body.id;
    f.dsAlpha = await seedUser(t.app, 'ds-alpha', [{ scope: 'alpha', role: 'data-scientist' }]);
  });
  return f;
}
