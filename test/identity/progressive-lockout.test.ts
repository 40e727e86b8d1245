import { describe, expect, it } from 'vitest';
import { manualClock, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

describe.each(DB_KINDS)('progressive account lockout on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const clock = manualClock();
    const t = useTestApp(kind, {
      clock,
      teams: ['alpha'],
      authLimits: {
        perAddress: { limit: 1000, windowMs: 15 * 60_000 },
        perAccount: { limit: 3, windowMs: 15 * 60_000 },
        accountLock: { baseMs: 60_000, maxMs: 8 * 60_000 },
        cleanAddressDelayMs: 5_000,
        forbiddenPerUser: { limit: 1000, windowMs: 60_000 },
        forbiddenPerAddress: { limit: 1000, windowMs: 60_000 },
      },
    });
    const PASSWORD = 'lou-correct-horse-battery';
    /** Signs in as lou from an address; returns the status and Retry-After. */
    const login = async (from: string, password: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: from,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ username: 'lou', password }),
      });
      return [res.statusCode, Number(res.headers['retry-after'] ?? 0)];
    };

    it('doubles the lock with each further failure, up to its maximum', async () => {
      await seedUser(t.app, 'lou', [{ scope: 'alpha', role: 'viewer' }]);
      for (let i = 0; i < 3; i++) expect(await login('10.0.0.1', `guess-${i}`)).toEqual([401, 0]);
      expect(await login('10.0.0.1', PASSWORD)).toEqual([429, 60]);
      for (const lock of [120, 240, 480, 480]) {
        clock.advance(10 * 60_000);
        expect(await login('10.0.0.1', 'yet-another-guess')).toEqual([401, 0]);
        expect(await login('10.0.0.1', PASSWORD)).toEqual([429, lock]);
      }
    });

    it('lets the owner in from an address without failures, a few seconds after the last such try', async () => {
      // Still locked for the guessing address...
      expect((await login('10.0.0.1', PASSWORD))[0]).toBe(429);
      // ...while a clean address may try: a wrong guess from it spends the pass and taints it.
      expect(await login('10.0.0.2', 'clean-but-wrong')).toEqual([401, 0]);
      expect(await login('10.0.0.2', PASSWORD)).toEqual([429, expect.any(Number)]);
      const [status, wait] = await login('10.0.0.3', PASSWORD);
      expect(status).toBe(429);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(5);
      clock.advance(5_000);
      expect(await login('10.0.0.3', PASSWORD)).toEqual([200, 0]);
      // A successful sign-in forgives the account's failures.
      expect(await login('10.0.0.1', PASSWORD)).toEqual([200, 0]);
    });
  });
});
