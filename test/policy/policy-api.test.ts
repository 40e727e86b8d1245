import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DEFAULT_PACK_FILE } from '../../src/features/policy/pack-file.ts';
import {
  call,
  expectProblem,
  manualClock,
  seedModel,
  seedUser,
  useCaseBody,
  useTestApp,
  digest,
} from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { adHocAnalysis, creditScoring } from '../helpers/policy.ts';

const defaultPack = () => parse(readFileSync(DEFAULT_PACK_FILE, 'utf8')) as Record<string, any>;

describe.each(DB_KINDS)('policy packs and risk assessments on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const clock = manualClock(Date.parse('2026-11-26T10:00:00Z'));
    const t = useTestApp(kind, { clock, teams: ['lending', 'insights'] });
    let credit: string;
    let adhoc: string;
    let risk1: string;
    let risk2: string;
    let owner: string;
    let ds: string;

    beforeAll(async () => {
      credit = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('consumer-credit', { ownerTeam: 'lending' }),
        })
      ).body.id;
      adhoc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('one-off-analysis', { ownerTeam: 'insights', consumers: 'internal-few' }),
        })
      ).body.id;
      risk1 = await seedUser(t.app, 'risk-one', [{ scope: '*', role: 'risk-audit' }], ['read', 'write', 'admin']);
      risk2 = await seedUser(t.app, 'risk-two', [{ scope: '*', role: 'risk-audit' }], ['read', 'write', 'admin']);
      owner = await seedUser(t.app, 'owner', [{ scope: 'lending', role: 'business-stakeholder' }]);
      ds = await seedUser(t.app, 'ds', [{ scope: 'lending', role: 'data-scientist' }]);
      await seedModel(t.app, 'pd-model', credit);
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/pd-model/versions',
        body: { artifactUri: 's3://pd/1', artifactDigest: digest('pd1') },
      });
    });

    it('starts with the shipped default pack active', async () => {
      const active = await call(t.app, { method: 'GET', url: '/api/v1/policies/active', token: ds });
      expect(active.body).toMatchObject({
        name: 'default',
        version: '1.0.0',
        status: 'active',
        digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      });
      expect(active.body.pack.regulations).toHaveLength(12);
      const schema = await call(t.app, { method: 'GET', url: '/api/v1/policies/schema', token: ds });
      expect(schema.body.properties.apiVersion).toBeDefined();
    });

    it('assesses the two reference use cases as the product contract says', async () => {
      const a = await call(t.app, {
        method: 'PUT',
        url: `/api/v1/use-cases/${credit}/assessment`,
        body: { answers: creditScoring },
        token: owner,
      });
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({
        tier: 4,
        assessedTier: 4,
        euAiAct: 'high-risk',
        policy: { name: 'default', version: '1.0.0' },
        reviewBy: '2027-02-24',
        overdue: false,
        override: null,
      });
      expect(a.body.tags).toEqual(expect.arrayContaining(['gdpr', 'eu-ai-act-high-risk', 'model-risk-management']));
      expect(a.body.trace.map((r: { rule: string }) => r.rule)).toEqual(
        expect.arrayContaining(['public-real-time', 'eu-ai-act-high-risk', 'gdpr']),
      );

      const b = await call(t.app, {
        method: 'PUT',
        url: `/api/v1/use-cases/${adhoc}/assessment`,
        body: { answers: adHocAnalysis },
        token: risk1,
      });
      expect(b.body).toMatchObject({ tier: 1, euAiAct: 'minimal', reviewBy: '2028-11-25' });
      for (const tag of ['gdpr', 'eu-ai-act-high-risk', 'model-risk-management'])
        expect(b.body.tags).not.toContain(tag);
    });

    it('names the question of every bad answer and refuses those without the right role', async () => {
      const bad = await call(t.app, {
        method: 'PUT',
        url: `/api/v1/use-cases/${credit}/assessment`,
        body: { answers: { ...creditScoring, sector: 'crypto', shoeSize: '42' } },
        token: owner,
      });
      expectProblem(bad, 400, 'validation_failed');
      expect(bad.body.errors).toEqual(
        expect.arrayContaining([
          { pointer: '/body/answers/shoeSize', message: 'is not a question of this policy pack' },
          { pointer: '/body/answers/sector', message: expect.stringMatching(/must be one of/) },
        ]),
      );
      expectProblem(
        await call(t.app, {
          method: 'PUT',
          url: `/api/v1/use-cases/${credit}/assessment`,
          body: { answers: creditScoring },
          token: ds,
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'PUT',
          url: `/api/v1/use-cases/${adhoc}/assessment`,
          body: { answers: adHocAnalysis },
          token: owner,
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'PUT',
          url: '/api/v1/use-cases/00000000-0000-4000-8000-000000000000/assessment',
          body: { answers: creditScoring },
        }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, {
          method: 'PUT',
          url: `/api/v1/use-cases/${credit}/assessment`,
          body: { answers: { consumers: 7 } },
        }),
        400,
        'validation_failed',
      );
      const history = await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${credit}/assessment`, token: ds });
      expect(history.body.history).toHaveLength(1);
    });

    it('overrides a tier only with a reason and the confirmation of a second risk-audit user', async () => {
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/use-cases/${adhoc}/assessment/override`,
          body: { tier: 2 },
          token: risk1,
        }),
        400,
        'validation_failed',
      );
      const req = await call(t.app, {
        method: 'POST',
        url: `/api/v1/use-cases/${adhoc}/assessment/override`,
        body: { tier: 2, reason: 'feeds a monthly board report' },
        token: risk1,
      });
      expect(req.body).toMatchObject({
        tier: 1,
        override: null,
        pendingOverride: { tier: 2, reason: 'feeds a monthly board report' },
      });
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/use-cases/${adhoc}/assessment/override`,
          body: { tier: 3, reason: 'another one meanwhile' },
          token: risk2,
        }),
        409,
        'conflict',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/use-cases/${adhoc}/assessment/override/decision`,
          body: { decision: 'confirmed' },
          token: risk1,
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/use-cases/${adhoc}/assessment/override/decision`,
          body: { decision: 'confirmed' },
          token: owner,
        }),
        403,
        'forbidden',
      );
      // An administrator is not a risk-audit user.
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/use-cases/${adhoc}/assessment/override/decision`,
          body: { decision: 'confirmed' },
        }),
        403,
        'forbidden',
      );
      // Confirming is an e-signature: the decider re-enters their password.
      const ok = await call(t.app, {
        method: 'POST',
        url: `/api/v1/use-cases/${adhoc}/assessment/override/decision`,
        body: { decision: 'confirmed', password: 'risk-two-correct-horse-battery' },
        token: risk2,
      });
      // Review cadence follows the tier in force (tier 2: 365 days from the assessment).
      expect(ok.body).toMatchObject({
        tier: 2,
        assessedTier: 1,
        override: { tier: 2, confirmedBy: expect.any(String) },
        pendingOverride: null,
        reviewBy: '2027-11-26',
      });
      const reqs = await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${adhoc}/requirements` });
      expect(reqs.body.tier).toBe(2);
      expect(reqs.body.requirements.map((r: { measure: string }) => r.measure)).toContain('signoff-owner-scoping');
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/use-cases/${adhoc}/assessment/override/decision`,
          body: { decision: 'confirmed' },
          token: risk2,
        }),
        409,
        'conflict',
      );
      // A new request leaves the confirmed override in force until decided; answering again keeps it.
      const again = await call(t.app, {
        method: 'POST',
        url: `/api/v1/use-cases/${adhoc}/assessment/override`,
        body: { tier: 1, reason: 'back to ad hoc after all' },
        token: risk1,
      });
      expect(again.body).toMatchObject({ tier: 2, pendingOverride: { tier: 1 } });
      await call(t.app, {
        method: 'POST',
        url: `/api/v1/use-cases/${adhoc}/assessment/override/decision`,
        body: { decision: 'rejected', password: 'risk-two-correct-horse-battery' },
        token: risk2,
      });
      const redo = await call(t.app, {
        method: 'PUT',
        url: `/api/v1/use-cases/${adhoc}/assessment`,
        body: { answers: adHocAnalysis },
        token: risk1,
      });
      expect(redo.body).toMatchObject({ assessedTier: 1, tier: 2, override: { tier: 2 } });
    });

    it('keeps one current assessment per use case under concurrent answers', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          call(t.app, {
            method: 'PUT',
            url: `/api/v1/use-cases/${credit}/assessment`,
            body: { answers: creditScoring },
            token: owner,
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      const history = await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${credit}/assessment` });
      expect(history.body.history.filter((a: { current: boolean }) => a.current)).toHaveLength(1);
    });

    it('lists every required measure with its source and status, for use cases and versions', async () => {
      const uc = await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${credit}/requirements`, token: ds });
      expect(uc.body).toMatchObject({ assessed: true, tier: 4, policy: { name: 'default' } });
      const byId = new Map(uc.body.requirements.map((r: { measure: string }) => [r.measure, r]));
      expect(byId.get('aiact-technical-documentation')).toMatchObject({
        sources: ['eu-ai-act:art-11'],
        step: 'preproduction',
        status: 'missing',
        // A conformity document counts once an independent validator accepted it.
        unmet: ["a 'annex-iv-technical-documentation' document accepted by risk-audit, independent of its author"],
      });
      expect(byId.get('signoff-dual-acceptance')).toMatchObject({
        status: 'missing',
        unmet: ['2 sign-off(s) by risk-audit, independent'],
      });
      const v = await call(t.app, { method: 'GET', url: '/api/v1/models/pd-model/versions/1/requirements', token: ds });
      expect(v.body.requirements).toHaveLength(uc.body.requirements.length);
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/pd-model/versions/9/requirements' }),
        404,
        'not_found',
      );
      const fresh = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('unassessed', { ownerTeam: 'insights' }),
        })
      ).body.id;
      expect((await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${fresh}/requirements` })).body).toEqual({
        assessed: false,
        requirements: [],
      });
    });

    it('refuses invalid packs with pointers, then simulates, activates and marks re-evaluations', async () => {
      const broken = defaultPack();
      broken.version = '1.1.0';
      broken.matrix.signoff['4'].push('ghost-measure');
      const invalid = await call(t.app, {
        method: 'POST',
        url: '/api/v1/policies',
        body: { pack: broken },
        token: risk1,
      });
      expectProblem(invalid, 400, 'validation_failed');
      expect(invalid.body.errors[0].pointer).toMatch(/^\/body\/pack\/matrix\/signoff\/4\/\d+$/);
      const badYaml = await call(t.app, {
        method: 'POST',
        url: '/api/v1/policies',
        body: { yaml: 'apiVersion: [unclosed' },
        token: risk1,
      });
      expectProblem(badYaml, 400, 'validation_failed');
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/policies',
          body: { pack: defaultPack(), yaml: 'x' },
          token: risk1,
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/policies', body: { pack: defaultPack() }, token: risk1 }),
        409,
        'conflict',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/policies',
          body: { pack: { ...defaultPack(), version: '9.9.9' } },
          token: ds,
        }),
        403,
        'forbidden',
      );
      // Garbage from someone not allowed to upload is refused as forbidden, not parsed.
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/policies', body: { yaml: '{' }, token: ds }),
        403,
        'forbidden',
      );
      let deep: unknown = { question: 'consumers', equals: 'public' };
      for (let i = 0; i < 2000; i++) deep = { not: deep };
      const nested = defaultPack();
      nested.classification.rules[0].when = deep;
      const tooDeep = await call(t.app, {
        method: 'POST',
        url: '/api/v1/policies/validate',
        body: { pack: nested },
        token: ds,
      });
      // Refused with every other body nested past the one limit, before the pack is looked at.
      expectProblem(tooDeep, 400, 'validation_failed');
      expect(tooDeep.body.detail).toMatch(/more than 64 levels/);
      const infinite = defaultPack();
      infinite.version = '1.0.1';
      infinite.measures.find((m: { id: string }) => m.id === 'bias-subgroup-parity').evidence[0].threshold = '.inf';
      const infText = stringify(infinite).replace('threshold: .inf', 'threshold: .inf').replace("'.inf'", '.inf');
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/policies', body: { yaml: infText }, token: risk1 }),
        400,
        'validation_failed',
      );
      const nul = defaultPack();
      nul.version = '1.0.2';
      nul.description = 'bad \u0000 byte';
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/policies',
          body: { yaml: stringify(nul).replace('bad \\u0000 byte', 'bad \\0 byte') },
          token: risk1,
        }),
        400,
        'validation_failed',
      );
      const check = await call(t.app, {
        method: 'POST',
        url: '/api/v1/policies/validate',
        body: { pack: broken },
        token: ds,
      });
      expect(check.body.valid).toBe(false);

      // Candidate: real-time use alone makes a use case tier 4; the credit case is already 4, the
      // ad-hoc one unaffected, so simulate a stricter rule for internal ad-hoc work instead.
      const stricter = defaultPack();
      stricter.version = '1.1.0';
      stricter.classification.rules.push({
        id: 'all-ad-hoc-tier-2',
        description: 'Every analysis is at least tier 2.',
        when: { question: 'availability', equals: 'ad-hoc' },
        tier: 2,
      });
      const sim = await call(t.app, {
        method: 'POST',
        url: '/api/v1/policies/simulate',
        body: { yaml: stringify(stricter) },
        token: ds,
      });
      expect(sim.status).toBe(200);
      expect(sim.body.changes.map((c: { useCase: string }) => c.useCase)).toEqual(['one-off-analysis']);
      // Its confirmed override (tier 2) stays in force; what the rules give moves from 1 to 2.
      expect(sim.body.changes[0]).toMatchObject({
        current: { tier: 2, assessedTier: 1 },
        candidate: { tier: 2, assessedTier: 2 },
      });

      const uploaded = await call(t.app, {
        method: 'POST',
        url: '/api/v1/policies',
        body: { yaml: stringify(stricter) },
        token: risk1,
      });
      expect(uploaded.body).toMatchObject({ name: 'default', version: '1.1.0', status: 'draft' });
      const activated = await call(t.app, {
        method: 'POST',
        url: `/api/v1/policies/${uploaded.body.id}/activate`,
        token: risk2,
        body: { password: 'risk-two-correct-horse-battery' },
      });
      expect(activated.body.reevaluate).toEqual([adhoc]);
      const list = await call(t.app, { method: 'GET', url: '/api/v1/policies' });
      expect(list.body.items.map((p: { version: string; status: string }) => `${p.version}:${p.status}`)).toEqual([
        '1.0.0:retired',
        '1.1.0:active',
      ]);
      // What was assessed under 1.0.0 stays under 1.0.0 until re-assessed.
      const stale = await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${adhoc}/assessment` });
      expect(stale.body.current).toMatchObject({ policy: { version: '1.0.0' }, reevaluateUnder: uploaded.body.id });
      const redo = await call(t.app, {
        method: 'PUT',
        url: `/api/v1/use-cases/${adhoc}/assessment`,
        body: { answers: adHocAnalysis },
        token: risk1,
      });
      expect(redo.body).toMatchObject({ assessedTier: 2, policy: { version: '1.1.0' }, reevaluateUnder: null });
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/policies/00000000-0000-4000-8000-000000000000/activate',
          token: risk1,
          body: {},
        }),
        404,
        'not_found',
      );
    });

    it('keeps every version of the ethical position and asks tier 3+ use cases to align with the current one', async () => {
      const position = {
        wellbeingAspects: ['financial health', 'autonomy'],
        psychologicalImpact: 'avoid nudging',
        financialImpact: 'no predatory terms',
        transparency: 'explain every refusal',
        accountability: 'a named owner per model',
      };
      expect((await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${credit}/alignment` })).body).toMatchObject({
        required: true,
        status: 'no-position',
      });
      expectProblem(
        await call(t.app, { method: 'PUT', url: '/api/v1/ethical-position', body: position, token: risk1 }),
        403,
        'forbidden',
      );
      expect((await call(t.app, { method: 'PUT', url: '/api/v1/ethical-position', body: position })).body.version).toBe(
        1,
      );
      expect((await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${credit}/alignment` })).body.status).toBe(
        'missing',
      );
      expect(
        (
          await call(t.app, {
            method: 'PUT',
            url: `/api/v1/use-cases/${credit}/alignment`,
            body: { statement: 'Refusals are explained with reason codes.' },
            token: owner,
          })
        ).body.status,
      ).toBe('aligned');
      await call(t.app, {
        method: 'PUT',
        url: '/api/v1/ethical-position',
        body: { ...position, transparency: 'explain every decision' },
      });
      const review = await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${credit}/alignment` });
      expect(review.body).toMatchObject({ status: 'review', currentVersion: 2 });
      expect((await call(t.app, { method: 'GET', url: '/api/v1/ethical-position' })).body.versions).toHaveLength(2);
      expect((await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${adhoc}/alignment` })).body).toMatchObject({
        required: false,
        status: 'not-required',
      });
      expectProblem(
        await call(t.app, {
          method: 'PUT',
          url: '/api/v1/ethical-position',
          body: { ...position, wellbeingAspects: [] },
        }),
        400,
        'validation_failed',
      );
    });

    it('activates one pack at a time even when two are activated at once', async () => {
      const ids: string[] = [];
      for (const version of ['2.0.0', '2.0.1']) {
        const p = defaultPack();
        p.version = version;
        ids.push(
          (await call(t.app, { method: 'POST', url: '/api/v1/policies', body: { pack: p }, token: risk1 })).body.id,
        );
      }
      const results = await Promise.all(
        // Uploaded by risk1, activated by risk2 (four eyes), each an e-signature.
        ids.map((id) =>
          call(t.app, {
            method: 'POST',
            url: `/api/v1/policies/${id}/activate`,
            token: risk2,
            body: { password: 'risk-two-correct-horse-battery' },
          }),
        ),
      );
      for (const r of results) expect([200, 409]).toContain(r.status);
      const active = (await call(t.app, { method: 'GET', url: '/api/v1/policies' })).body.items.filter(
        (p: { status: string }) => p.status === 'active',
      );
      expect(active).toHaveLength(1);
    });

    it('lists use cases whose ethical alignment is missing or out of date', async () => {
      const pending = await call(t.app, { method: 'GET', url: '/api/v1/ethical-position/alignments' });
      expect(pending.body.items).toEqual([{ useCaseId: credit, status: 'review' }]);
    });

    it('audits every policy, assessment and position change', async () => {
      const actions = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?limit=1000' })).body.items.map(
        (e: { action: string }) => e.action,
      );
      for (const a of [
        'policy.upload',
        'policy.activate',
        'assessment.create',
        'assessment.override-request',
        'assessment.override-confirm',
        'ethical-position.publish',
        'ethical-alignment.record',
      ])
        expect(actions).toContain(a);
    });
    it('lists assessments past their review date', async () => {
      expect((await call(t.app, { method: 'GET', url: '/api/v1/assessments?overdue=true' })).body.items).toEqual([]);
      clock.advance(100 * 86_400_000);
      const overdue = await call(t.app, { method: 'GET', url: '/api/v1/assessments?overdue=true' });
      expect(overdue.body.items.map((a: { useCaseId: string; overdue: boolean }) => [a.useCaseId, a.overdue])).toEqual([
        [credit, true],
      ]);
    });
  });
});
