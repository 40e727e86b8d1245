import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, expectProblem } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { PASSWORD, useGovernedLifecycle } from '../helpers/lifecycle.ts';

describe.each(DB_KINDS)('reviewed documents on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const { t, as, v1, doc, review, lifecycle } = useGovernedLifecycle(kind);
    const v2 = '/api/v1/models/pd/versions/2';
    const requirement = async (measure: string, url = v1) =>
      (
        (await call(t.app, { method: 'GET', url: `${url}/requirements` })).body.requirements as {
          measure: string;
          status: string;
          unmet?: string[];
        }[]
      ).find((r) => r.measure === measure)!;
    const documentOf = async (id: string, url = v1) =>
      (await lifecycle(url)).documents.find((d: { id: string }) => d.id === id);
    const reviewRows = async () =>
      (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=document.review&limit=500' })).body.items
        .length as number;
    const tasksOf = async (user: string) =>
      (await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: as(user) })).body.items as {
        kind: string;
        role: string;
        details: { document?: string; measures?: string[] };
      }[];

    it('counts a red-team report only once an independent validator accepts it, by an e-signature', async () => {
      const posted = await doc('red-team-report');
      expect(posted.status).toBe(201);
      const id = posted.body.id as string;
      // Submitted is not enough: the requirement says who must accept it.
      const before = await requirement('bias-red-team');
      expect(before.status).toBe('missing');
      expect(before.unmet).toEqual([
        `a 'red-team-report' document accepted by risk-audit, independent of its author (revision ${id} awaits review)`,
      ]);
      expect(await documentOf(id)).toMatchObject({
        kind: 'red-team-report',
        state: 'submitted',
        review: null,
        acceptance: [{ acceptedBy: ['risk-audit'], independent: true }],
      });
      // The review task is routed to risk-audit (in the inbox of each validator of the team).
      expect(await tasksOf('risk1')).toContainEqual(
        expect.objectContaining({
          kind: 'review',
          role: 'risk-audit',
          details: expect.objectContaining({ document: id }),
        }),
      );
      expect((await tasksOf('owner')).some((t) => t.details.document === id)).toBe(false);

      const res = await review('risk1', id, { role: 'risk-audit', comment: 'attack scenarios cover the use case' });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({
        decision: 'accepted',
        role: 'risk-audit',
        reviewer: { name: 'User rita' },
        comment: 'attack scenarios cover the use case',
      });
      // The server's signature over the manifest digest verifies with the audit public key.
      expect(
        verify(
          null,
          Buffer.from(res.body.manifestDigest),
          createPublicKey(t.signer.publicKeyPem),
          Buffer.from(res.body.serverSignature, 'base64'),
        ),
      ).toBe(true);
      const event = (
        await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=document.review' })
      ).body.items.at(-1);
      expect(event.after).toMatchObject({
        document: id,
        decision: 'accepted',
        manifestDigest: res.body.manifestDigest,
        manifest: {
          subject: { type: 'document', id, kind: 'red-team-report', contentHash: posted.body.contentHash },
          of: { type: 'model-version', model: 'pd', version: 1 },
          meaning: 'review',
          decision: 'accepted',
          signer: { username: 'rita' },
          reauthenticatedWith: { type: 'password' },
        },
      });
      expect((await requirement('bias-red-team')).status).toBe('satisfied');
      expect(await documentOf(id)).toMatchObject({ state: 'accepted', review: { decision: 'accepted' } });
      // The task is done and gone from the inbox.
      expect((await tasksOf('risk1')).some((t) => t.details.document === id)).toBe(false);
      // A decided revision is not reviewed again.
      expectProblem(await review('risk2', id, { role: 'risk-audit' }), 409, 'conflict');
    });

    it('refuses acceptance by the author or the builder where independence is required, and records the refusal', async () => {
      // dora built version 2 and holds risk-audit too: she may not accept its red-team report.
      const posted = await doc('red-team-report', v2, as('devrisk'));
      expect(posted.status).toBe(201);
      const reviews = await reviewRows();
      const refused = await review('devrisk', posted.body.id, { role: 'risk-audit' }, v2);
      expectProblem(refused, 403, 'separation_of_duties');
      expect(refused.body.detail).toMatch(/independently of its author/);
      expect(await reviewRows()).toBe(reviews);
      expect((await documentOf(posted.body.id, v2)).state).toBe('submitted');
      expect((await requirement('bias-red-team', v2)).status).toBe('missing');
      const sod = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=authz.separation-of-duties' }))
        .body.items;
      expect(sod.at(-1)).toMatchObject({ actor: expect.objectContaining({}) });
      expect(JSON.stringify(sod.at(-1))).toMatch(/independently of its author/);
      // Another validator may.
      expect((await review('risk2', posted.body.id, { role: 'risk-audit' }, v2)).status).toBe(201);
      expect((await requirement('bias-red-team', v2)).status).toBe('satisfied');
    });

    it('refuses the wrong role, strangers, unknown ids, bad credentials and bad bodies, writing nothing', async () => {
      const posted = await doc('independent-replication-report');
      const id = posted.body.id as string;
      const reviews = await reviewRows();
      // The owner's role is not one that accepts a replication report at tier 4.
      const wrong = await review('owner', id, { role: 'business-stakeholder' });
      expectProblem(wrong, 403, 'forbidden');
      expect(wrong.body.detail).toMatch(/accepted by risk-audit, independent of its author/);
      // A role one does not hold in the owning team.
      expectProblem(await review('owner', id, { role: 'risk-audit' }), 403, 'forbidden');
      expectProblem(await review('outsider', id, { role: 'risk-audit' }), 403, 'forbidden');
      expectProblem(
        await review('risk1', '00000000-0000-4000-8000-000000000000', { role: 'risk-audit' }),
        404,
        'not_found',
      );
      expectProblem(
        await review('risk1', id, { role: 'risk-audit' }, '/api/v1/models/pd/versions/99'),
        404,
        'not_found',
      );
      expectProblem(await review('risk1', 'not-a-uuid', { role: 'risk-audit' }), 400, 'validation_failed');
      expectProblem(
        await review('risk1', id, { role: 'risk-audit', password: 'wrong' }),
        403,
        'reauthentication_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${v1}/documents/${id}/review`,
          token: as('risk1'),
          body: { decision: 'accepted', role: 'risk-audit' },
        }),
        403,
        'reauthentication_failed',
      );
      expectProblem(await review('risk1', id, { role: 'risk-audit', decision: 'maybe' }), 400, 'validation_failed');
      expectProblem(await review('risk1', id, { role: 'viewer' }), 400, 'validation_failed');
      // A rejection says why.
      const silent = await review('risk1', id, { role: 'risk-audit', decision: 'rejected' });
      expectProblem(silent, 400, 'validation_failed');
      expect(silent.body.errors).toEqual([expect.objectContaining({ pointer: '/body/comment' })]);
      expect(await reviewRows()).toBe(reviews);
      expect((await documentOf(id)).state).toBe('submitted');
    });

    it('rejects with a comment; a rejected or superseded revision never counts and a new one needs its own acceptance', async () => {
      const first = (await doc('independent-replication-report')).body.id as string;
      // (the previous test's revision of this kind is superseded by this one)
      const rejected = await review('risk1', first, {
        role: 'risk-audit',
        decision: 'rejected',
        comment: 'the replication used the training data',
      });
      expect(rejected.status, rejected.text).toBe(201);
      expect(await documentOf(first)).toMatchObject({
        state: 'rejected',
        review: { decision: 'rejected', comment: 'the replication used the training data' },
      });
      const after = await requirement('verify-independent-reimplementation');
      expect(after.status).toBe('missing');
      expect(after.unmet![0]).toMatch(new RegExp(`revision ${first} was rejected`));

      const second = (await doc('independent-replication-report')).body.id as string;
      expect((await documentOf(first)).state).toBe('superseded');
      expect(await documentOf(second)).toMatchObject({ state: 'submitted' });
      expect((await review('risk1', second, { role: 'risk-audit' })).status).toBe(201);
      expect((await requirement('verify-independent-reimplementation')).status).toBe('satisfied');

      // A third revision supersedes the accepted one: the measure waits for its own acceptance.
      const third = (await doc('independent-replication-report')).body.id as string;
      expect((await documentOf(second)).state).toBe('superseded');
      expect((await requirement('verify-independent-reimplementation')).status).toBe('missing');
      const reviews = await reviewRows();
      const old = await review('risk2', second, { role: 'risk-audit' });
      expectProblem(old, 409, 'conflict');
      expect(old.body.detail).toMatch(/superseded/);
      expect(await reviewRows()).toBe(reviews);
      // The superseded revision's review task is gone; the new one has its own.
      const tasks = await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: as('risk2') });
      const docs = (tasks.body.items as { kind: string; details: { document?: string } }[])
        .filter((x) => x.kind === 'review')
        .map((x) => x.details.document);
      expect(docs).toContain(third);
      expect(docs).not.toContain(second);
      expect((await review('risk2', third, { role: 'risk-audit', password: PASSWORD('risk2') })).status).toBe(201);
      expect((await requirement('verify-independent-reimplementation')).status).toBe('satisfied');
    });

    it("reviews a use case's own documents the same way, routed to the step's accountable role", async () => {
      const uc = (await call(t.app, { method: 'GET', url: '/api/v1/use-cases?limit=100' })).body.items.find(
        (u: { name: string }) => u.name === 'credit',
      ).id as string;
      const u = `/api/v1/use-cases/${uc}`;
      const post = async () =>
        (
          await call(t.app, {
            method: 'POST',
            url: `${u}/documents`,
            token: as('owner'),
            body: { kind: 'records-of-processing', title: 'Art. 30 record', content: '# Record' },
          })
        ).body.id as string;
      const first = await post();
      // Scoping's Accountable (business-stakeholder) gets the review task.
      expect(await tasksOf('owner')).toContainEqual(
        expect.objectContaining({ kind: 'review', details: expect.objectContaining({ document: first }) }),
      );
      const second = await post();
      expect((await tasksOf('owner')).some((x) => x.details.document === first)).toBe(false);
      const reviews = await reviewRows();
      expectProblem(await review('owner', first, {}, u), 409, 'conflict');
      expectProblem(await review('owner', '00000000-0000-4000-8000-000000000000', {}, u), 404, 'not_found');
      expectProblem(
        await review('owner', second, {}, '/api/v1/use-cases/00000000-0000-4000-8000-000000000000'),
        404,
        'not_found',
      );
      expect(await reviewRows()).toBe(reviews);
      expect((await review('owner', second, { comment: 'complete' }, u)).status).toBe(201);
      const docs = (await lifecycle(u)).documents as { id: string; state: string }[];
      expect(docs.find((d) => d.id === second)!.state).toBe('accepted');
      expect(docs.find((d) => d.id === first)!.state).toBe('superseded');
      const reqs = (await call(t.app, { method: 'GET', url: `${u}/requirements` })).body.requirements as {
        measure: string;
        status: string;
      }[];
      expect(reqs.find((r) => r.measure === 'gdpr-records-of-processing')!.status).toBe('satisfied');
    });

    it("lets the owner's team accept other documents, the author included where independence is not required", async () => {
      const card = (await doc('model-card')).body.id as string;
      expect((await documentOf(card)).acceptance).toEqual([{ acceptedBy: ['owner-team'], independent: false }]);
      expect((await requirement('doc-model-card')).status).toBe('missing');
      expect((await review('ds', card, { role: 'data-scientist' })).status).toBe(201);
      expect((await requirement('doc-model-card')).status).toBe('satisfied');
    });
  });
});
