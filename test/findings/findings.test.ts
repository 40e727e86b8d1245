import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, expectProblem } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { PASSWORD, useGovernedLifecycle } from '../helpers/lifecycle.ts';

describe.each(DB_KINDS)('findings on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const { t, as } = useGovernedLifecycle(kind);
    const finding = (over: Record<string, unknown> = {}) => ({
      model: 'pd',
      version: 1,
      severity: 'high',
      title: 'Calibration drifts for thin-file applicants',
      description: 'Observed default rates exceed predicted ones by 40% below 3 trades.',
      owner: 'dana',
      dueDate: '2030-01-31',
      remediation: 'Recalibrate on the 2025 cohort and re-run the validation report.',
      ...over,
    });
    const raise = (user: string, body: Record<string, unknown>) =>
      call(t.app, { method: 'POST', url: '/api/v1/findings', token: as(user), body });
    const count = async () =>
      (await call(t.app, { method: 'GET', url: '/api/v1/findings?limit=500' })).body.items.length;
    const productionCheck = async () =>
      (await call(t.app, { method: 'GET', url: '/api/v1/check?model=pd&version=1&environment=production' })).body
        .reasons as string[];

    it('a validator raises a blocking finding: promotion to production is refused with the finding named', async () => {
      const res = await raise('risk1', finding());
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({
        status: 'open',
        severity: 'high',
        blocks: ['production'],
        owner: { username: 'dana' },
        subject: { type: 'model-version', label: 'pd/1', model: 'pd', version: 1 },
        closed: null,
      });
      const id = res.body.id;
      expect((await productionCheck()).join('\n')).toContain(`open high finding ${id} blocks production`);
      const promotion = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/pd/versions/1/promotions',
        token: as('ds'),
        body: { environment: 'production', reason: 'release' },
      });
      expect(promotion.status, promotion.text).toBe(201);
      expect(promotion.body.status).toBe('blocked');
      expect(promotion.body.reasons.join('\n')).toContain(`finding ${id}`);
      // A low finding is recorded but blocks nothing.
      const low = await raise('risk2', finding({ severity: 'low', title: 'Typo in the model card' }));
      expect(low.body.blocks).toEqual([]);
      expect((await productionCheck()).join('\n')).not.toContain(low.body.id);
      // Filters: by subject, status and severity.
      const listed = await call(t.app, {
        method: 'GET',
        url: '/api/v1/findings?model=pd&version=1&status=open&severity=high',
      });
      expect(listed.body.items.map((f: { id: string }) => f.id)).toEqual([id]);
      const byUseCase = await call(t.app, { method: 'GET', url: '/api/v1/findings?useCase=credit' });
      expect(byUseCase.body.items).toHaveLength(2);
      expect((await call(t.app, { method: 'GET', url: `/api/v1/findings/${id}` })).body.title).toBe(finding().title);
      const audited = await call(t.app, {
        method: 'GET',
        url: `/api/v1/audit/events?subjectType=finding&subjectId=${id}`,
      });
      expect(audited.body.items.map((e: { action: string }) => e.action)).toEqual(['finding.raise']);
    });

    it('documents report real findings: model card (open), validation report (with severity), inventory export', async () => {
      const card = await call(t.app, {
        method: 'GET',
        url: '/api/v1/models/pd/versions/1/exports/model-card?format=md',
      });
      expect(card.status, card.text).toBe(200);
      expect(card.text).toContain('Calibration drifts for thin-file applicants');
      expect(card.text).not.toContain('not held');
      const report = await call(t.app, {
        method: 'GET',
        url: '/api/v1/models/pd/versions/1/exports/validation-report?format=md',
      });
      expect(report.status, report.text).toBe(200);
      expect(report.text).toMatch(/\| high \| Calibration drifts for thin-file applicants \| pd\/1 \| open \| dana \|/);
      expect(report.text).toContain('Typo in the model card');
      const csv = await call(t.app, { method: 'GET', url: '/api/v1/exports/inventory?format=csv' });
      const row = csv.text.split('\n').find((l) => l.includes(',pd,1,'));
      expect(row, csv.text).toBeDefined();
      expect(row!.split(',')[10]).toBe('2');
    });

    it('refuses findings from non-validators, bad severities, unknown subjects and owners, writing nothing', async () => {
      const before = await count();
      expectProblem(await raise('ds', finding()), 403, 'forbidden');
      // A validator of another team is no validator here.
      expectProblem(await raise('outsider', finding()), 403, 'forbidden');
      const bad = await raise('risk1', finding({ severity: 'urgent' }));
      expectProblem(bad, 400, 'validation_failed');
      expect(bad.body.errors).toEqual([
        { pointer: '/body/severity', message: "must be one of the pack's severities: low, medium, high, critical" },
      ]);
      const owner = await raise('risk1', finding({ owner: 'nobody' }));
      expectProblem(owner, 400, 'validation_failed');
      expect(owner.body.errors[0].pointer).toBe('/body/owner');
      expectProblem(await raise('risk1', finding({ dueDate: '31/01/2030' })), 400, 'validation_failed');
      expectProblem(await raise('risk1', finding({ version: 99 })), 404, 'not_found');
      expectProblem(
        await raise('risk1', finding({ model: undefined, version: undefined, useCase: 'nope' })),
        404,
        'not_found',
      );
      expectProblem(await raise('risk1', finding({ useCase: 'credit' })), 400, 'validation_failed');
      expectProblem(await raise('risk1', finding({ title: 'x'.repeat(201) })), 400, 'validation_failed');
      expectProblem(await raise('risk1', { ...finding(), extra: 1 }), 400, 'validation_failed');
      const status = await call(t.app, { method: 'GET', url: '/api/v1/findings?status=done' });
      expectProblem(status, 400, 'validation_failed');
      expect(status.text).toContain('open, remediating, closed');
      expectProblem(await call(t.app, { method: 'GET', url: `/api/v1/findings/${randomUUID()}` }), 404, 'not_found');
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/findings?model=pd' }), 400, 'validation_failed');
      expect(await count()).toBe(before);
    });

    it('the owner remediates; only a validator re-grades; closing takes a validator signature', async () => {
      const id = (await raise('risk1', finding({ title: 'Missing challenger benchmark' }))).body.id;
      const patch = (user: string, body: Record<string, unknown>) =>
        call(t.app, { method: 'PATCH', url: `/api/v1/findings/${id}`, token: as(user), body });
      const remediating = await patch('ds', { status: 'remediating', remediation: 'Benchmark against GBM.' });
      expect(remediating.status, remediating.text).toBe(200);
      expect(remediating.body).toMatchObject({ status: 'remediating', remediation: 'Benchmark against GBM.' });
      expectProblem(await patch('ds', { severity: 'low' }), 403, 'forbidden');
      expectProblem(await patch('owner', { status: 'open' }), 403, 'forbidden');
      expectProblem(await patch('risk1', { status: 'closed' }), 400, 'validation_failed');
      expectProblem(await patch('risk1', {}), 400, 'validation_failed');
      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url: `/api/v1/findings/${randomUUID()}`,
          token: as('risk1'),
          body: { title: 'x' },
        }),
        404,
        'not_found',
      );
      const regraded = await patch('risk2', { severity: 'critical' });
      expect(regraded.body).toMatchObject({ severity: 'critical', blocks: ['production'] });

      const close = (user: string, body: Record<string, unknown>) =>
        call(t.app, { method: 'POST', url: `/api/v1/findings/${id}/close`, token: as(user), body });
      // The owner is no validator: 403 however right the password.
      expectProblem(await close('ds', { password: PASSWORD('ds') }), 403, 'forbidden');
      expectProblem(await close('outsider', { password: PASSWORD('outsider') }), 403, 'forbidden');
      expectProblem(await close('risk2', { password: 'wrong-password-entirely' }), 403, 'reauthentication_failed');
      expectProblem(await close('risk2', {}), 403, 'reauthentication_failed');
      expect((await productionCheck()).join('\n')).toContain(id);
      // Another validator than the raiser may close it.
      const closed = await close('risk2', { password: PASSWORD('risk2'), comment: 'Benchmark attached.' });
      expect(closed.status, closed.text).toBe(200);
      expect(closed.body).toMatchObject({ status: 'closed', blocks: [] });
      expect(closed.body.closed.signature.manifest).toMatchObject({
        meaning: 'close',
        role: 'risk-audit',
        signer: { username: 'ravi' },
        finding: { id, severity: 'critical' },
      });
      expect(closed.body.closed.signature.manifestDigest).toMatch(/^sha256:/);
      expect((await productionCheck()).join('\n')).not.toContain(id);
      expectProblem(await close('risk1', { password: PASSWORD('risk1') }), 409, 'conflict');
      expectProblem(await patch('risk1', { title: 'again' }), 409, 'conflict');
      const actions = (
        await call(t.app, { method: 'GET', url: `/api/v1/audit/events?subjectType=finding&subjectId=${id}` })
      ).body.items.map((e: { action: string }) => e.action);
      expect(actions).toEqual(['finding.raise', 'finding.update', 'finding.update', 'finding.close']);
    });
  });
});
