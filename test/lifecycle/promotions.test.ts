import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, manualClock, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { NAMES, PASSWORD, useGovernedLifecycle } from '../helpers/lifecycle.ts';
import { creditScoring } from '../helpers/policy.ts';

describe.each(DB_KINDS)('governed lifecycle: promotions, staleness and vetoes on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const { t, tok, v1, as, sign, lifecycle, doc, accept, reachIdeation } = useGovernedLifecycle(kind);
    beforeAll(reachIdeation);

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
      // Like any document, it counts once accepted (here by the owner's team).
      await accept(docs[0].id);
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
      // The rest lose the race (409) or meet the failed-sign-in lockout that counts attempts in
      // advance (429); none of them writes anything. They queue for the version in memory, so they
      // never hold the pool's connections while waiting for its row lock (no 503).
      expect(codes.filter((c) => c !== 201 && c !== 409 && c !== 429)).toEqual([]);
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
      const dpia = await doc('dpia');
      expect(dpia.status).toBe(201);
      await accept(dpia.body.id);
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
      // The revised DPIA supersedes the accepted one and needs its own acceptance.
      await accept(added.body.id);
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
