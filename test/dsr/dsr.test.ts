import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, manualClock, seedUser } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { sha, useGovernedLifecycle } from '../helpers/lifecycle.ts';

const DAY = 86_400_000;
const URL = '/api/v1/data-subject-requests';

interface Traced {
  datasetVersions: { dataset: string; version: number; derivedFrom: string | null; columns: { name: string }[] }[];
  modelVersions: { model: string; version: number; useCase: string; datasets: { dataset: string; role: string }[] }[];
  tasks: { id: string; kind: string; team: string; role: string }[];
}

describe.each(DB_KINDS)('data-subject requests on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const clock = manualClock(Date.parse('2026-03-02T09:00:00Z'));
    const { t, as } = useGovernedLifecycle(kind, { clock });
    let dpo = '';
    const post = (url: string, body: unknown, token = dpo) => call(t.app, { method: 'POST', url, token, body });
    const get = (url: string, token = dpo) => call(t.app, { method: 'GET', url, token });
    const request = (over: Record<string, unknown> = {}) => ({
      subjectRef: 'CRM-48213',
      type: 'erasure',
      category: 'email',
      receivedOn: '2026-01-31',
      ...over,
    });
    const count = async () => (await get(`${URL}?limit=500`)).body.items.length as number;
    const auditOf = async (id: string) =>
      (
        (await get(`/api/v1/audit/events?subjectType=data-subject-request&subjectId=${id}`)).body.items as {
          action: string;
        }[]
      ).map((e) => e.action);

    beforeAll(async () => {
      dpo = await seedUser(t.app, 'pia', [{ scope: '*', role: 'risk-audit' }], ['read', 'write', 'admin']);
      // Datasets are registered by the bootstrap administrator (no token), as the other tests do.
      const admin = (url: string, body: unknown) => call(t.app, { method: 'POST', url, body });
      const dataset = (name: string, columns: unknown[]) =>
        admin('/api/v1/datasets', {
          name,
          ownerTeam: 'lending',
          legalRegion: 'EU',
          provenance: { method: 'extract', source: 'crm', lawfulBasis: 'contract' },
          columns,
        });
      const version = (name: string, n: number, extra: Record<string, unknown> = {}) =>
        admin(`/api/v1/datasets/${name}/versions`, { rowCount: 10, digest: sha(500 + n), ...extra });
      for (const res of [
        await dataset('customers', [
          { name: 'email', piiKind: 'direct-identifier', description: 'contact e-mail' },
          { name: 'income', piiKind: 'none' },
        ]),
        await version('customers', 1),
        await dataset('features', [{ name: 'income_band', piiKind: 'none' }]),
        await version('features', 2, { derivedFrom: [{ dataset: 'customers', version: 1 }] }),
        await dataset('clinic', [{ name: 'diagnosis', piiKind: 'special-category' }]),
        await version('clinic', 3),
      ])
        expect(res.status, res.text).toBe(201);
      const v3 = await post(
        '/api/v1/models/pd/versions',
        {
          artifactUri: 's3://m/3',
          artifactDigest: sha(3),
          datasets: [
            { dataset: 'features', version: 1, role: 'training' },
            { dataset: 'customers', version: 1, role: 'evaluation' },
          ],
        },
        as('ds'),
      );
      expect(v3.status, v3.text).toBe(201);
    });

    it('records an erasure: due a calendar month later, traced to data and models, tasks opened, audited', async () => {
      const res = await post(URL, request());
      expect(res.status, res.text).toBe(201);
      const r = res.body;
      // 31 January + one month: the last day of February.
      expect(r).toMatchObject({ status: 'in-progress', dueOn: '2026-02-28', overdue: true, extension: null });
      const trace = r.trace as Traced;
      expect(trace.datasetVersions.map((d) => [d.dataset, d.version, d.derivedFrom])).toEqual([
        ['customers', 1, null],
        ['features', 1, 'customers@1'],
      ]);
      expect(trace.datasetVersions[0]!.columns.map((c) => c.name)).toEqual(['email']);
      expect(trace.modelVersions).toHaveLength(1);
      expect(trace.modelVersions[0]).toMatchObject({ model: 'pd', version: 3, useCase: 'credit' });
      expect(trace.modelVersions[0]!.datasets.map((d) => `${d.dataset}:${d.role}`).sort()).toEqual([
        'customers:evaluation',
        'features:training',
      ]);
      expect(trace.tasks.map((x) => x.kind)).toEqual(['dsr-erase', 'dsr-retrain', 'dsr-document']);
      expect(new Set(trace.tasks.map((x) => x.team))).toEqual(new Set(['lending']));
      // The data scientist of the owning team sees the retraining decision in the inbox.
      const inbox = await get('/api/v1/tasks?limit=500', as('ds'));
      const retrain = (inbox.body.items as { kind: string; title: string }[]).find((x) => x.kind === 'dsr-retrain');
      expect(retrain?.title).toContain('pd/3');
      expect(await auditOf(r.id)).toEqual(['dsr.create']);
      const one = await get(`${URL}/${r.id}`);
      expect(one.status, one.text).toBe(200);
      expect(one.body.trace.modelVersions[0].model).toBe('pd');
    });

    it('matches categories by PII kind; data no model uses is traced without tasks', async () => {
      const res = await post(URL, request({ type: 'access', category: 'special-category', receivedOn: '2026-03-01' }));
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({ status: 'received', dueOn: '2026-04-01', overdue: false });
      expect(res.body.trace.datasetVersions.map((d: { dataset: string }) => d.dataset)).toEqual(['clinic']);
      expect(res.body.trace.modelVersions).toEqual([]);
      expect(res.body.trace.tasks).toEqual([]);
      const all = await post(
        URL,
        request({ type: 'portability', category: 'personal-data', receivedOn: '2026-03-01' }),
      );
      expect(all.body.trace.datasetVersions.map((d: { dataset: string }) => d.dataset).sort()).toEqual([
        'clinic',
        'customers',
        'features',
      ]);
      expect(all.body.trace.tasks.map((x: { kind: string }) => x.kind)).toEqual(['dsr-document']);
    });

    it('extends once by up to two months with a reason; closes once; lists by status and overdue', async () => {
      const r = (await post(URL, request({ type: 'rectification', receivedOn: '2026-02-15' }))).body;
      expect(r.dueOn).toBe('2026-03-15');
      const beyond = await post(`${URL}/${r.id}/extend`, { months: 3, reason: 'complex' });
      expectProblem(beyond, 400, 'validation_failed');
      expect(beyond.body.errors).toEqual([
        { pointer: '/body/months', message: 'a request may be extended by at most 2 months' },
      ]);
      const ext = await post(`${URL}/${r.id}/extend`, { months: 2, reason: 'many systems hold the data' });
      expect(ext.status, ext.text).toBe(200);
      expect(ext.body).toMatchObject({ dueOn: '2026-05-15', extension: { reason: 'many systems hold the data' } });
      expectProblem(await post(`${URL}/${r.id}/extend`, { months: 1, reason: 'again' }), 409, 'conflict');

      const overdue = await get(`${URL}?overdue=true`);
      expect(overdue.status, overdue.text).toBe(200);
      expect(overdue.body.items.every((x: { overdue: boolean }) => x.overdue)).toBe(true);
      expect(overdue.body.items.map((x: { id: string }) => x.id)).not.toContain(r.id);
      expect(overdue.body.counts.overdue).toBe(overdue.body.items.length);

      const closed = await post(`${URL}/${r.id}/close`, {
        outcome: 'completed',
        reason: 'rectified in CRM and features',
      });
      expect(closed.status, closed.text).toBe(200);
      expect(closed.body).toMatchObject({ status: 'completed', closed: { reason: 'rectified in CRM and features' } });
      expectProblem(await post(`${URL}/${r.id}/close`, { outcome: 'refused', reason: 'x' }), 409, 'conflict');
      expectProblem(await post(`${URL}/${r.id}/extend`, { months: 1, reason: 'late' }), 409, 'conflict');
      const completed = await get(`${URL}?status=completed`);
      expect(completed.body.items.map((x: { id: string }) => x.id)).toEqual([r.id]);
      expect(await auditOf(r.id)).toEqual(['dsr.create', 'dsr.extend', 'dsr.close']);

      const refused = (await post(URL, request({ type: 'objection-automated-decision', receivedOn: '2026-03-02' })))
        .body;
      expect(refused.trace.tasks.map((x: { kind: string }) => x.kind)).toEqual(['dsr-retrain', 'dsr-document']);
      const res = await post(`${URL}/${refused.id}/close`, { outcome: 'refused', reason: 'manifestly unfounded' });
      expect(res.body.status).toBe('refused');
    });

    it('the daily check records dsr.overdue once per overdue request', async () => {
      const fresh = (await post(URL, request({ receivedOn: '2026-03-02' }))).body;
      const first = await post(`${URL}/overdue-checks`, {});
      expect(first.status, first.text).toBe(200);
      expect(first.body.noted).toBeGreaterThanOrEqual(1);
      expect((await post(`${URL}/overdue-checks`, {})).body.noted).toBe(0);
      expect(await auditOf(fresh.id)).toEqual(['dsr.create']);
      clock.advance(40 * DAY);
      expect((await post(`${URL}/overdue-checks`, {})).body.noted).toBeGreaterThanOrEqual(1);
      expect(await auditOf(fresh.id)).toEqual(['dsr.create', 'dsr.overdue']);
      expect((await post(`${URL}/overdue-checks`, {})).body.noted).toBe(0);
      expect((await get(`${URL}/${fresh.id}`)).body.overdue).toBe(true);
      // The governance programme counts them among its KPIs.
      const counts = (await get(URL)).body.counts;
      const kpis = await get('/api/v1/governance/kpis?kpi=dsr-overdue');
      expect(kpis.status, kpis.text).toBe(200);
      expect(kpis.body.values).toEqual([
        expect.objectContaining({ kpi: 'dsr-overdue', team: '*', value: counts.overdue, denominator: counts.open }),
      ]);
      expect(counts.overdue).toBeGreaterThanOrEqual(1);
      clock.advance(-40 * DAY);
    });

    it('refuses people who may not, bad input and unknown ids, writing nothing', async () => {
      const before = await count();
      // A validator of one team is not the organisation's data-protection officer.
      expectProblem(await post(URL, request(), as('risk1')), 403, 'forbidden');
      expectProblem(await post(URL, request(), as('ds')), 403, 'forbidden');
      expectProblem(await get(URL, as('ds')), 403, 'forbidden');
      const type = await post(URL, request({ type: 'deletion' }));
      expectProblem(type, 400, 'validation_failed');
      expect(type.text).toContain(
        'access, erasure, rectification, restriction, objection-automated-decision, portability',
      );
      const date = await post(URL, request({ receivedOn: '2026-02-30' }));
      expectProblem(date, 400, 'validation_failed');
      expect(date.body.errors[0].pointer).toBe('/body/receivedOn');
      expectProblem(await post(URL, request({ receivedOn: '2027-01-01' })), 400, 'validation_failed');
      expectProblem(await post(URL, request({ subjectRef: 'x'.repeat(201) })), 400, 'validation_failed');
      expectProblem(await post(URL, { ...request(), name: 'Jane Doe' }), 400, 'validation_failed');
      expectProblem(await post(URL, request({ category: '' })), 400, 'validation_failed');
      expectProblem(await get(`${URL}?status=done`), 400, 'validation_failed');
      expect(await count()).toBe(before);

      const id = randomUUID();
      expectProblem(await get(`${URL}/${id}`), 404, 'not_found');
      expectProblem(await post(`${URL}/${id}/extend`, { months: 1, reason: 'r' }), 404, 'not_found');
      expectProblem(await post(`${URL}/${id}/close`, { outcome: 'completed', reason: 'r' }), 404, 'not_found');
      const open = (await get(`${URL}?status=in-progress`)).body.items[0];
      const trail = await auditOf(open.id);
      expectProblem(
        await post(`${URL}/${open.id}/close`, { outcome: 'completed', reason: 'r' }, as('ds')),
        403,
        'forbidden',
      );
      expectProblem(await post(`${URL}/${open.id}/extend`, { months: 1, reason: 'r' }, as('risk1')), 403, 'forbidden');
      expectProblem(await post(`${URL}/${open.id}/close`, { outcome: 'done', reason: 'r' }), 400, 'validation_failed');
      expectProblem(await post(`${URL}/${open.id}/extend`, { months: 0, reason: 'r' }), 400, 'validation_failed');
      expectProblem(await post(`${URL}/${open.id}/extend`, { months: 1 }), 400, 'validation_failed');
      expect(await auditOf(open.id)).toEqual(trail);
      expect((await get(`${URL}/${open.id}`)).body).toMatchObject({ status: 'in-progress', extension: null });
    });
  });
});
