import { describe, expect, it } from 'vitest';
import { call, expectProblem } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';

interface Requirement {
  measure: string;
  status: string;
  unmet?: string[];
  failures?: {
    evidence: string;
    metric?: string;
    observed?: number;
    comparator?: string;
    threshold?: number;
    dataset?: string;
    region?: string;
    regions?: string[];
    detail: string;
  }[];
  considered?: { evidence: string; observed: number; holds: boolean; decides: boolean; dataDigest: string }[];
}

// One CSV, two prediction columns: evaluating either reads the same data (one data digest), so the
// later result on the same artefact and dataset is the one that decides.
const CSV = `y,fair,biased,sex\n${Array.from({ length: 80 }, (_, i) => {
  const fair = i % 2;
  // Women (the first 40 rows) are selected at half the rate of men: a parity ratio of 0.5.
  const biased = i < 40 ? Number(i % 4 === 0) : Number(i % 2 === 0);
  return `${i % 2},${fair},${biased},${i < 40 ? 'F' : 'M'}`;
}).join('\n')}\n`;

describe.each(DB_KINDS)('evidence that decides: failed checks, residency, alignment, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const { t, v1, as, sign } = useGovernedLifecycle(kind);
    const v2 = '/api/v1/models/pd/versions/2';
    const evaluate = async (url: string, prediction: string, csv = CSV) => {
      const res = await t.app.inject({
        method: 'POST',
        url: `${url}/evaluations?task=binary-classification&label=y&prediction=${prediction}&sensitive=sex`,
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${as('ds')}` },
        payload: csv,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: string; dataDigest: string; metrics: Record<string, number> };
    };
    const requirement = async (url: string, measure: string) =>
      ((await call(t.app, { method: 'GET', url: `${url}/requirements` })).body.requirements as Requirement[]).find(
        (r) => r.measure === measure,
      )!;
    const useCaseId = async () =>
      (await call(t.app, { method: 'GET', url: '/api/v1/use-cases?limit=10' })).body.items.find(
        (u: { name: string }) => u.name === 'credit',
      ).id as string;

    it('lets a later failing evaluation of the same artefact on the same data fail the check, showing both', async () => {
      const pass = await evaluate(v1, 'fair');
      expect(await requirement(v1, 'bias-subgroup-parity')).toMatchObject({
        status: 'satisfied',
        considered: [{ evidence: pass.id, holds: true, decides: true }],
      });
      const fail = await evaluate(v1, 'biased');
      expect(fail.dataDigest).toBe(pass.dataDigest);
      expect(fail.metrics['demographic-parity-ratio']).toBe(0.5);
      const parity = await requirement(v1, 'bias-subgroup-parity');
      expect(parity).toMatchObject({
        status: 'failed',
        failures: [
          {
            evidence: fail.id,
            metric: 'demographic-parity-ratio',
            observed: 0.5,
            comparator: '>=',
            threshold: 0.8,
            dataDigest: pass.dataDigest,
          },
        ],
      });
      expect(parity.considered!.map((c) => [c.evidence, c.holds, c.decides])).toEqual([
        [pass.id, true, false],
        [fail.id, false, true],
      ]);
      // The gate names it failed, with the observed value; a promotion is refused with the same reason.
      const blocker = (await call(t.app, { method: 'GET', url: `${v1}/lifecycle` })).body.steps
        .find((s: { id: string }) => s.id === 'development')
        .gate.blockers.find((b: { measure: string }) => b.measure === 'bias-subgroup-parity');
      expect(blocker).toMatchObject({ status: 'failed', detail: [expect.stringMatching(/observed 0\.5 \(evidence /)] });
      const promotion = await call(t.app, {
        method: 'POST',
        url: `${v1}/promotions`,
        token: as('ds'),
        body: { environment: 'qa', reason: 'try' },
      });
      expect(promotion.body.status).toBe('blocked');
      expect(promotion.body.reasons.join('\n')).toMatch(/bias-subgroup-parity\) is failed: .*observed 0\.5/);
      // Fixing the model and evaluating again on the same data: the latest result decides once more.
      const fixed = await evaluate(v1, 'fair');
      expect(await requirement(v1, 'bias-subgroup-parity')).toMatchObject({
        status: 'satisfied',
        considered: [{ decides: false }, { decides: false }, { evidence: fixed.id, decides: true }],
      });
    });

    it('fails data residency for data held outside the use case regions, naming the dataset and regions', async () => {
      expect(await requirement(v1, 'data-residency')).toMatchObject({ status: 'satisfied' });
      // Version 2 is evaluated on data that turns out to be a registered US dataset version (same digest).
      const us = `y,fair,biased,sex\n${'1,1,1,F\n0,0,0,M\n'.repeat(20)}`;
      const evaluated = await evaluate(v2, 'fair', us);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/datasets',
            body: {
              name: 'us-applicants',
              ownerTeam: 'lending',
              legalRegion: 'US',
              provenance: { method: 'vendor file', source: 'US bureau' },
            },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/datasets/us-applicants/versions',
            body: { rowCount: 40, digest: evaluated.dataDigest },
          })
        ).status,
      ).toBe(201);
      const residency = await requirement(v2, 'data-residency');
      expect(residency).toMatchObject({
        status: 'failed',
        failures: [{ dataset: 'us-applicants/1', region: 'US', regions: ['EU', 'DE'] }],
      });
      expect(residency.unmet).toEqual([
        "dataset us-applicants/1 is held in US, which is not among the use case's regions (EU, DE)",
      ]);
      // Version 1 never touched it.
      expect((await requirement(v1, 'data-residency')).status).toBe('satisfied');
      // A version of the EU dataset exported to the US carries its own legal region; a bad one is refused.
      const exported = await evaluate(v1, 'fair', `y,fair,biased,sex\n${'0,0,1,F\n1,1,1,M\n'.repeat(20)}`);
      const badRegion = await call(t.app, {
        method: 'POST',
        url: '/api/v1/datasets/credit-train/versions',
        body: { rowCount: 40, digest: exported.dataDigest, legalRegion: 'Mars' },
      });
      expectProblem(badRegion, 400, 'validation_failed');
      expect(JSON.stringify(badRegion.body.errors)).toMatch(/legalRegion/);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/datasets/credit-train' })).body.latestVersion).toBe(1);
      const copy = await call(t.app, {
        method: 'POST',
        url: '/api/v1/datasets/credit-train/versions',
        body: { rowCount: 40, digest: exported.dataDigest, legalRegion: 'US' },
      });
      expect(copy.body).toMatchObject({ version: 2, legalRegion: 'US' });
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/datasets/credit-train/versions/1' })).body.legalRegion,
      ).toBe('EU');
      expect(await requirement(v1, 'data-residency')).toMatchObject({
        status: 'failed',
        failures: [{ dataset: 'credit-train/2', region: 'US' }],
      });
    });

    it('marks done only tasks without a measure; unknown tasks are 404, and refusals change nothing', async () => {
      const uc = await useCaseId();
      const owned = (await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: as('owner') })).body.items as {
        id: string;
        kind: string;
        details: { measure?: string };
        subject: { id: string };
      }[];
      const raci = owned.find((x) => x.kind === 'raci' && x.details.measure === undefined);
      const signoff = owned.find((x) => x.kind === 'signoff' && x.subject.id === uc);
      expect(raci && signoff).toBeTruthy();
      const completed = async () =>
        (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=task.complete' })).body.items.length;
      const before = await completed();
      const refused = await call(t.app, {
        method: 'POST',
        url: `/api/v1/tasks/${signoff!.id}/completion`,
        token: as('owner'),
      });
      expectProblem(refused, 409, 'conflict');
      expect(refused.body.detail).toMatch(/closes by itself when measure '[a-z0-9-]+' is met/);
      expect(await completed()).toBe(before);
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/tasks/00000000-0000-4000-8000-000000000000/completion',
          token: as('owner'),
        }),
        404,
        'not_found',
      );
      const done = await call(t.app, {
        method: 'POST',
        url: `/api/v1/tasks/${raci!.id}/completion`,
        token: as('owner'),
      });
      expect(done.body).toMatchObject({ status: 'done' });
      expect(await completed()).toBe(before + 1);
    });

    it('fails ai-policy at tier 4 until the use case aligns with the current ethical position', async () => {
      const uc = await useCaseId();
      const u = `/api/v1/use-cases/${uc}`;
      const aiPolicy = async () =>
        ((await call(t.app, { method: 'GET', url: `${u}/requirements` })).body.requirements as Requirement[]).find(
          (r) => r.measure === 'ai-policy',
        )!;
      // No position published yet: nothing to align with, only the owner's sign-off is missing.
      expect((await aiPolicy()).unmet).toEqual(['1 sign-off(s) by business-stakeholder']);
      const signed = await sign('owner', { role: 'business-stakeholder', meaning: 'approve' }, u);
      expect(signed.status, signed.text).toBe(201);
      expect((await aiPolicy()).status).toBe('satisfied');
      const position = {
        wellbeingAspects: ['financial security'],
        psychologicalImpact: 'no pressure',
        financialImpact: 'explainable',
        transparency: 'told',
        accountability: 'named owner',
      };
      expect((await call(t.app, { method: 'PUT', url: '/api/v1/ethical-position', body: position })).status).toBe(200);
      // The owner's sign-off alone no longer meets it.
      expect(await aiPolicy()).toMatchObject({
        status: 'missing',
        unmet: ['alignment with the current ethical position (none recorded for position version 1)'],
      });
      const gate = (await call(t.app, { method: 'GET', url: `${u}/lifecycle` })).body.steps[0].gate;
      expect(gate.blockers).toContainEqual(expect.objectContaining({ measure: 'ai-policy', status: 'missing' }));
      // An open promotion blocked on it is re-decided once the use case aligns.
      const blocked = await call(t.app, {
        method: 'POST',
        url: `${v1}/promotions`,
        token: as('ds'),
        body: { environment: 'preproduction', reason: 'after alignment' },
      });
      expect(blocked.body.reasons?.join('\n'), blocked.text).toMatch(/\(ai-policy\) is missing/);
      const aligned = await call(t.app, {
        method: 'PUT',
        url: `${u}/alignment`,
        token: as('owner'),
        body: { statement: 'Credit refusals carry reason codes and can be contested.' },
      });
      expect(aligned.status, aligned.text).toBe(200);
      expect((await aiPolicy()).status).toBe('satisfied');
      const redecided = (await call(t.app, { method: 'GET', url: `${v1}/promotions/${blocked.body.id}` })).body;
      expect(redecided.status).toBe('blocked');
      expect(redecided.reasons.join('\n')).not.toMatch(/ai-policy/);
      // A new position version puts the alignment in review: ai-policy fails, with the reason.
      await call(t.app, { method: 'PUT', url: '/api/v1/ethical-position', body: { ...position, transparency: 'x' } });
      expect(await aiPolicy()).toMatchObject({
        status: 'failed',
        failures: [
          { detail: expect.stringMatching(/aligned with ethical position version 1, but version 2 is current/) },
        ],
      });
      // The versions see it too (ai-policy belongs to the scoping gate every version passes).
      expect(await requirement(v1, 'ai-policy')).toMatchObject({ status: 'failed' });
    });
  });
});
