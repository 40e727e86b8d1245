import { createPublicKey, verify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, manualClock, seedUser, useCaseBody, useTestApp } from './helpers/app.ts';
import { DB_KINDS, skipReason } from './helpers/db.ts';
import { adHocAnalysis, creditScoring } from './helpers/policy.ts';

const NAMES: Record<string, string> = {
  ds: 'dana',
  owner: 'olga',
  risk1: 'rita',
  risk2: 'ravi',
  devrisk: 'dora',
  outsider: 'otto',
};
const PASSWORD = (user: string) => `${NAMES[user]}-correct-horse-battery`;
const sha = (n: number) => `sha256:${String(n).padStart(64, '0')}`;

describe.each(DB_KINDS)('governed lifecycle on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending', 'other'] });
    const tok: Record<string, string> = {};
    const v1 = '/api/v1/models/pd/versions/1';
    const as = (user: string) => tok[user]!;
    const sign = (user: string, body: Record<string, unknown>, url = v1) =>
      call(t.app, {
        method: 'POST',
        url: `${url}/signatures`,
        token: as(user),
        body: { password: PASSWORD(user), ...body },
      });
    const lifecycle = async (url = v1) => (await call(t.app, { method: 'GET', url: `${url}/lifecycle` })).body;

    beforeAll(async () => {
      tok.ds = await seedUser(t.app, 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
      tok.owner = await seedUser(t.app, 'olga', [{ scope: 'lending', role: 'business-stakeholder' }]);
      tok.risk1 = await seedUser(t.app, 'rita', [{ scope: 'lending', role: 'risk-audit' }]);
      tok.risk2 = await seedUser(t.app, 'ravi', [{ scope: 'lending', role: 'risk-audit' }]);
      tok.devrisk = await seedUser(t.app, 'dora', [
        { scope: 'lending', role: 'data-scientist' },
        { scope: 'lending', role: 'risk-audit' },
      ]);
      tok.outsider = await seedUser(t.app, 'otto', [{ scope: 'other', role: 'risk-audit' }]);
      const uc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('credit', { ownerTeam: 'lending' }),
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
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models',
            token: as('ds'),
            body: { name: 'pd', useCaseId: uc },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models/pd/versions',
            token: as('ds'),
            body: { artifactUri: 's3://m/1', artifactDigest: sha(1) },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models/pd/versions',
            token: as('devrisk'),
            body: { artifactUri: 's3://m/2', artifactDigest: sha(2) },
          })
        ).status,
      ).toBe(201);
    });

    const doc = (kind: string, url = v1, token = as('ds')) =>
      call(t.app, {
        method: 'POST',
        url: `${url}/documents`,
        token,
        body: { kind, title: kind, content: `# ${kind}` },
      });
    const blockersOf = async (step: string, url = v1) =>
      (await lifecycle(url)).steps.find((s: { id: string }) => s.id === step).gate.blockers as {
        measure: string;
        signoff: boolean;
        detail: string[];
      }[];
    /** Records a document for every missing document measure of a gate. */
    const documentGate = async (step: string, url = v1) => {
      for (const b of await blockersOf(step, url))
        for (const d of b.detail) {
          const m = /^a '([a-z0-9.-]+)' document$/.exec(d);
          if (m) expect((await doc(m[1]!, url)).status).toBe(201);
        }
    };

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
            body: { artifactUri: 's3://m/quick', artifactDigest: sha(9) },
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
            body: { artifactUri: 's3://m/quick2', artifactDigest: sha(10) },
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
            body: { artifactUri: 's3://m/early', artifactDigest: sha(11) },
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
          const m = /^a '([a-z0-9.-]+)' document$/.exec(d);
          if (m)
            expect(
              (
                await call(t.app, {
                  method: 'POST',
                  url: `${u}/documents`,
                  token: as('owner'),
                  body: { kind: m[1], title: m[1], content: `# ${m[1]}` },
                })
              ).status,
            ).toBe(201);
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
            body: { artifactUri: 's3://m/pd2', artifactDigest: sha(12) },
          })
        ).status,
      ).toBe(201);
      expect(await blockersOf('business-scoping', '/api/v1/models/pd-two/versions/1')).toEqual([]);
      const events = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=use-case.document' })).body
        .items;
      expect(events.length).toBe(blockers.filter((b) => b.detail.some((d) => d.endsWith('document'))).length);
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
          const m = /^a '([a-z0-9.-]+)' document$/.exec(d);
          if (m)
            expect(
              (
                await call(t.app, {
                  method: 'POST',
                  url: `${u}/documents`,
                  token: as('owner'),
                  body: { kind: m[1], title: m[1], content: `# ${m[1]}` },
                })
              ).status,
            ).toBe(201);
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
    });

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

    it('shows the process, the current step and what blocks each gate', async () => {
      const l = await lifecycle();
      expect(l).toMatchObject({
        governed: true,
        process: {
          id: 'public-facing-model',
          steps: ['business-scoping', 'ideation', 'development', 'preproduction', 'deployment', 'monitoring'],
        },
        step: 'business-scoping',
        policy: { tier: 4 },
      });
      expect(l.steps.map((s: { state: string }) => s.state)).toEqual([
        'current',
        'upcoming',
        'upcoming',
        'upcoming',
        'upcoming',
        'upcoming',
      ]);
      const scoping = await blockersOf('business-scoping');
      expect(scoping.find((b) => b.measure === 'signoff-owner-scoping')).toMatchObject({
        signoff: true,
        detail: ['1 sign-off(s) by business-stakeholder'],
      });
      expect((await blockersOf('preproduction')).find((b) => b.measure === 'signoff-dual-acceptance')).toMatchObject({
        detail: ['2 sign-off(s) by risk-audit, independent'],
      });
    });

    it("opens the first step's tasks when a governed version is registered", async () => {
      const inbox = (await call(t.app, { method: 'GET', url: '/api/v1/tasks?assignee=me', token: as('owner') })).body
        .items as {
        model: string;
        version: number;
        kind: string;
        step: string;
        title: string;
        raci: string;
        due: string;
      }[];
      const mine = inbox.filter((x) => x.model === 'pd' && x.version === 1);
      expect(mine.map((x) => [x.kind, x.step, x.raci])).toEqual(
        expect.arrayContaining([
          ['raci', 'business-scoping', 'A/R'],
          ['signoff', 'business-scoping', 'A'],
        ]),
      );
      expect(mine.find((x) => x.kind === 'raci')!.title).toBe('Identification');
      // Due in the step's dueDays (14 for scoping in the default pack).
      const due = new Date(mine[0]!.due).getTime() - Date.now();
      expect(due).toBeGreaterThan(13 * 86_400_000);
      expect(due).toBeLessThan(15 * 86_400_000);
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/tasks?assignee=someone' }),
        400,
        'validation_failed',
      );
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: null }), 401, 'unauthenticated');
    });

    it('refuses out-of-order moves and closed gates, naming the step and gate that come first', async () => {
      const skip = await call(t.app, {
        method: 'POST',
        url: `${v1}/lifecycle/transitions`,
        token: as('ds'),
        body: { to: 'development' },
      });
      expectProblem(skip, 409, 'out_of_order');
      expect(skip.body.detail).toMatch(
        /at step 'business-scoping': step 'ideation' comes before 'development', and the gate of 'business-scoping' must pass first/,
      );
      const closed = await call(t.app, {
        method: 'POST',
        url: `${v1}/lifecycle/transitions`,
        token: as('ds'),
        body: { to: 'ideation' },
      });
      expectProblem(closed, 409, 'gate_not_passed');
      expect(closed.body.blockers.map((b: { measure: string }) => b.measure)).toContain('signoff-owner-scoping');
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/lifecycle/transitions`,
          token: as('ds'),
          body: { to: 'nowhere' },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/lifecycle/transitions`,
          token: as('owner'),
          body: { to: 'ideation' },
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: `${v1}/lifecycle/transitions`, token: as('ds'), body: '{"to":' }),
        400,
        'malformed_json',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/pd/versions/9/lifecycle/transitions',
          token: as('ds'),
          body: { to: 'ideation' },
        }),
        404,
        'not_found',
      );
      // If-Match: a command acts only on the lifecycle state its sender read.
      const read = await call(t.app, { method: 'GET', url: `${v1}/lifecycle` });
      expect(read.headers.etag).toBe(read.body.etag);
      const stale = await call(t.app, {
        method: 'POST',
        url: `${v1}/promotions`,
        token: as('ds'),
        headers: { 'if-match': '"lifecycle-00000000000000000000000000000000"' },
        body: { environment: 'qa', reason: 'stale view' },
      });
      expectProblem(stale, 412, 'precondition_failed');
      expect(stale.body.etag).toBe(read.body.etag);
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/signatures`,
          token: as('owner'),
          headers: { 'if-match': '"lifecycle-0"' },
          body: { role: 'business-stakeholder', meaning: 'review', password: PASSWORD('owner') },
        }),
        412,
        'precondition_failed',
      );
      expect((await call(t.app, { method: 'GET', url: `${v1}/promotions` })).body.items).toEqual([]);
      expect((await lifecycle()).step).toBe('business-scoping');
    });

    it('records an electronic signature only with re-entered credentials and a role the signer holds', async () => {
      const before = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=signature.create' })).body
        .items.length;
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/signatures`,
          token: as('owner'),
          body: { role: 'business-stakeholder', meaning: 'approve' },
        }),
        403,
        'reauthentication_failed',
      );
      expectProblem(
        await sign('owner', { role: 'business-stakeholder', meaning: 'approve', password: 'wrong-password-entirely' }),
        403,
        'reauthentication_failed',
      );
      expectProblem(await sign('owner', { role: 'risk-audit', meaning: 'approve' }), 403, 'forbidden');
      expectProblem(await sign('outsider', { role: 'risk-audit', meaning: 'approve' }), 403, 'forbidden');
      expectProblem(await sign('owner', { role: 'business-stakeholder', meaning: 'bless' }), 400, 'validation_failed');
      // A token re-presented must be the request's own and carry the sign scope.
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/signatures`,
          token: as('owner'),
          body: { role: 'business-stakeholder', meaning: 'approve', token: as('owner') },
        }),
        403,
        'reauthentication_failed',
      );
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=signature.create' })).body.items.length,
      ).toBe(before);

      const res = await sign('owner', {
        role: 'business-stakeholder',
        meaning: 'approve',
        comment: 'objective and KPIs agreed',
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({
        signer: { username: 'olga', name: 'User olga' },
        role: 'business-stakeholder',
        meaning: 'approve',
        comment: 'objective and KPIs agreed',
        step: 'business-scoping',
        status: 'valid',
        changes: [],
      });
      expect(res.body.signedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      // The server's Ed25519 signature over the manifest digest verifies with the audit public key.
      expect(
        verify(
          null,
          Buffer.from(res.body.manifestDigest),
          createPublicKey(t.signer.publicKeyPem),
          Buffer.from(res.body.serverSignature, 'base64'),
        ),
      ).toBe(true);
      const event = (
        await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=signature.create' })
      ).body.items.at(-1);
      expect(event.after.manifest).toMatchObject({
        subject: { model: 'pd', version: 1 },
        policy: { name: 'default' },
        signer: { username: 'olga' },
        meaning: 'approve',
      });
      expect(event.after.manifestDigest).toBe(res.body.manifestDigest);
      expectProblem(await sign('owner', { role: 'business-stakeholder', meaning: 'approve' }), 409, 'conflict');

      // A token cannot mint a wider one: the sign-scoped token is made with the password.
      const basic = `Basic ${Buffer.from(`olga:${PASSWORD('owner')}`).toString('base64')}`;
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/tokens',
          token: as('owner'),
          body: { name: 'pipeline', username: 'olga', scopes: ['read', 'sign'] },
        }),
        403,
        'forbidden',
      );
      const signer = await call(t.app, {
        method: 'POST',
        url: '/api/v1/tokens',
        token: null,
        headers: { authorization: basic },
        body: { name: 'pipeline', username: 'olga', scopes: ['read', 'sign'] },
      });
      expect(signer.status, signer.text).toBe(201);
      const byToken = await call(t.app, {
        method: 'POST',
        url: `${v1}/signatures`,
        token: signer.body.token,
        body: { role: 'business-stakeholder', meaning: 'acknowledge', token: signer.body.token },
      });
      expect(byToken.status, byToken.text).toBe(201);
      const list = (await call(t.app, { method: 'GET', url: `${v1}/signatures` })).body.items;
      expect(list.map((s: { meaning: string }) => s.meaning)).toEqual(['approve', 'acknowledge']);
    });

    it("passes a gate once its measures are met, then moves on and opens the next step's tasks", async () => {
      await documentGate('business-scoping');
      // The new documents changed what the owner's approval covered: it is stale, the sign-offs open again.
      expect((await blockersOf('business-scoping')).map((b) => b.measure).sort()).toEqual([
        'ai-policy',
        'signoff-owner-scoping',
      ]);
      expect(
        (
          await sign('owner', {
            role: 'business-stakeholder',
            meaning: 'approve',
            comment: 'with the scoping documents',
          })
        ).status,
      ).toBe(201);
      expect(await blockersOf('business-scoping')).toEqual([]);
      const moved = await call(t.app, {
        method: 'POST',
        url: `${v1}/lifecycle/transitions`,
        token: as('ds'),
        headers: { 'if-match': (await lifecycle()).etag },
        body: { to: 'ideation' },
      });
      expect(moved.status, moved.text).toBe(200);
      const l = await lifecycle();
      expect(l.step).toBe('ideation');
      expect(l.steps.slice(0, 2).map((s: { state: string }) => s.state)).toEqual(['done', 'current']);
      // The ideation gate's sign-off (the DPIA) is now in risk's inbox.
      const inbox = (await call(t.app, { method: 'GET', url: '/api/v1/tasks?assignee=me', token: as('risk1') })).body
        .items;
      expect(inbox).toContainEqual(
        expect.objectContaining({
          model: 'pd',
          version: 1,
          kind: 'signoff',
          step: 'ideation',
          role: 'risk-audit',
          team: 'lending',
          status: 'open',
          overdue: false,
          details: expect.objectContaining({ measure: 'gdpr-dpia' }),
        }),
      );
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/tasks?assignee=me', token: as('outsider') })).body.items,
      ).toEqual([]);
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/tasks?overdue=true', token: as('risk1') })).body.items,
      ).toEqual([]);
      const notify = (
        await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=lifecycle.notify' })
      ).body.items.at(-1);
      expect(notify.after).toMatchObject({ step: 'ideation', team: 'lending' });
      // Going back for rework is allowed; the step's open tasks are cancelled.
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: `${v1}/lifecycle/transitions`,
            token: as('ds'),
            body: { to: 'business-scoping' },
          })
        ).status,
      ).toBe(200);
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: as('risk1') })).body.items.filter(
          (x: { step: string; model: string | null }) => x.step === 'ideation' && x.model === 'pd',
        ),
      ).toEqual([]);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: `${v1}/lifecycle/transitions`,
            token: as('ds'),
            body: { to: 'ideation' },
          })
        ).status,
      ).toBe(200);
      const task = (await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: as('risk1') })).body.items[0];
      expectProblem(
        await call(t.app, { method: 'POST', url: `/api/v1/tasks/${task.id}/completion`, token: as('ds') }),
        403,
        'forbidden',
      );
      const done = await call(t.app, {
        method: 'POST',
        url: `/api/v1/tasks/${task.id}/completion`,
        token: as('risk1'),
      });
      expect(done.body).toMatchObject({ status: 'done', closedBy: expect.any(String) });
      expectProblem(
        await call(t.app, { method: 'POST', url: `/api/v1/tasks/${task.id}/completion`, token: as('risk1') }),
        409,
        'conflict',
      );
    });

    it('enforces separation of duties: no self-approval where independence is required', async () => {
      const self = await sign('devrisk', { role: 'risk-audit', meaning: 'approve' }, '/api/v1/models/pd/versions/2');
      expectProblem(self, 403, 'separation_of_duties');
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/pd/versions/2/signatures' })).body.items).toEqual(
        [],
      );
      // An author of version 1 (not its creator) is no longer independent of it either.
      expect((await sign('devrisk', { role: 'data-scientist', meaning: 'author' })).status).toBe(201);
      expectProblem(await sign('devrisk', { role: 'risk-audit', meaning: 'approve' }), 403, 'separation_of_duties');
    });

    it('blocks a promotion with every unmet measure and missing signature, and answers the deployment check', async () => {
      const res = await call(t.app, {
        method: 'POST',
        url: `${v1}/promotions`,
        token: as('ds'),
        body: { environment: 'production', reason: 'quarterly release' },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({ status: 'blocked', environment: 'production', mode: 'single' });
      expect(res.body.reasons[0]).toMatch(/at step 'ideation'; it must reach step 'deployment' first/);
      const measures = res.body.blockers.map((b: { measure: string }) => b.measure);
      expect(measures).toEqual(
        expect.arrayContaining([
          'signoff-model-acceptance',
          'signoff-dual-acceptance',
          'signoff-production-release',
          'doc-model-card',
        ]),
      );
      expect(
        res.body.blockers.find((b: { measure: string }) => b.measure === 'signoff-production-release'),
      ).toMatchObject({ signoff: true, gate: 'deployment' });
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/promotions`,
          token: as('ds'),
          body: { environment: 'production', reason: 'again' },
        }),
        409,
        'conflict',
      );
      expect((await call(t.app, { method: 'GET', url: `${v1}/promotions/${res.body.id}` })).body.status).toBe(
        'blocked',
      );
      const check = (
        await call(t.app, { method: 'GET', url: '/api/v1/check?model=pd&version=1&environment=production' })
      ).body;
      expect(check.allowed).toBe(false);
      expect(check.reasons.join('\n')).toMatch(/signoff-production-release/);
      // Development needs no gate: the promotion completes and the check allows it.
      const dev = await call(t.app, {
        method: 'POST',
        url: `${v1}/promotions`,
        token: as('ds'),
        body: { environment: 'development', reason: 'try it', mode: 'shadow' },
      });
      expect(dev.body).toMatchObject({ status: 'completed', mode: 'shadow' });
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/check?model=pd&version=1&environment=development' })).body,
      ).toEqual({ allowed: true, reasons: [] });
      expect((await lifecycle()).deployments).toEqual([
        expect.objectContaining({ environment: 'development', mode: 'shadow', active: true }),
      ]);
      const deployment = (await lifecycle()).deployments[0].id;
      expectProblem(
        await call(t.app, { method: 'POST', url: `${v1}/deployments/${deployment}/verification`, token: as('owner') }),
        403,
        'forbidden',
      );
      expect(
        (await call(t.app, { method: 'POST', url: `${v1}/deployments/${deployment}/verification`, token: as('ds') }))
          .status,
      ).toBe(204);
      expect((await lifecycle()).deployments[0]).toMatchObject({
        verifiedBy: expect.any(String),
        verifiedAt: expect.any(String),
      });
      // The verification is evidence: the deployment-verification document a measure asks for.
      const docs = (await call(t.app, { method: 'GET', url: `${v1}/evidence` })).body.items.filter(
        (e: { kind: string; spec: { documentKind?: string } }) =>
          e.kind === 'document' && e.spec.documentKind === 'deployment-verification',
      );
      expect(docs).toHaveLength(1);
      expect(
        (await call(t.app, { method: 'GET', url: `${v1}/requirements` })).body.requirements.find(
          (r: { measure: string }) => r.measure === 'deploy-verified',
        ).status,
      ).toBe('satisfied');
      expectProblem(
        await call(t.app, { method: 'POST', url: `${v1}/deployments/${deployment}/verification`, token: as('ds') }),
        409,
        'conflict',
      );
      for (const bad of ['environment=moon', 'version=0', 'model=pd'])
        expectProblem(
          await call(t.app, { method: 'GET', url: `/api/v1/check?model=pd&version=1&environment=production&${bad}` }),
          400,
          'validation_failed',
        );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/promotions`,
          token: as('owner'),
          body: { environment: 'qa', reason: 'x' },
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: `${v1}/promotions`, token: as('ds'), body: { environment: 'qa' } }),
        400,
        'validation_failed',
      );
    });

    it('moves an alias that serves an environment only when a promotion there would pass', async () => {
      const champion = await call(t.app, {
        method: 'PUT',
        url: '/api/v1/models/pd/aliases/champion',
        token: as('ds'),
        body: { version: 1 },
      });
      expectProblem(champion, 409, 'gate_not_passed');
      expect(champion.body.detail).toMatch(/alias 'champion' serves production/);
      expect(champion.body.reasons.length).toBeGreaterThan(3);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/pd/aliases/champion' })).status).toBe(404);
      expect(
        (
          await call(t.app, {
            method: 'PUT',
            url: '/api/v1/models/pd/aliases/experiment',
            token: as('ds'),
            body: { version: 1 },
          })
        ).status,
      ).toBe(200);
    });

    it('fifty concurrent sign-offs and promotions on one version give exactly one outcome', async () => {
      const before = (await call(t.app, { method: 'GET', url: `${v1}/signatures` })).body.items.length;
      const signs = await Promise.all(
        Array.from({ length: 50 }, () =>
          sign('risk2', { role: 'risk-audit', meaning: 'review', comment: 'concurrent' }),
        ),
      );
      const codes = signs.map((r) => r.status);
      expect(codes.filter((c) => c === 201)).toHaveLength(1);
      // The rest lose the race (409) or meet the failed-sign-in lockout that counts attempts in advance (429).
      expect(codes.every((c) => c === 201 || c === 409 || c === 429)).toBe(true);
      expect((await call(t.app, { method: 'GET', url: `${v1}/signatures` })).body.items.length).toBe(before + 1);
      const promotions = await Promise.all(
        Array.from({ length: 50 }, () =>
          call(t.app, {
            method: 'POST',
            url: `${v1}/promotions`,
            token: as('ds'),
            body: { environment: 'development', reason: 'race', mode: 'batch' },
          }),
        ),
      );
      expect(promotions.filter((r) => r.status === 201 && r.body.status === 'completed')).toHaveLength(1);
      expect(promotions.every((r) => r.status === 201 || r.status === 409)).toBe(true);
      const batch = (await lifecycle()).deployments.filter((d: { mode: string }) => d.mode === 'batch');
      expect(batch).toHaveLength(1);
      const requests = (await call(t.app, { method: 'GET', url: `${v1}/promotions` })).body.items.filter(
        (p: { mode: string }) => p.mode === 'batch',
      );
      expect(requests).toHaveLength(1);
    });

    it('makes an approval stale when its evidence changes: the gate re-opens and the re-review task shows the diff', async () => {
      // The version is at ideation: the DPIA (a document and a risk sign-off) belongs to that gate.
      expect((await doc('dpia')).status).toBe(201);
      const reviewed = (await lifecycle()).coveredDigest;
      const approve = await sign('risk1', {
        role: 'risk-audit',
        meaning: 'approve',
        comment: 'DPIA reviewed',
        coveredDigest: reviewed,
      });
      expect(approve.status, approve.text).toBe(201);
      const reqs = async () =>
        (await call(t.app, { method: 'GET', url: `${v1}/requirements` })).body.requirements as {
          measure: string;
          status: string;
        }[];
      expect((await reqs()).find((r) => r.measure === 'gdpr-dpia')!.status).toBe('satisfied');
      // An approval given at ideation does not count for a later gate's sign-off (model acceptance at preproduction).
      expect((await reqs()).find((r) => r.measure === 'signoff-model-acceptance')!.status).toBe('missing');
      const later = await doc('model-card');
      expect(later.status).toBe(201);
      // Signing against the state reviewed before the model card arrived is refused.
      expectProblem(
        await sign('risk2', { role: 'risk-audit', meaning: 'approve', coveredDigest: reviewed }),
        412,
        'precondition_failed',
      );
      // The model card serves a later gate (development): the ideation approval still stands.
      const signature = async () =>
        (await call(t.app, { method: 'GET', url: `${v1}/signatures` })).body.items.find(
          (s: { id: string }) => s.id === approve.body.id,
        );
      expect(await signature()).toMatchObject({ status: 'valid', changes: [] });
      // A revised DPIA is evidence of the approval's own gate: the approval goes stale.
      const added = await doc('dpia');
      expect(added.status).toBe(201);
      const stale = await signature();
      expect(stale.status).toBe('stale');
      expect(stale.changes).toEqual([{ what: 'evidence', change: 'added', id: added.body.id }]);
      expect((await reqs()).find((r) => r.measure === 'gdpr-dpia')!.status).toBe('missing');
      const review = (await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: as('risk1') })).body.items.find(
        (x: { kind: string; details: { signature?: string } }) =>
          x.kind === 're-review' && x.details.signature === approve.body.id,
      );
      expect(review).toMatchObject({
        role: 'risk-audit',
        details: {
          signature: approve.body.id,
          signer: { username: 'rita' },
          changes: expect.arrayContaining([{ what: 'evidence', change: 'added', id: added.body.id }]),
        },
      });
      // Signing again against the new state closes rita's re-review and counts once more.
      expect(
        (
          await sign('risk1', {
            role: 'risk-audit',
            meaning: 'approve',
            comment: 'still fine with the model card',
            coveredDigest: (await lifecycle()).coveredDigest,
          })
        ).status,
      ).toBe(201);
      expect((await reqs()).find((r) => r.measure === 'gdpr-dpia')!.status).toBe('satisfied');
      const left = (await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: as('risk1') })).body.items.filter(
        (x: { kind: string; details: { signer?: { username: string } } }) =>
          x.kind === 're-review' && x.details.signer?.username === 'rita',
      );
      expect(left).toEqual([]);
    });

    it('lets an approver veto and withdraw the veto; others cannot veto', async () => {
      const viewer = await seedUser(t.app, 'vic', [{ scope: 'lending', role: 'viewer' }]);
      tok.viewer = viewer;
      NAMES.viewer = 'vic';
      expect((await sign('viewer', { role: 'viewer', meaning: 'reject', comment: 'I do not like it' })).status).toBe(
        201,
      );
      const check = async () =>
        (await call(t.app, { method: 'GET', url: '/api/v1/check?model=pd&version=1&environment=development' })).body;
      expect(await check()).toEqual({ allowed: true, reasons: [] });
      expect(
        (await sign('risk2', { role: 'risk-audit', meaning: 'reject', comment: 'bias not understood' })).status,
      ).toBe(201);
      const vetoed = await check();
      expect(vetoed.allowed).toBe(false);
      expect(vetoed.reasons).toEqual([
        expect.stringMatching(/^rejected by User ravi \(risk-audit\) at .*: bias not understood$/),
      ]);
      const blocked = await call(t.app, {
        method: 'POST',
        url: `${v1}/promotions`,
        token: as('ds'),
        body: { environment: 'qa', reason: 'after the veto' },
      });
      expect(blocked.body.status).toBe('rejected');
      expect((await sign('risk2', { role: 'risk-audit', meaning: 'approve', comment: 'explained now' })).status).toBe(
        201,
      );
      expect(await check()).toEqual({ allowed: true, reasons: [] });
    });

    it('withdraws open promotions, and refuses signatures from read-only tokens and from developers turned validators', async () => {
      const open = await call(t.app, {
        method: 'POST',
        url: `${v1}/promotions`,
        token: as('ds'),
        body: { environment: 'production', reason: 'try again', mode: 'replicated' },
      });
      expect(open.body.status).toBe('blocked');
      const cancelled = await call(t.app, {
        method: 'POST',
        url: `${v1}/promotions/${open.body.id}/cancellation`,
        token: as('ds'),
      });
      expect(cancelled.body).toMatchObject({ status: 'cancelled' });
      expectProblem(
        await call(t.app, { method: 'POST', url: `${v1}/promotions/${open.body.id}/cancellation`, token: as('ds') }),
        409,
        'conflict',
      );
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: `${v1}/promotions`,
            token: as('ds'),
            body: { environment: 'production', reason: 'once more', mode: 'replicated' },
          })
        ).body.status,
      ).toBe('blocked');
      const readOnly = await call(t.app, {
        method: 'POST',
        url: '/api/v1/tokens',
        token: null,
        headers: { authorization: `Basic ${Buffer.from(`ravi:${PASSWORD('risk2')}`).toString('base64')}` },
        body: { name: 'ro', username: 'ravi', scopes: ['read'] },
      });
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/signatures`,
          token: readOnly.body.token,
          body: { role: 'risk-audit', meaning: 'approve', password: PASSWORD('risk2') },
        }),
        403,
        'forbidden',
      );
      // Signing as a developer makes one a party to the version: no independent approval after that.
      const both = await seedUser(t.app, 'bea', [
        { scope: 'lending', role: 'data-scientist' },
        { scope: 'lending', role: 'risk-audit' },
      ]);
      tok.both = both;
      NAMES.both = 'bea';
      expect((await sign('both', { role: 'data-scientist', meaning: 'approve' })).status).toBe(201);
      expectProblem(await sign('both', { role: 'risk-audit', meaning: 'approve' }), 403, 'separation_of_duties');
    });
  });
});

describe.each(DB_KINDS)('task due dates on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const clock = manualClock(Date.parse('2026-03-02T09:00:00Z'));
    const t = useTestApp(kind, { teams: ['lending'], clock });

    it("lists tasks as overdue once their step's due days have passed", async () => {
      const owner = await seedUser(t.app, 'olga', [{ scope: 'lending', role: 'business-stakeholder' }]);
      const uc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('due', { ownerTeam: 'lending' }),
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
      const overdue = async () =>
        (await call(t.app, { method: 'GET', url: '/api/v1/tasks?overdue=true', token: owner })).body.items as {
          due: string;
          overdue: boolean;
          useCase: string | null;
        }[];
      expect(await overdue()).toEqual([]);
      const open = (await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: owner })).body.items as {
        due: string;
      }[];
      expect(open.length).toBeGreaterThan(0);
      // Scoping tasks are due in 14 days (the pack's dueDays for business scoping).
      expect(open[0]!.due).toBe('2026-03-16T09:00:00.000Z');
      clock.advance(13 * 86_400_000);
      expect(await overdue()).toEqual([]);
      clock.advance(2 * 86_400_000);
      const late = await overdue();
      expect(late.length).toBe(open.length);
      expect(late.every((x) => x.overdue && x.useCase === 'due')).toBe(true);
    });
  });
});
