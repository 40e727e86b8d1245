import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, manualClock } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { PASSWORD, useGovernedLifecycle } from '../helpers/lifecycle.ts';

const DAY = 86_400_000;

describe.each(DB_KINDS)('exceptions (waivers) on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const clock = manualClock(Date.parse('2030-03-01T09:00:00Z'));
    const { t, as, lifecycle } = useGovernedLifecycle(kind, { clock, findings: { sweepMs: 50 } });
    const inDays = (days: number) => new Date(clock.now().getTime() + days * DAY).toISOString();
    const request = (user: string, body: Record<string, unknown>) =>
      call(t.app, { method: 'POST', url: '/api/v1/exceptions', token: as(user), body });
    const waiver = (over: Record<string, unknown> = {}) => ({
      model: 'pd',
      version: 1,
      measure: 'doc-model-card',
      reason: 'The model card is being rewritten for the new template; the release cannot wait.',
      expiresAt: inDays(30),
      ...over,
    });
    const decide = (user: string, id: string, decision: 'approve' | 'reject', body: Record<string, unknown> = {}) =>
      call(t.app, {
        method: 'POST',
        url: `/api/v1/exceptions/${id}/${decision}`,
        token: as(user),
        body: { password: PASSWORD(user), ...body },
      });
    const requirement = async (measure: string) =>
      (await lifecycle()).requirements.find((r: { measure: string }) => r.measure === measure);
    const blocking = async (measure: string) =>
      (await lifecycle()).steps.some((s: { gate: { blockers: { measure: string }[] } }) =>
        s.gate.blockers.some((b) => b.measure === measure),
      );
    const count = async () =>
      (await call(t.app, { method: 'GET', url: '/api/v1/exceptions?limit=500' })).body.items.length;

    it('refuses requests without an expiry, beyond the maximum, for unknown measures or subjects', async () => {
      const before = await count();
      const { expiresAt: _, ...noExpiry } = waiver();
      const missing = await request('ds', noExpiry);
      expectProblem(missing, 400, 'validation_failed');
      expect(missing.text).toContain('expiresAt');
      const far = await request('ds', waiver({ expiresAt: inDays(91) }));
      expectProblem(far, 400, 'validation_failed');
      expect(far.body.errors[0]).toMatchObject({ pointer: '/body/expiresAt' });
      expect(far.body.errors[0].message).toContain('at most 90 days');
      expectProblem(await request('ds', waiver({ expiresAt: inDays(-1) })), 400, 'validation_failed');
      expectProblem(await request('ds', waiver({ expiresAt: 'next week' })), 400, 'validation_failed');
      const measure = await request('ds', waiver({ measure: 'no-such-measure' }));
      expectProblem(measure, 400, 'validation_failed');
      expect(measure.body.errors[0].pointer).toBe('/body/measure');
      expectProblem(await request('ds', waiver({ version: 42 })), 404, 'not_found');
      expectProblem(await request('ds', waiver({ reason: '' })), 400, 'validation_failed');
      // Someone who may not change the version may not ask to waive its measures.
      expectProblem(await request('outsider', waiver()), 403, 'forbidden');
      const status = await call(t.app, { method: 'GET', url: '/api/v1/exceptions?status=valid' });
      expectProblem(status, 400, 'validation_failed');
      expect(status.text).toContain('requested, approved, rejected, expired');
      expectProblem(await call(t.app, { method: 'GET', url: `/api/v1/exceptions/${randomUUID()}` }), 404, 'not_found');
      expectProblem(await decide('risk1', randomUUID(), 'approve'), 404, 'not_found');
      expect(await count()).toBe(before);
    });

    it('four eyes: the requester may not approve their own; non-approvers are refused', async () => {
      // dora is both a data scientist and a validator: she may request, not approve her own request.
      const own = await request('devrisk', waiver({ measure: 'signoff-dual-acceptance' }));
      expect(own.status, own.text).toBe(201);
      const self = await decide('devrisk', own.body.id, 'approve');
      expectProblem(self, 403, 'separation_of_duties');
      expectProblem(await decide('ds', own.body.id, 'approve'), 403, 'forbidden');
      expectProblem(await decide('outsider', own.body.id, 'approve'), 403, 'forbidden');
      expectProblem(
        await decide('risk1', own.body.id, 'approve', { password: 'not-my-password' }),
        403,
        'reauthentication_failed',
      );
      const refusals = await call(t.app, {
        method: 'GET',
        url: `/api/v1/audit/events?action=authz.separation-of-duties&subjectId=${own.body.id}`,
      });
      expect(refusals.body.items).toHaveLength(1);
      const rejected = await decide('risk2', own.body.id, 'reject', { comment: 'Write the section instead.' });
      expect(rejected.status, rejected.text).toBe(200);
      expect(rejected.body).toMatchObject({ status: 'rejected', valid: false, comment: 'Write the section instead.' });
      expectProblem(await decide('risk1', own.body.id, 'approve'), 409, 'conflict');
    });

    it("a use case's waiver shows in its own requirements and its scoping gate", async () => {
      const reqs = (await call(t.app, { method: 'GET', url: '/api/v1/use-cases/credit/requirements' })).body;
      const uc = (await call(t.app, { method: 'GET', url: '/api/v1/use-cases/credit' })).body.id as string;
      const own = (await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${uc}/lifecycle` })).body;
      const missing = own.requirements.find((r: { status: string }) => r.status === 'missing').measure as string;
      expect(reqs.requirements.find((r: { measure: string }) => r.measure === missing).status).toBe('missing');
      const requested = await request('owner', {
        useCase: 'credit',
        measure: missing,
        reason: 'Training booked.',
        expiresAt: inDays(10),
      });
      expect(requested.status, requested.text).toBe(201);
      expect((await decide('risk2', requested.body.id, 'approve')).status).toBe(200);
      const after = (await call(t.app, { method: 'GET', url: '/api/v1/use-cases/credit/requirements' })).body;
      expect(after.requirements.find((r: { measure: string }) => r.measure === missing)).toMatchObject({
        status: 'waived',
        underlying: 'missing',
        waiver: { exception: requested.body.id },
      });
      const lifecycleAfter = (await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${uc}/lifecycle` })).body;
      expect(lifecycleAfter.requirements.find((r: { measure: string }) => r.measure === missing).status).toBe('waived');
    });

    it('an approved waiver shows the measure as waived and passes its gate; expiry re-opens it and notifies', async () => {
      expect(await requirement('doc-model-card')).toMatchObject({ status: 'missing' });
      expect(await blocking('doc-model-card')).toBe(true);
      const requested = await request('ds', waiver());
      expect(requested.status, requested.text).toBe(201);
      expect(requested.body).toMatchObject({ status: 'requested', valid: false, subject: { label: 'pd/1' } });
      const id = requested.body.id;
      // Requested is not approved: nothing is waived yet.
      expect((await requirement('doc-model-card')).status).toBe('missing');
      const approved = await decide('risk1', id, 'approve', { comment: 'Until the new template ships.' });
      expect(approved.status, approved.text).toBe(200);
      expect(approved.body).toMatchObject({ status: 'approved', valid: true });
      expect(approved.body.signature.manifest).toMatchObject({
        meaning: 'approve',
        role: 'risk-audit',
        signer: { username: 'rita' },
        exception: { id, measure: 'doc-model-card' },
      });
      const waived = await requirement('doc-model-card');
      expect(waived).toMatchObject({
        status: 'waived',
        underlying: 'missing',
        waiver: {
          exception: id,
          measure: 'doc-model-card',
          approvedBy: approved.body.decidedBy,
          expiresAt: waiver().expiresAt,
        },
      });
      expect(await blocking('doc-model-card')).toBe(false);
      const listed = await call(t.app, { method: 'GET', url: '/api/v1/exceptions?model=pd&version=1&status=approved' });
      expect(listed.body.items.map((e: { id: string }) => e.id)).toEqual([id]);

      // An open promotion decided while the waiver holds does not name the measure.
      const promotion = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/pd/versions/1/promotions',
        token: as('ds'),
        body: { environment: 'production', reason: 'release' },
      });
      expect(promotion.status, promotion.text).toBe(201);
      const named = (p: { blockers: { measure: string }[] }) => p.blockers.some((x) => x.measure === 'doc-model-card');
      expect(named(promotion.body)).toBe(false);

      // Time passes beyond the expiry: the gate re-opens, the job marks it expired and notifies.
      clock.advance(31 * DAY);
      expect((await requirement('doc-model-card')).status).toBe('missing');
      expect(await blocking('doc-model-card')).toBe(true);
      let audited: { action: string }[] = [];
      for (let i = 0; i < 100 && audited.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        audited = (
          await call(t.app, { method: 'GET', url: `/api/v1/audit/events?action=exception.expire&subjectId=${id}` })
        ).body.items;
      }
      expect(audited).toHaveLength(1);
      expect((await call(t.app, { method: 'GET', url: `/api/v1/exceptions/${id}` })).body).toMatchObject({
        status: 'expired',
        valid: false,
      });
      // The expiry re-decided the open promotion: the measure blocks it again.
      const redecided = await call(t.app, {
        method: 'GET',
        url: `/api/v1/models/pd/versions/1/promotions/${promotion.body.id}`,
      });
      expect(named(redecided.body)).toBe(true);
      const tasks = (await lifecycle()).tasks.filter((x: { kind: string }) => x.kind === 'exception-expired');
      expect(tasks).toHaveLength(1);
      expect(tasks[0]).toMatchObject({ details: { exception: id, waived: 'doc-model-card' } });
      expect(tasks[0].title).toContain('doc-model-card');
    });
  });
});
