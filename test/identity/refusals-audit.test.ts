import { describe, expect, it } from 'vitest';
import { call, expectProblem, manualClock, seedUser } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { IDENTITY_LIMITS } from '../helpers/identity.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';

describe.each(DB_KINDS)('refused actions in the audit trail on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const clock = manualClock(Date.parse('2026-05-04T10:00:00Z'));
    const { t, sign } = useGovernedLifecycle(kind, { clock, authLimits: IDENTITY_LIMITS });
    const events = async (action: string) =>
      (await call(t.app, { method: 'GET', url: `/api/v1/audit/events?action=${action}&limit=1000` })).body.items as {
        action: string;
        actor: { kind: string; name: string };
        subject: { type: string; id: string };
        source: string | null;
        after: Record<string, unknown>;
      }[];
    const login = (username: string, password: string) =>
      call(t.app, { method: 'POST', url: '/api/v1/auth/login', token: null, body: { username, password } });

    it('records failed sign-ins and lockouts, one at once and the rest of the minute as one aggregate', async () => {
      await seedUser(t.app, 'ann', [{ scope: 'lending', role: 'viewer' }]);
      expectProblem(await login('ann', 'wrong-password-1'), 401, 'unauthenticated');
      const first = await events('auth.sign-in-failure');
      expect(first).toEqual([
        expect.objectContaining({
          subject: expect.objectContaining({ type: 'account', id: 'ann' }),
          actor: expect.objectContaining({ kind: 'system' }),
          source: '127.0.0.1',
          after: { account: 'ann', via: 'login' },
        }),
      ]);
      // Two more wrong passwords lock the account; then a flood of attempts within the minute.
      for (let i = 2; i <= 3; i++) expectProblem(await login('ann', `wrong-password-${i}`), 401, 'unauthenticated');
      for (let i = 0; i < 20; i++) expectProblem(await login('ann', `wrong-password-x${i}`), 429, 'rate_limited');
      expect(await events('auth.sign-in-failure')).toHaveLength(1);
      const lockouts = await events('auth.lockout');
      expect(lockouts).toHaveLength(1);
      expect(lockouts[0]!.after).toMatchObject({ account: 'ann', locked: 'account', retryAfter: 60 });
      expect(await events('audit.refusals-aggregated')).toEqual([]);
      // Once the minute is over, the next refusal (of anyone) writes the counts first.
      clock.advance(61_000);
      expectProblem(await login('nobody-at-all', 'whatever-it-is'), 401, 'unauthenticated');
      const aggregates = await events('audit.refusals-aggregated');
      expect(aggregates.map((e) => e.after)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ account: 'ann', refused: 2, byAction: { 'auth.sign-in-failure': 2 } }),
          expect.objectContaining({ account: 'ann', refused: 19, byAction: { 'auth.lockout': 19 } }),
        ]),
      );
      expect(aggregates).toHaveLength(2);
      expect((await events('auth.sign-in-failure')).map((e) => e.subject.id)).toEqual(['ann', 'nobody-at-all']);
    });

    it('records failed signature re-authentication and separation-of-duties refusals, though the command rolled back', async () => {
      expectProblem(
        await sign('owner', { role: 'business-stakeholder', meaning: 'approve', password: 'not-olgas-password' }),
        403,
        'reauthentication_failed',
      );
      const reauth = await events('signature.reauthentication-failure');
      expect(reauth).toEqual([
        expect.objectContaining({
          actor: expect.objectContaining({ kind: 'user', name: 'User olga' }),
          subject: expect.objectContaining({ type: 'account', id: 'olga' }),
          after: expect.objectContaining({ account: 'olga', credential: 'password' }),
        }),
      ]);
      const self = await sign('devrisk', { role: 'risk-audit', meaning: 'approve' }, '/api/v1/models/pd/versions/2');
      expectProblem(self, 403, 'separation_of_duties');
      const sod = await events('authz.separation-of-duties');
      expect(sod).toEqual([
        expect.objectContaining({
          subject: expect.objectContaining({ type: 'model-version', id: expect.any(String) }),
          after: expect.objectContaining({ account: 'dora', role: 'risk-audit' }),
        }),
      ]);
      expect(await events('signature.create')).toEqual([]);
    });
  });
});
