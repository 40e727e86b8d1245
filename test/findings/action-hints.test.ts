import { describe, expect, it } from 'vitest';
import { call, expectProblem } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { PASSWORD, useGovernedLifecycle } from '../helpers/lifecycle.ts';
import { activateEnforcedPack } from '../trainings/helpers.ts';

type Hint = { allowed: boolean; code: string | null; reason: string | null };

// What the findings and exceptions lists say the caller may do (`actions`), and what the forms ask
// before they are sent (`eligibility`), agree with what the commands then do: the hint comes from
// the command's own rule. Each act is tried once allowed and once refused.
describe.each(DB_KINDS)('action hints of findings and exceptions on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const { t, as } = useGovernedLifecycle(kind);
    const get = (user: string, url: string) => call(t.app, { method: 'GET', url, token: as(user) });
    const post = (user: string, url: string, body: Record<string, unknown>) =>
      call(t.app, { method: 'POST', url, token: as(user), body });
    /** The command did what the hint said: accepted when allowed, refused with the hint's code when not. */
    const agrees = (hint: Hint, res: { status: number; text: string; body: { code?: string } }) => {
      if (hint.allowed) expect(res.status, res.text).toBeLessThan(300);
      else {
        expect(res.status, res.text).toBe(hint.code === 'conflict' ? 409 : 403);
        expect(res.body.code).toBe(hint.code);
      }
    };
    const finding = {
      model: 'pd',
      version: 1,
      severity: 'medium',
      title: 'Thin files under-predicted',
      description: 'Default rates exceed the predicted ones below three trades.',
      owner: 'dana',
      dueDate: '2030-01-31',
      remediation: 'Recalibrate on the 2025 cohort.',
    };
    const findingOf = async (user: string, id: string) => (await get(user, `/api/v1/findings/${id}`)).body;
    const listedFinding = async (user: string, id: string) =>
      (await get(user, '/api/v1/findings?limit=500&status=open')).body.items.find((f: { id: string }) => f.id === id);

    it('says before the form is sent who may raise a finding on a subject, as raising decides', async () => {
      const allowed = await get('risk1', '/api/v1/findings/eligibility?model=pd&version=1');
      expect(allowed.status, allowed.text).toBe(200);
      expect(allowed.body).toMatchObject({
        subject: { type: 'model-version', label: 'pd/1', model: 'pd', version: 1 },
        raise: { allowed: true, code: null, reason: null },
        // The form offers the pack's severities (this pack leaves the default ones).
        severities: ['low', 'medium', 'high', 'critical'],
      });
      agrees(allowed.body.raise, await post('risk1', '/api/v1/findings', finding));
      // A data scientist is no validator; a validator of another team is none here either.
      const ds = (await get('ds', '/api/v1/findings/eligibility?model=pd&version=1')).body.raise;
      expect(ds).toEqual({
        allowed: false,
        code: 'forbidden',
        reason: "Needs the role risk-audit in team 'lending' (or organisation-wide); you hold data-scientist there.",
      });
      agrees(ds, await post('ds', '/api/v1/findings', finding));
      const other = (await get('outsider', '/api/v1/findings/eligibility?useCase=credit')).body;
      expect(other.subject).toMatchObject({ type: 'use-case', label: 'credit' });
      expect(other.raise.reason).toBe(
        "Needs the role risk-audit in team 'lending' (or organisation-wide); you hold no role there.",
      );
      agrees(
        other.raise,
        await post('outsider', '/api/v1/findings', {
          ...finding,
          model: undefined,
          version: undefined,
          useCase: 'credit',
        }),
      );
    });

    it('lists what the owner and a validator may do with a finding, and the commands agree', async () => {
      const id = (await post('risk1', '/api/v1/findings', { ...finding, title: 'Missing benchmark' })).body.id;
      // The owner (dana) may move it to remediation; a stakeholder who neither owns nor validates may not.
      const owner = (await listedFinding('ds', id)).actions;
      expect(owner.remediate).toEqual({ allowed: true, code: null, reason: null });
      const stranger = (await findingOf('owner', id)).actions;
      expect(stranger.remediate).toEqual({
        allowed: false,
        code: 'forbidden',
        reason:
          "Needs the role risk-audit in team 'lending' (or organisation-wide), or to be the finding's owner; you hold business-stakeholder there.",
      });
      const remediate = (user: string) =>
        call(t.app, {
          method: 'PATCH',
          url: `/api/v1/findings/${id}`,
          token: as(user),
          body: { status: 'remediating' },
        });
      agrees(stranger.remediate, await remediate('owner'));
      agrees(owner.remediate, await remediate('ds'));
      // Closing takes a validator's signature: the owner may not, another validator of the team may.
      expect(owner.close).toMatchObject({ allowed: false, code: 'forbidden' });
      const close = (user: string) =>
        post(user, `/api/v1/findings/${id}/close`, { password: PASSWORD(user), comment: 'Benchmarked.' });
      agrees(owner.close, await close('ds'));
      const validator = (await findingOf('risk2', id)).actions.close;
      expect(validator).toEqual({ allowed: true, code: null, reason: null });
      agrees(validator, await close('risk2'));
      // Once closed, nobody may close or remediate it again: the state refuses, whoever asks.
      const closed = (await get('risk1', `/api/v1/findings?status=closed&limit=500`)).body.items.find(
        (f: { id: string }) => f.id === id,
      ).actions;
      expect(closed.close).toEqual({ allowed: false, code: 'conflict', reason: 'The finding is closed.' });
      agrees(closed.close, await close('risk1'));
      agrees(closed.remediate, await remediate('risk1'));
    });

    it('says who may request an exception on a subject, as requesting decides', async () => {
      const waiver = {
        model: 'pd',
        version: 1,
        measure: 'doc-model-card',
        reason: 'The card moves to the new template next month.',
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      };
      const ds = (await get('ds', '/api/v1/exceptions/eligibility?model=pd&version=1')).body;
      expect(ds).toMatchObject({ subject: { label: 'pd/1' }, request: { allowed: true } });
      agrees(ds.request, await post('ds', '/api/v1/exceptions', waiver));
      const stakeholder = (await get('owner', '/api/v1/exceptions/eligibility?model=pd&version=1')).body.request;
      expect(stakeholder).toEqual({
        allowed: false,
        code: 'forbidden',
        reason:
          "Needs the role data-scientist or admin in team 'lending' (or organisation-wide); you hold business-stakeholder there.",
      });
      agrees(stakeholder, await post('owner', '/api/v1/exceptions', waiver));
    });

    it('lists who may approve or reject an exception: four eyes before any password', async () => {
      // Dora builds and validates: she requests, so she may not approve her own, but may withdraw it by rejecting.
      const requested = await post('devrisk', '/api/v1/exceptions', {
        model: 'pd',
        version: 1,
        measure: 'doc-model-card',
        reason: 'The card is rewritten.',
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      });
      expect(requested.status, requested.text).toBe(201);
      const id = requested.body.id;
      const listed = async (user: string) =>
        (await get(user, '/api/v1/exceptions?status=requested&limit=500')).body.items.find(
          (e: { id: string }) => e.id === id,
        ).actions;
      const own = await listed('devrisk');
      expect(own.approve).toEqual({
        allowed: false,
        code: 'separation_of_duties',
        reason: "You requested this exception: another risk-audit of team 'lending' has to approve it.",
      });
      expect(own.reject).toEqual({ allowed: true, code: null, reason: null });
      const decide = (user: string, decision: string) =>
        post(user, `/api/v1/exceptions/${id}/${decision}`, { password: PASSWORD(user), comment: 'Decided.' });
      agrees(own.approve, await decide('devrisk', 'approve'));
      // A data scientist approves nothing.
      const ds = (await get('ds', `/api/v1/exceptions/${id}`)).body.actions;
      expect(ds.approve).toMatchObject({ allowed: false, code: 'forbidden' });
      expect(ds.approve.reason).toContain("Needs the role risk-audit in team 'lending'");
      agrees(ds.approve, await decide('ds', 'approve'));
      agrees(ds.reject, await decide('ds', 'reject'));
      const rita = await listed('risk1');
      expect(rita.approve).toEqual({ allowed: true, code: null, reason: null });
      agrees(rita.approve, await decide('risk1', 'approve'));
      // Decided: nobody may decide it again.
      const after = (await get('risk2', `/api/v1/exceptions/${id}`)).body.actions;
      expect(after.reject).toEqual({ allowed: false, code: 'conflict', reason: 'The exception is already approved.' });
      agrees(after.reject, await decide('risk2', 'reject'));
    });

    it('names a missing training in the hint, as the training gate of the signature refuses it', async () => {
      const id = (await post('risk1', '/api/v1/findings', { ...finding, title: 'Stale benchmark' })).body.id;
      await activateEnforcedPack(t.app);
      const close = (await findingOf('risk1', id)).actions.close;
      expect(close).toMatchObject({ allowed: false, code: 'training_required' });
      expect(close.reason).toMatch(/^You have not completed the training '.+', which signing as risk-audit requires/);
      agrees(close, await post('risk1', `/api/v1/findings/${id}/close`, { password: PASSWORD('risk1') }));
      // Not a signature: raising it again is still open to her.
      expect((await get('risk1', '/api/v1/findings/eligibility?model=pd&version=1')).body.raise.allowed).toBe(true);
    });

    it('answers a clear 4xx for an eligibility read without a subject, half of one, or an unknown one', async () => {
      for (const url of ['/api/v1/findings/eligibility', '/api/v1/exceptions/eligibility']) {
        const none = await get('risk1', url);
        expectProblem(none, 400, 'validation_failed');
        expectProblem(await get('risk1', `${url}?model=pd`), 400, 'validation_failed');
        expectProblem(await get('risk1', `${url}?useCase=credit&model=pd&version=1`), 400, 'validation_failed');
        expectProblem(await get('risk1', `${url}?model=pd&version=0`), 400, 'validation_failed');
        expectProblem(await get('risk1', `${url}?model=pd&version=99`), 404, 'not_found');
        expectProblem(await get('risk1', `${url}?useCase=nope`), 404, 'not_found');
        expectProblem(await get('risk1', `${url}?model=pd&version=1&extra=1`), 400, 'validation_failed');
        expectProblem(
          await call(t.app, { method: 'GET', url: `${url}?model=pd&version=1`, token: null }),
          401,
          'unauthenticated',
        );
      }
    });
  });
});
