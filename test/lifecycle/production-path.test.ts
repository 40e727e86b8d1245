import { beforeAll, describe, expect, it } from 'vitest';
import { call, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { governedPath, PASSWORD } from '../helpers/governed-path.ts';

describe.each(DB_KINDS)('a tier-4 model from scoping to production and back under monitoring, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending'], monitoring: { pollMs: 100 } });
    const path = governedPath(() => t.app);
    const { tok, v, check } = path;

    beforeAll(() => path.seed());

    it('passes every gate of its process with documents, evaluation, monitor and independent sign-offs, and is released', async () => {
      await path.drive();
      const released = await call(t.app, {
        method: 'POST',
        url: `${v}/promotions`,
        token: tok.dana,
        body: { environment: 'production', reason: 'first release' },
      });
      expect(released.body, released.text).toMatchObject({ status: 'completed', reasons: [] });
      expect(await check()).toEqual({ allowed: true, reasons: [] });
      // Each of its many documents is submitted and then accepted by an e-signature: allow a busy machine the time.
    }, 120_000);

    it('loses its release when production drifts, and regains it when the validators sign the new state', async () => {
      const alerts = await path.drift();
      expect(alerts).toEqual([expect.objectContaining({ rule: 'input-drift', severity: 'critical' })]);
      const refused = await check();
      expect(refused.allowed).toBe(false);
      // The acceptances went stale, so the gates they passed are open again.
      expect(refused.reasons.join('\n')).toMatch(/signoff-dual-acceptance/);
      // The re-review tasks name what changed: the drift alert, recorded as evidence.
      const tasks = (await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: tok.rita })).body.items.filter(
        (x: { kind: string }) => x.kind === 're-review',
      );
      expect(tasks.length).toBeGreaterThan(0);
      expect(tasks[0].details.changes).toContainEqual(expect.objectContaining({ what: 'evidence', change: 'added' }));
      // Everyone whose approval went stale reviews the drift and signs again.
      const stale = (await call(t.app, { method: 'GET', url: `${v}/signatures` })).body.items.filter(
        (s: { status: string; meaning: string }) => s.status === 'stale' && s.meaning === 'approve',
      );
      expect(stale.length).toBeGreaterThan(0);
      // The version record shows its signatures (printed name, date and time, meaning) and stays current after a new one.
      const record = async () =>
        (await call(t.app, { method: 'GET', url: v })).body.signatures as {
          name: string;
          meaning: string;
          signedAt: string;
        }[];
      const before = await record();
      expect(before).toContainEqual(
        expect.objectContaining({ name: 'User rita', meaning: 'approve', signedAt: expect.any(String) }),
      );
      const people = new Map(
        stale.map((s: { signer: { username: string }; role: string }) => [`${s.signer.username}:${s.role}`, s]),
      );
      for (const s of people.values() as Iterable<{ signer: { username: string }; role: string }>) {
        const again = await call(t.app, {
          method: 'POST',
          url: `${v}/signatures`,
          token: tok[s.signer.username],
          body: {
            role: s.role,
            meaning: 'approve',
            comment: 'drift reviewed: a new customer segment, accepted',
            password: PASSWORD(s.signer.username),
          },
        });
        expect(again.status, again.text).toBe(201);
      }
      expect(await check()).toEqual({ allowed: true, reasons: [] });
      expect((await record()).length).toBeGreaterThan(before.length);
    });
  });
});
