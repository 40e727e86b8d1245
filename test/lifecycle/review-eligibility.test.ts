import { describe, expect, it } from 'vitest';
import { call, expectProblem, seedUser, useCaseBody } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { PASSWORD, useGovernedLifecycle } from '../helpers/lifecycle.ts';
import { creditScoring } from '../helpers/policy.ts';
import { activateEnforcedPack } from '../trainings/helpers.ts';

const UNKNOWN = '01a23812-262b-7000-8000-000000000000';

describe.each(DB_KINDS)('"can I sign or review this?" for use cases and documents on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const { t, as, doc, review } = useGovernedLifecycle(kind);
    const v2 = '/api/v1/models/pd/versions/2';
    const get = (user: string | null, url: string) =>
      call(t.app, { method: 'GET', url, token: user ? as(user) : null });
    const usernames = (body: { canSign: { username: string }[] }) => body.canSign.map((c) => c.username);
    /** A use case created (and assessed) by bea, who is also a validator of the team. */
    let own = '';
    let credit = '';

    it('refuses a use-case sign-off by its creator before the password, with the reason the command gives', async () => {
      const bea = await seedUser(t.app, 'bea', [
        { scope: 'lending', role: 'business-analyst' },
        { scope: 'lending', role: 'risk-audit' },
      ]);
      own = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          token: bea,
          body: useCaseBody('bea-credit', { ownerTeam: 'lending' }),
        })
      ).body.id;
      const assessed = await call(t.app, {
        method: 'PUT',
        url: `/api/v1/use-cases/${own}/assessment`,
        token: bea,
        body: { answers: creditScoring },
      });
      expect(assessed.status, assessed.text).toBe(200);
      const url = `/api/v1/use-cases/${own}/signatures/eligibility?role=risk-audit&meaning=approve`;
      const res = await call(t.app, { method: 'GET', url, token: bea });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({
        useCase: own,
        role: 'risk-audit',
        meaning: 'approve',
        allowed: false,
        code: 'separation_of_duties',
        training: null,
      });
      expect(res.body.reason).toBe(
        "you created use case 'bea-credit', and a risk-audit approval must come from someone independent of the work (effective challenge)",
      );
      // Dora holds risk-audit in the team as well and is independent of bea's use case.
      expect(usernames(res.body)).toEqual(['dora', 'ravi', 'rita']);
      // The command refuses with the same reason and the same people.
      const signed = await call(t.app, {
        method: 'POST',
        url: `/api/v1/use-cases/${own}/signatures`,
        token: bea,
        body: { role: 'risk-audit', meaning: 'approve', password: 'bea-correct-horse-battery' },
      });
      expectProblem(signed, 403, 'separation_of_duties');
      expect(signed.body.detail).toContain(res.body.reason);
      expect(signed.body.canSign).toEqual(res.body.canSign);
      // The same person may acknowledge (no independence asked), and an independent validator may approve.
      const ack = await call(t.app, {
        method: 'GET',
        url: `/api/v1/use-cases/${own}/signatures/eligibility?role=risk-audit&meaning=acknowledge`,
        token: bea,
      });
      expect(ack.body).toMatchObject({ allowed: true, code: null, reason: null });
      const rita = await get('risk1', url);
      expect(rita.body).toMatchObject({ allowed: true, code: null, reason: null, training: null });
      expect(usernames(rita.body)).not.toContain('rita');
      expect(usernames(rita.body)).not.toContain('bea');
    });

    it('refuses a use-case sign-off in a role not held in the owning team, and one with nothing to sign against', async () => {
      credit = (await call(t.app, { method: 'GET', url: '/api/v1/models/pd' })).body.useCaseId as string;
      expect(credit).toBeTruthy();
      const otto = await get('outsider', `/api/v1/use-cases/${credit}/signatures/eligibility?role=risk-audit`);
      expect(otto.status).toBe(200);
      expect(otto.body).toMatchObject({ allowed: false, code: 'forbidden', meaning: 'approve' });
      expect(otto.body.reason).toBe(
        "you do not hold the role risk-audit in team 'lending' (or organisation-wide), so you cannot sign as risk-audit",
      );
      const owner = await get('owner', `/api/v1/use-cases/${credit}/signatures/eligibility?role=business-stakeholder`);
      expect(owner.body).toMatchObject({ allowed: true, code: null });
      const fresh = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('unassessed', { ownerTeam: 'lending' }),
        })
      ).body.id;
      const none = await get('owner', `/api/v1/use-cases/${fresh}/signatures/eligibility?role=business-stakeholder`);
      expect(none.body).toMatchObject({ allowed: false, code: 'conflict' });
      expect(none.body.reason).toBe("use case 'unassessed' has no risk assessment yet, so there is nothing to sign");
    });

    it("refuses a version document's acceptance by its builder before the password, and names independent reviewers", async () => {
      const posted = await doc('red-team-report', v2, as('devrisk'));
      expect(posted.status).toBe(201);
      const url = `${v2}/documents/${posted.body.id}/review/eligibility`;
      const dora = await get('devrisk', `${url}?role=risk-audit&decision=accepted`);
      expect(dora.status, dora.text).toBe(200);
      expect(dora.body).toMatchObject({
        document: posted.body.id,
        decision: 'accepted',
        role: 'risk-audit',
        allowed: false,
        code: 'separation_of_duties',
        training: null,
      });
      expect(dora.body.reason).toBe(
        "you wrote 'red-team-report' or built what it documents; a 'red-team-report' document must be accepted independently of its author, so another risk-audit has to review it",
      );
      expect(usernames(dora.body).sort()).toEqual(['bea', 'ravi', 'rita']);
      // The default decision is acceptance; a rejection needs no independence.
      expect((await get('devrisk', `${url}?role=risk-audit`)).body.code).toBe('separation_of_duties');
      expect((await get('devrisk', `${url}?role=risk-audit&decision=rejected`)).body).toMatchObject({ allowed: true });
      // A role the document kind does not accept, and a role not held in the team.
      const asDs = await get('devrisk', `${url}?role=data-scientist`);
      expect(asDs.body).toMatchObject({ allowed: false, code: 'forbidden' });
      expect(asDs.body.reason).toBe(
        "a 'red-team-report' document is accepted by risk-audit, independent of its author: you cannot review it as data-scientist",
      );
      const otto = await get('outsider', `${url}?role=risk-audit`);
      expect(otto.body).toMatchObject({ allowed: false, code: 'forbidden' });
      expect(otto.body.reason).toBe(
        "you do not hold the role risk-audit in team 'lending' (or organisation-wide), so you cannot review as risk-audit",
      );
      // The review command agrees: the same refusal, then an independent validator accepts.
      expectProblem(await review('devrisk', posted.body.id, { role: 'risk-audit' }, v2), 403, 'separation_of_duties');
      const rita = await get('risk1', `${url}?role=risk-audit`);
      expect(rita.body).toMatchObject({ allowed: true, code: null, reason: null });
      expect((await review('risk1', posted.body.id, { role: 'risk-audit' }, v2)).status).toBe(201);
      // Once decided, the revision is closed to reviews: the read says so before any password.
      const decided = await get('risk2', `${url}?role=risk-audit`);
      expect(decided.body).toMatchObject({ allowed: false, code: 'conflict' });
      expect(decided.body.reason).toMatch(/was already accepted by User rita: submit a new revision to change it$/);
    });

    it("answers a use case's own document for its team, and refuses others", async () => {
      const posted = await call(t.app, {
        method: 'POST',
        url: `/api/v1/use-cases/${credit}/documents`,
        body: { kind: 'records-of-processing', title: 'Record of processing', content: '# RoPA' },
      });
      expect(posted.status, posted.text).toBe(201);
      const url = `/api/v1/use-cases/${credit}/documents/${posted.body.id}/review/eligibility`;
      const owner = await get('owner', `${url}?role=business-stakeholder`);
      expect(owner.status, owner.text).toBe(200);
      expect(owner.body).toMatchObject({ allowed: true, code: null, document: posted.body.id });
      const otto = await get('outsider', `${url}?role=risk-audit`);
      expect(otto.body).toMatchObject({ allowed: false, code: 'forbidden' });
      // A read changes nothing: the owner still reviews it.
      const accepted = await call(t.app, {
        method: 'POST',
        url: `/api/v1/use-cases/${credit}/documents/${posted.body.id}/review`,
        token: as('owner'),
        body: { decision: 'accepted', role: 'business-stakeholder', password: PASSWORD('owner') },
      });
      expect(accepted.status, accepted.text).toBe(201);
    });

    it('answers unknown ids with 404, bad input with 400 and anonymous callers with 401', async () => {
      const posted = await doc('model-card');
      const v1 = '/api/v1/models/pd/versions/1';
      const docUrl = (u: string, id: string) => `${u}/documents/${id}/review/eligibility?role=risk-audit`;
      expectProblem(await get('risk1', docUrl(v1, UNKNOWN)), 404, 'not_found');
      expectProblem(await get('risk1', docUrl('/api/v1/models/pd/versions/99', posted.body.id)), 404, 'not_found');
      // A version's document is not one of another version's documents.
      expectProblem(await get('risk1', docUrl(v2, posted.body.id)), 404, 'not_found');
      expectProblem(await get('risk1', docUrl(`/api/v1/use-cases/${UNKNOWN}`, posted.body.id)), 404, 'not_found');
      expectProblem(await get('risk1', docUrl(`/api/v1/use-cases/${credit}`, posted.body.id)), 404, 'not_found');
      expectProblem(
        await get('risk1', `/api/v1/use-cases/${UNKNOWN}/signatures/eligibility?role=risk-audit`),
        404,
        'not_found',
      );
      for (const bad of [
        `${v1}/documents/${posted.body.id}/review/eligibility?role=viewer`,
        `${v1}/documents/${posted.body.id}/review/eligibility?role=risk-audit&decision=maybe`,
        `${v1}/documents/${posted.body.id}/review/eligibility`,
        `${v1}/documents/not-a-uuid/review/eligibility?role=risk-audit`,
        `/api/v1/use-cases/${credit}/signatures/eligibility?role=overlord`,
        `/api/v1/use-cases/${credit}/signatures/eligibility?role=risk-audit&meaning=bless`,
        `/api/v1/use-cases/${credit}/signatures/eligibility?role=risk-audit&extra=1`,
        `/api/v1/use-cases/not-a-uuid/signatures/eligibility?role=risk-audit`,
      ])
        expectProblem(await get('risk1', bad), 400, 'validation_failed');
      expectProblem(
        await get(null, `/api/v1/use-cases/${credit}/signatures/eligibility?role=risk-audit`),
        401,
        'unauthenticated',
      );
      expectProblem(await get(null, docUrl(v1, posted.body.id)), 401, 'unauthenticated');
    });

    it('surfaces a missing training for a use-case sign-off and a document review before any password', async () => {
      const posted = await doc('model-card');
      await activateEnforcedPack(t.app);
      const uc = await get('owner', `/api/v1/use-cases/${credit}/signatures/eligibility?role=business-stakeholder`);
      expect(uc.body).toMatchObject({
        allowed: false,
        code: 'training_required',
        training: { id: 'eu-ai-act-literacy', title: 'EU AI Act AI literacy' },
      });
      expect(uc.body.reason).toBe(
        "you have not completed the training 'EU AI Act AI literacy', which signing as business-stakeholder requires",
      );
      const rv = await get(
        'owner',
        `/api/v1/models/pd/versions/1/documents/${posted.body.id}/review/eligibility?role=business-stakeholder`,
      );
      expect(rv.body).toMatchObject({ allowed: false, code: 'training_required' });
      expect(rv.body.reason).toBe(
        "you have not completed the training 'EU AI Act AI literacy', which reviewing as business-stakeholder requires",
      );
      // Nothing was tried: no failed re-authentication is recorded.
      const failures = await call(t.app, {
        method: 'GET',
        url: '/api/v1/audit/events?action=signature.reauthentication-failure',
      });
      expect(failures.body.items).toEqual([]);
    });
  });
});
