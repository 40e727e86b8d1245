import { describe, expect, it } from 'vitest';
import { actionPatterns, subjectTerm } from '../../src/domain/audit-search.ts';
import { call, expectProblem, seedModel, seedUseCase, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

type Event = {
  seq: number;
  time: string;
  action: string;
  actor: { name: string };
  subject: { type: string; id: string; name: string | null; model: string | null; version: number | null };
};
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('reading what a person types into the audit search', () => {
  // SQL LIKE with ESCAPE '\', as the database reads the patterns.
  const like = (pattern: string, code: string) => {
    let re = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c === '\\') re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      else if (c === '%') re += '.*';
      else if (c === '_') re += '.';
      else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
    return new RegExp(`^${re}$`).test(code);
  };
  const finds = (term: string, code: string) => actionPatterns(term).some((p) => like(p, code));

  it('finds sign-offs and reviews for "approve" and its forms, not creations', () => {
    for (const term of ['approve', 'Approved', 'approval', 'sign-off'])
      for (const code of ['signature.create', 'document.review', 'promotion.complete'])
        expect(finds(term, code), `${term} → ${code}`).toBe(true);
    expect(finds('approve', 'model.create')).toBe(false);
    expect(finds('signature.create', 'signature.create')).toBe(true);
    expect(finds('signature.create', 'document.review')).toBe(false);
  });

  it('matches codes by their text and families by prefix, with wildcards typed taken literally', () => {
    expect(finds('promotion', 'promotion.request')).toBe(true);
    expect(finds('create', 'use-case.create')).toBe(true);
    expect(finds('deploy', 'alias.set')).toBe(true);
    expect(finds('suspend', 'version.suspend')).toBe(true);
    expect(finds('%', 'model.create')).toBe(false);
    expect(finds('_', 'model.create')).toBe(false);
    expect(actionPatterns('   ')).toEqual([]);
  });

  it('reads a version in a subject term', () => {
    expect(subjectTerm('Credit-Risk v3')).toEqual({ text: 'credit-risk', version: 3 });
    expect(subjectTerm('credit-risk version 12')).toEqual({ text: 'credit-risk', version: 12 });
    expect(subjectTerm('credit-risk')).toEqual({ text: 'credit-risk' });
  });
});

describe.each(DB_KINDS)('audit search on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);
    const tok: Record<string, string> = {};
    const events = async (params: Record<string, string>, token?: string) => {
      const res = await call(t.app, { method: 'GET', url: `/api/v1/audit/events?${q(params)}`, token });
      expect(res.status, res.text).toBe(200);
      return res.body as { items: Event[]; nextCursor: string | null };
    };

    it('seeds a small history', async () => {
      const uc = await seedUseCase(t.app, 'Loan pricing');
      await seedModel(t.app, 'pricing-gbm', uc);
      for (const n of [1, 2])
        expect(
          (
            await call(t.app, {
              method: 'POST',
              url: '/api/v1/models/pricing-gbm/versions',
              body: { artifactUri: `s3://p/${n}`, artifactDigest: `sha256:${String(n).repeat(64)}` },
            })
          ).status,
        ).toBe(201);
      tok.vera = await seedUser(t.app, 'vera', [{ scope: '*', role: 'risk-audit' }]);
      tok.olga = await seedUser(t.app, 'olga', [{ scope: '*', role: 'viewer' }]);
    });

    it('names subjects: use cases, models and versions as "model vN", users', async () => {
      const { items } = await events({ limit: '1000' });
      const version = items.find((e) => e.action === 'version.create' && e.subject.version === 2)!;
      expect(version.subject).toMatchObject({ type: 'model-version', name: 'pricing-gbm v2', model: 'pricing-gbm' });
      expect(items.find((e) => e.action === 'use-case.create')!.subject.name).toBe('Loan pricing');
      expect(items.find((e) => e.action === 'model.create')!.subject.name).toBe('pricing-gbm');
      expect(items.find((e) => e.action === 'user.create' && e.subject.name === 'User vera')).toBeTruthy();
    });

    it('searches newest first by actor name, subject name, action family and time, paging through', async () => {
      const newest = await events({ order: 'desc', limit: '3' });
      const seqs = newest.items.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
      const next = await events({ order: 'desc', limit: '3', cursor: newest.nextCursor! });
      expect(next.items[0]!.seq).toBe(seqs[2]! - 1);

      const byActor = await events({ actorName: 'administ' });
      expect(byActor.items.length).toBeGreaterThan(0);
      expect(new Set(byActor.items.map((e) => e.actor.name))).toEqual(new Set(['Administrator']));
      const system = await events({ actorName: 'steward' });
      expect(system.items.every((e) => e.actor.name === 'Steward')).toBe(true);
      expect((await events({ actorName: 'nobody-like-this' })).items).toEqual([]);

      const bySubject = await events({ subjectName: 'PRICING' });
      expect(new Set(bySubject.items.map((e) => e.subject.type))).toEqual(
        new Set(['use-case', 'model', 'model-version']),
      );
      const v1 = await events({ subjectName: 'pricing-gbm v1' });
      expect(v1.items.map((e) => e.subject.name)).toEqual(['pricing-gbm v1']);

      const created = await events({ actionFamily: 'create', subjectName: 'pricing' });
      expect(created.items.map((e) => e.action).sort()).toEqual([
        'model.create',
        'use-case.create',
        'version.create',
        'version.create',
      ]);
      // The only approval so far: the bootstrap activation of the default policy pack.
      expect((await events({ actionFamily: 'approve' })).items.map((e) => e.action)).toEqual(['policy.activate']);
      const tokens = await events({ actionFamily: 'token' });
      expect(tokens.items.length).toBeGreaterThan(0);
      expect(tokens.items.every((e) => e.action.startsWith('token.') || e.action.startsWith('role.'))).toBe(true);

      const all = (await events({ limit: '1000' })).items;
      const mid = all[Math.floor(all.length / 2)]!;
      const from = await events({ from: mid.time, limit: '1000' });
      expect(from.items.every((e) => e.time >= mid.time)).toBe(true);
      const until = await events({ to: mid.time, limit: '1000' });
      expect(until.items.every((e) => e.time < mid.time)).toBe(true);
      expect(from.items.length + until.items.length).toBe(all.length);
    });

    it('refuses a backwards range, malformed dates and cursors, an unknown order, and a viewer', async () => {
      const now = new Date().toISOString();
      const back = await call(t.app, {
        method: 'GET',
        url: `/api/v1/audit/events?${q({ from: now, to: new Date(Date.now() - 60_000).toISOString() })}`,
      });
      expectProblem(back, 400, 'validation_failed');
      expect(back.body.errors[0].pointer).toBe('/querystring/to');
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/audit/events?from=yesterday' }),
        400,
        'validation_failed',
      );
      const badCursor = await call(t.app, { method: 'GET', url: '/api/v1/audit/events?cursor=xyz' });
      expectProblem(badCursor, 400, 'validation_failed');
      expect(badCursor.body.errors[0].pointer).toBe('/querystring/cursor');
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/audit/events?order=sideways' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: `/api/v1/audit/events?actorName=${'x'.repeat(201)}` }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/audit/events', token: tok.olga }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/audit/events/export?format=xml' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/audit/events/export', token: tok.olga }),
        403,
        'forbidden',
      );
    });

    it('exports what is filtered as CSV and JSON, and audits the export', async () => {
      const filter = { subjectName: 'pricing', order: 'desc' };
      const shown = (await events({ ...filter, limit: '1000' })).items;
      const before = (await events({ actionFamily: 'export' })).items.length;
      const csv = await call(t.app, {
        method: 'GET',
        url: `/api/v1/audit/events/export?${q({ ...filter, format: 'csv' })}`,
        token: tok.vera,
      });
      expect(csv.status).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.headers['content-disposition']).toMatch(/attachment; filename="audit-events-.*\.csv"/);
      const lines = csv.text.trim().split('\r\n');
      expect(lines[0]).toBe(
        'seq,time,actor,actor_kind,actor_id,action,subject_type,subject_id,subject_name,reason,request_id,source',
      );
      expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(shown.map((e) => e.seq));
      expect(lines[1]).toContain('pricing-gbm v2');

      const json = await call(t.app, {
        method: 'GET',
        url: `/api/v1/audit/events/export?${q({ ...filter, format: 'json' })}`,
        token: tok.vera,
      });
      expect(json.status).toBe(200);
      expect(json.headers['content-type']).toContain('application/json');
      expect((json.body as Event[]).map((e) => e.seq)).toEqual(shown.map((e) => e.seq));

      const exports = (await events({ actionFamily: 'export', order: 'desc' })).items;
      expect(exports.length).toBe(before + 2);
      expect(exports[0]).toMatchObject({
        action: 'export.generate',
        actor: { name: 'User vera' },
        subject: { type: 'audit-trail', id: 'events' },
      });
      const empty = await call(t.app, {
        method: 'GET',
        url: `/api/v1/audit/events/export?${q({ actorName: 'nobody', format: 'json' })}`,
      });
      expect(empty.body).toEqual([]);
    });
  });
});
