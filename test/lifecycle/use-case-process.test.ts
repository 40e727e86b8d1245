import { describe, expect, it } from 'vitest';
import { call, expectProblem, useCaseBody } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { PASSWORD, sha, TRAINING, useGovernedLifecycle } from '../helpers/lifecycle.ts';
import { adHocAnalysis, creditScoring } from '../helpers/policy.ts';

describe.each(DB_KINDS)('governed lifecycle: use cases and their versions on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const { t, as, sign, lifecycle, blockersOf, documentGate, accept } = useGovernedLifecycle(kind);

    it('takes a tier-1 version through its light process to production with automated evidence and no sign-off', async () => {
      const uc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('adhoc', { ownerTeam: 'lending' }),
        })
      ).body.id;
      expect(
        (
          await call(t.app, {
            method: 'PUT',
            url: `/api/v1/use-cases/${uc}/assessment`,
            body: { answers: adHocAnalysis },
          })
        ).body.tier,
      ).toBe(1);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models',
            token: as('ds'),
            body: { name: 'quick', useCaseId: uc },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models/quick/versions',
            token: as('ds'),
            body: { artifactUri: 's3://m/quick', artifactDigest: sha(9), datasets: TRAINING },
          })
        ).status,
      ).toBe(201);
      const q = '/api/v1/models/quick/versions/1';
      const l = await lifecycle(q);
      expect(l.process).toMatchObject({
        id: 'self-service-analytics',
        steps: ['business-scoping', 'development', 'deployment', 'monitoring'],
      });
      // Registration checks ran at registration and count as evidence.
      const reg = (await call(t.app, { method: 'GET', url: `${q}/evidence` })).body.items.find(
        (e: { kind: string }) => e.kind === 'registration-checks',
      );
      expect(reg.metrics).toEqual({ 'registration-checks-failed': 0 });
      const csv = `y,yhat,group\n${Array.from({ length: 80 }, (_, i) => `${i % 2},${i % 2},${i % 4 < 2 ? 'a' : 'b'}`).join('\n')}\n`;
      const evaluated = await t.app.inject({
        method: 'POST',
        url: `${q}/evaluations?task=binary-classification&label=y&prediction=yhat&sensitive=group`,
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${as('ds')}` },
        payload: csv,
      });
      expect(evaluated.statusCode, evaluated.body).toBe(201);
      for (const step of ['business-scoping', 'development', 'deployment']) await documentGate(step, q);
      // The AI-policy acknowledgement is a scoping sign-off: given once on the use case, it holds for every version.
      expect((await blockersOf('business-scoping', q)).map((b) => b.measure).sort()).toEqual([
        'ai-policy',
        'signoff-owner-scoping',
      ]);
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/use-cases/${uc}/signatures`,
          token: as('owner'),
          body: { role: 'business-stakeholder', meaning: 'approve', password: 'wrong' },
        }),
        403,
        'reauthentication_failed',
      );
      const owner = await call(t.app, {
        method: 'POST',
        url: `/api/v1/use-cases/${uc}/signatures`,
        token: as('owner'),
        body: {
          role: 'business-stakeholder',
          meaning: 'approve',
          comment: 'fits our AI policy',
          password: PASSWORD('owner'),
        },
      });
      expect(owner.status, owner.text).toBe(201);
      expect(owner.body).toMatchObject({ status: 'valid', signer: { username: 'olga' }, meaning: 'approve' });
      expect(await blockersOf('business-scoping', q)).toEqual([]);
      expect((await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${uc}/signatures` })).body.items).toHaveLength(
        1,
      );
      for (const to of ['development', 'deployment']) {
        const moved = await call(t.app, {
          method: 'POST',
          url: `${q}/lifecycle/transitions`,
          token: as('ds'),
          body: { to },
        });
        expect(moved.status, moved.text).toBe(200);
      }
      const promoted = await call(t.app, {
        method: 'POST',
        url: `${q}/promotions`,
        token: as('ds'),
        body: { environment: 'production', reason: 'share the analysis' },
      });
      expect(promoted.body, promoted.text).toMatchObject({ status: 'completed', reasons: [] });
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/check?model=quick&version=1&environment=production' })).body,
      ).toEqual({ allowed: true, reasons: [] });
      expect((await call(t.app, { method: 'GET', url: `${q}/signatures` })).body.items).toEqual([]);
      expect(
        (
          await call(t.app, {
            method: 'PUT',
            url: '/api/v1/models/quick/aliases/champion',
            token: as('ds'),
            body: { version: 1 },
          })
        ).status,
      ).toBe(200);
      // A second version needs no new scoping sign-off; a re-assessment makes the use-case signature stale.
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models/quick/versions',
            token: as('ds'),
            body: { artifactUri: 's3://m/quick2', artifactDigest: sha(10), datasets: TRAINING },
          })
        ).status,
      ).toBe(201);
      expect(await blockersOf('business-scoping', '/api/v1/models/quick/versions/2')).toEqual([]);
      expect(
        (
          await call(t.app, {
            method: 'PUT',
            url: `/api/v1/use-cases/${uc}/assessment`,
            body: { answers: adHocAnalysis },
          })
        ).status,
      ).toBe(200);
      const after = (await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${uc}/signatures` })).body.items[0];
      expect(after).toMatchObject({ status: 'stale', changes: [{ what: 'assessment' }] });
      expect(
        (await blockersOf('business-scoping', '/api/v1/models/quick/versions/2')).map((b) => b.measure).sort(),
      ).toEqual(['ai-policy', 'signoff-owner-scoping']);
    });

    it('puts versions registered before the assessment into the process when the use case is assessed', async () => {
      const uc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('late', { ownerTeam: 'lending' }),
        })
      ).body.id;
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models',
            token: as('ds'),
            body: { name: 'early', useCaseId: uc },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models/early/versions',
            token: as('ds'),
            body: { artifactUri: 's3://m/early', artifactDigest: sha(11), datasets: TRAINING },
          })
        ).status,
      ).toBe(201);
      expect(await lifecycle('/api/v1/models/early/versions/1')).toMatchObject({ governed: false, process: null });
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/check?model=early&version=1&environment=qa' })).body.reasons,
      ).toEqual([expect.stringMatching(/no risk assessment/), expect.stringMatching(/no completed promotion/)]);
      expect(
        (
          await call(t.app, {
            method: 'PUT',
            url: `/api/v1/use-cases/${uc}/assessment`,
            body: { answers: creditScoring },
          })
        ).status,
      ).toBe(200);
      const l = await lifecycle('/api/v1/models/early/versions/1');
      expect(l).toMatchObject({ governed: true, step: 'business-scoping' });
      expect(l.tasks.length).toBeGreaterThan(0);
    });

    it('moves a use case through its own steps on use-case documents and signatures, which also serve its versions', async () => {
      const uc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('credit-two', { ownerTeam: 'lending' }),
        })
      ).body.id;
      expect(
        (
          await call(t.app, {
            method: 'PUT',
            url: `/api/v1/use-cases/${uc}/assessment`,
            body: { answers: creditScoring },
          })
        ).status,
      ).toBe(200);
      const u = `/api/v1/use-cases/${uc}`;
      const l = (await call(t.app, { method: 'GET', url: `${u}/lifecycle` })).body;
      expect(l).toMatchObject({
        governed: true,
        step: 'business-scoping',
        steps: [{ id: 'business-scoping', state: 'current' }, { id: 'ideation' }, { id: 'development' }],
      });
      const blockers = l.steps[0].gate.blockers as { measure: string; detail: string[] }[];
      const ownerTasks = async () =>
        (
          (await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: as('owner') })).body.items as {
            useCase: string | null;
            kind: string;
            step: string;
            subject: { type: string };
          }[]
        ).filter((x) => x.useCase === 'credit-two');
      expect((await ownerTasks()).map((x) => [x.subject.type, x.kind, x.step])).toEqual(
        expect.arrayContaining([
          ['use-case', 'raci', 'business-scoping'],
          ['use-case', 'signoff', 'business-scoping'],
        ]),
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${u}/lifecycle/transitions`,
          token: as('owner'),
          body: { to: 'development' },
        }),
        409,
        'out_of_order',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${u}/lifecycle/transitions`,
          token: as('owner'),
          body: { to: 'ideation' },
        }),
        409,
        'gate_not_passed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${u}/lifecycle/transitions`,
          token: as('risk1'),
          body: { to: 'ideation' },
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${u}/documents`,
          token: as('owner'),
          body: { kind: 'x', title: 'no content' },
        }),
        400,
        'validation_failed',
      );
      for (const b of blockers)
        for (const d of b.detail) {
          const m = /^a '([a-z0-9.-]+)' document/.exec(d);
          if (!m) continue;
          const posted = await call(t.app, {
            method: 'POST',
            url: `${u}/documents`,
            token: as('owner'),
            body: { kind: m[1], title: m[1], content: `# ${m[1]}` },
          });
          expect(posted.status).toBe(201);
          // Only an accepted document counts: the owner's team accepts it.
          await accept(posted.body.id, u);
        }
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: `${u}/signatures`,
            token: as('owner'),
            body: { role: 'business-stakeholder', meaning: 'approve', password: PASSWORD('owner') },
          })
        ).status,
      ).toBe(201);
      expect((await ownerTasks()).filter((x) => x.kind === 'signoff')).toEqual([]);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: `${u}/lifecycle/transitions`,
            token: as('owner'),
            body: { to: 'ideation' },
          })
        ).body,
      ).toEqual({ step: 'ideation' });
      const riskTasks = (
        (await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: as('risk1') })).body.items as {
          useCase: string | null;
          kind: string;
          step: string;
          details: { measure?: string };
        }[]
      ).filter((x) => x.useCase === 'credit-two');
      expect(riskTasks).toContainEqual(
        expect.objectContaining({
          kind: 'signoff',
          step: 'ideation',
          details: expect.objectContaining({ measure: 'gdpr-dpia' }),
        }),
      );
      expect((await ownerTasks()).filter((x) => x.step === 'business-scoping')).toEqual([]);
      // A version of the use case finds its scoping gate met by the use case's documents and sign-off.
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models',
            token: as('ds'),
            body: { name: 'pd-two', useCaseId: uc },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models/pd-two/versions',
            token: as('ds'),
            body: { artifactUri: 's3://m/pd2', artifactDigest: sha(12), datasets: TRAINING },
          })
        ).status,
      ).toBe(201);
      expect(await blockersOf('business-scoping', '/api/v1/models/pd-two/versions/1')).toEqual([]);
      const events = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=use-case.document' })).body
        .items;
      expect(events.length).toBe(
        blockers.filter((b) => b.detail.some((d) => /^a '[a-z0-9.-]+' document/.test(d))).length,
      );
    });

    it('completes a blocked tier-4 promotion when the last measure of its gate lands', async () => {
      const uc = (await call(t.app, { method: 'GET', url: '/api/v1/use-cases?limit=100' })).body.items.find(
        (u: { name: string }) => u.name === 'credit-two',
      ).id;
      const u = `/api/v1/use-cases/${uc}`;
      const q = '/api/v1/models/pd-two/versions/1';
      // The ideation gate is the use case's too: its documents and the DPIA sign-off, given once on the use case.
      for (const b of await blockersOf('ideation', q))
        for (const d of b.detail) {
          const m = /^a '([a-z0-9.-]+)' document/.exec(d);
          if (!m) continue;
          const posted = await call(t.app, {
            method: 'POST',
            url: `${u}/documents`,
            token: as('owner'),
            body: { kind: m[1], title: m[1], content: `# ${m[1]}` },
          });
          expect(posted.status).toBe(201);
          // Only an accepted document counts: the owner's team accepts it.
          await accept(posted.body.id, u);
        }
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: `${u}/signatures`,
            token: as('risk1'),
            body: { role: 'risk-audit', meaning: 'approve', comment: 'DPIA', password: PASSWORD('risk1') },
          })
        ).status,
      ).toBe(201);
      expect(await blockersOf('ideation', q)).toEqual([]);
      for (const to of ['ideation', 'development'])
        expect(
          (await call(t.app, { method: 'POST', url: `${q}/lifecycle/transitions`, token: as('ds'), body: { to } }))
            .status,
        ).toBe(200);
      // QA needs the development gate: blocked, listing what is missing.
      const blocked = await call(t.app, {
        method: 'POST',
        url: `${q}/promotions`,
        token: as('ds'),
        body: { environment: 'qa', reason: 'integration tests' },
      });
      expect(blocked.body.status).toBe('blocked');
      expect(blocked.body.blockers.map((b: { measure: string }) => b.measure)).toEqual(
        expect.arrayContaining(['bias-subgroup-parity', 'data-anomaly-checks', 'doc-change-log']),
      );
      await documentGate('development', q);
      expect((await call(t.app, { method: 'GET', url: `${q}/promotions/${blocked.body.id}` })).body.status).toBe(
        'blocked',
      );
      // The evaluation is the last missing evidence: recording it re-decides the open promotion, which completes.
      const csv = `y,yhat,sex\n${Array.from({ length: 80 }, (_, i) => `${i % 2},${i % 2},${i % 4 < 2 ? 'F' : 'M'}`).join('\n')}\n`;
      const evaluated = await t.app.inject({
        method: 'POST',
        url: `${q}/evaluations?task=binary-classification&label=y&prediction=yhat&sensitive=sex`,
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${as('ds')}` },
        payload: csv,
      });
      expect(evaluated.statusCode, evaluated.body).toBe(201);
      const done = (await call(t.app, { method: 'GET', url: `${q}/promotions/${blocked.body.id}` })).body;
      expect(done).toMatchObject({ status: 'completed', reasons: [] });
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/check?model=pd-two&version=1&environment=qa' })).body,
      ).toEqual({ allowed: true, reasons: [] });
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=promotion.complete' })).body.items.some(
          (e: { after: { promotion: string } }) => e.after.promotion === blocked.body.id,
        ),
      ).toBe(true);
      // Production stays out of reach: preproduction needs two independent validators, among other measures.
      const prod = (
        await call(t.app, { method: 'GET', url: '/api/v1/check?model=pd-two&version=1&environment=production' })
      ).body;
      expect(prod.allowed).toBe(false);
      expect(prod.reasons.join('\n')).toMatch(/signoff-dual-acceptance/);
      // Every document of two gates is submitted and then accepted by an e-signature: slow on a busy PostgreSQL.
    }, 90_000);

    it('needs two distinct independent validators for dual acceptance, and lets the challenger alias follow the gates', async () => {
      const q = '/api/v1/models/pd-two/versions/1';
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: `${q}/lifecycle/transitions`,
            token: as('ds'),
            body: { to: 'preproduction' },
          })
        ).status,
      ).toBe(200);
      const status = async (m: string) =>
        (
          (await call(t.app, { method: 'GET', url: `${q}/requirements` })).body.requirements as {
            measure: string;
            status: string;
          }[]
        ).find((r) => r.measure === m)!.status;
      expect(
        (await sign('risk1', { role: 'risk-audit', meaning: 'approve', comment: 'first validation' }, q)).status,
      ).toBe(201);
      expect(await status('signoff-model-acceptance')).toBe('satisfied');
      expect(await status('signoff-dual-acceptance')).toBe('missing');
      expect(
        (await sign('risk2', { role: 'risk-audit', meaning: 'approve', comment: 'second validation' }, q)).status,
      ).toBe(201);
      expect(await status('signoff-dual-acceptance')).toBe('satisfied');
      // challenger serves preproduction, which needs the development gate: passed, so the move is allowed on this tier-4 model.
      const challenger = await call(t.app, {
        method: 'PUT',
        url: '/api/v1/models/pd-two/aliases/challenger',
        token: as('ds'),
        body: { version: 1 },
      });
      expect(challenger.status, challenger.text).toBe(200);
      expectProblem(
        await call(t.app, {
          method: 'PUT',
          url: '/api/v1/models/pd-two/aliases/champion',
          token: as('ds'),
          body: { version: 1 },
        }),
        409,
        'gate_not_passed',
      );
    });
  });
});
