import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/demo/seed.ts';
import { USE_CASES } from '../../src/demo/scenario.ts';
import { call, expectProblem, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

type Row = { useCase: { id: string; step: string | null }; tier: number | null; reviewOverdue: boolean };

describe.each(DB_KINDS)('the home dashboard and the audit search over the demo, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'demo', () => {
    const t = useTestApp(kind, { teams: [] });
    beforeAll(async () => {
      await seedDemo(t.app, { token: t.adminToken });
    }, 180_000);

    it('counts use cases by tier and step as the overview lists them, with production and the board', async () => {
      const s = (await call(t.app, { method: 'GET', url: '/api/v1/overview/summary' })).body;
      const rows = (await call(t.app, { method: 'GET', url: '/api/v1/overview?limit=200' })).body.items as Row[];
      const perUseCase = new Map(rows.map((r) => [r.useCase.id, r]));
      expect(s.useCases).toBe(USE_CASES.length);
      const tally = <K>(key: (r: Row) => K) => {
        const m = new Map<K, number>();
        for (const r of perUseCase.values()) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
        return m;
      };
      expect(new Map(s.byTier.map((b: { tier: number | null; count: number }) => [b.tier, b.count]))).toEqual(
        tally((r) => r.tier),
      );
      expect(new Map(s.byStep.map((b: { step: string | null; count: number }) => [b.step, b.count]))).toEqual(
        tally((r) => r.useCase.step),
      );
      expect(s.overdueReviews).toBe([...perUseCase.values()].filter((r) => r.reviewOverdue).length);
      expect(s.production).toContainEqual(
        expect.objectContaining({
          model: 'credit-scorecard',
          version: 1,
          useCase: expect.objectContaining({ name: expect.any(String) }),
        }),
      );
      const boarded = s.board.flatMap((c: { step: string | null; useCases: { id: string }[]; total: number }) => {
        expect(c.useCases.length).toBe(c.total);
        return c.useCases.map((u) => [u.id, c.step]);
      });
      expect(new Map(boarded)).toEqual(new Map([...perUseCase.values()].map((r) => [r.useCase.id, r.useCase.step])));
      for (const k of ['openAlerts', 'openIncidents', 'staleApprovals']) expect(s[k]).toBeGreaterThanOrEqual(0);
      expect(s.versionsByStep.reduce((a: number, b: { count: number }) => a + b.count, 0)).toBeGreaterThan(0);
    });

    it('answers the dashboard only when signed in', async () => {
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/overview/summary', token: '' }),
        401,
        'unauthenticated',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/overview/summary?x=1' }),
        400,
        'validation_failed',
      );
    });

    it('names people by id for every signed-in reader, leaving unknown ids out', async () => {
      const users = (await call(t.app, { method: 'GET', url: '/api/v1/users?limit=100' })).body.items as {
        id: string;
        username: string;
      }[];
      const rita = users.find((u) => u.username === 'rita')!;
      const vera = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/tokens',
          body: { name: 'vera reads', username: 'vera' },
        })
      ).body.token as string;
      const named = await call(t.app, {
        method: 'GET',
        url: `/api/v1/people?id=${rita.id}&id=${rita.id}&id=00000000-0000-7000-8000-000000000000`,
        token: vera,
      });
      expect(named.status, named.text).toBe(200);
      expect(named.body.items).toEqual([{ id: rita.id, displayName: 'Rita Novak', username: 'rita' }]);
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/people' }), 400, 'validation_failed');
      const many = Array.from({ length: 201 }, (_, i) => `id=u${i}`).join('&');
      expectProblem(await call(t.app, { method: 'GET', url: `/api/v1/people?${many}` }), 400, 'validation_failed');
      expectProblem(
        await call(t.app, { method: 'GET', url: `/api/v1/people?id=${rita.id}`, token: '' }),
        401,
        'unauthenticated',
      );
    });

    it('finds who approved what by typing "approve", a person and a model, newest first', async () => {
      const found = (
        await call(t.app, {
          method: 'GET',
          url: `/api/v1/audit/events?${new URLSearchParams({ actionFamily: 'approve', subjectName: 'credit-scorecard v1', order: 'desc' })}`,
        })
      ).body.items as { seq: number; action: string; actor: { name: string }; subject: { name: string } }[];
      expect(found.length).toBeGreaterThan(0);
      expect(found.some((e) => e.action === 'signature.create')).toBe(true);
      expect(new Set(found.map((e) => e.subject.name))).toEqual(new Set(['credit-scorecard v1']));
      expect(found.map((e) => e.seq)).toEqual(found.map((e) => e.seq).sort((a, b) => b - a));
      const signer = found.find((e) => e.action === 'signature.create')!.actor.name;
      const bySigner = (
        await call(t.app, {
          method: 'GET',
          url: `/api/v1/audit/events?${new URLSearchParams({ actionFamily: 'approved', actorName: signer.split(' ')[0]!.toLowerCase() })}`,
        })
      ).body.items as { actor: { name: string } }[];
      expect(bySigner.length).toBeGreaterThan(0);
      expect(new Set(bySigner.map((e) => e.actor.name))).toEqual(new Set([signer]));
    });
  });
});
