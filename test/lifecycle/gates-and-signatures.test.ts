import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, expectProblem } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { PASSWORD, useGovernedLifecycle } from '../helpers/lifecycle.ts';

describe.each(DB_KINDS)('governed lifecycle: gates and signatures on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const { t, v1, as, sign, lifecycle, blockersOf, documentGate } = useGovernedLifecycle(kind);

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
        body: { name: 'pipeline', username: 'olga', scopes: ['read', 'sign'], password: PASSWORD('owner') },
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
      // A sign-off task stands for its measure: it closes when the measure is met, never by "mark done".
      expect(task).toMatchObject({ kind: 'signoff', details: { measure: 'gdpr-dpia' } });
      const refused = await call(t.app, {
        method: 'POST',
        url: `/api/v1/tasks/${task.id}/completion`,
        token: as('risk1'),
      });
      expectProblem(refused, 409, 'conflict');
      expect(refused.body.detail).toMatch(/closes by itself when measure 'gdpr-dpia' is met/);
      expect(refused.body.measure).toBe('gdpr-dpia');
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: as('risk1') })).body.items.map(
          (x: { id: string }) => x.id,
        ),
      ).toContain(task.id);
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
  });
});
