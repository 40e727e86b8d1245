import { describe, expect, it } from 'vitest';
import { call, expectProblem } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';
import { activateEnforcedPack } from '../trainings/helpers.ts';

describe.each(DB_KINDS)('"can I sign this?" before the password on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const { t, as, sign } = useGovernedLifecycle(kind);
    const v2 = '/api/v1/models/pd/versions/2';
    const ask = (user: string | null, query: string, url = v2) =>
      call(t.app, { method: 'GET', url: `${url}/signatures/eligibility?${query}`, token: user ? as(user) : null });
    const usernames = (body: { canSign: { username: string }[] }) => body.canSign.map((c) => c.username);

    it('refuses the author of a version in plain words and names who can sign instead', async () => {
      const res = await ask('devrisk', 'role=risk-audit&meaning=approve');
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({
        model: 'pd',
        version: 2,
        role: 'risk-audit',
        meaning: 'approve',
        allowed: false,
        code: 'separation_of_duties',
        training: null,
      });
      expect(res.body.reason).toBe(
        'you registered pd v2, and a risk-audit approval must come from someone independent of the work (effective challenge)',
      );
      expect(usernames(res.body)).toEqual(['ravi', 'rita']);
      expect(res.body.canSign[0].displayName).toBe('User ravi');
      // The read changes nothing and the signing command still refuses, with the same reason and people.
      const signed = await sign('devrisk', { role: 'risk-audit', meaning: 'approve' }, v2);
      expectProblem(signed, 403, 'separation_of_duties');
      expect(signed.body.detail).toBe(
        `You cannot sign pd v2 as risk-audit: ${res.body.reason}. Ask User ravi (ravi), User rita (rita) to sign as risk-audit instead`,
      );
      expect(signed.body.canSign).toEqual(res.body.canSign);
    });

    it('names an author signature as the reason, and leaves authors out of who can sign', async () => {
      expect((await sign('devrisk', { role: 'data-scientist', meaning: 'author' })).status).toBe(201);
      const res = await ask('devrisk', 'role=risk-audit', '/api/v1/models/pd/versions/1');
      expect(res.body).toMatchObject({ allowed: false, code: 'separation_of_duties', meaning: 'approve' });
      expect(res.body.reason).toMatch(/^you signed pd v1 as its author, and a risk-audit approval must come from/);
      const other = await ask('risk1', 'role=risk-audit', '/api/v1/models/pd/versions/1');
      expect(other.body).toMatchObject({ allowed: true, code: null, reason: null });
      expect(usernames(other.body)).toEqual(['ravi']);
    });

    it('allows an independent signer, and a meaning that needs no independence', async () => {
      const res = await ask('risk1', 'role=risk-audit&meaning=approve');
      expect(res.body).toMatchObject({ allowed: true, code: null, reason: null, training: null });
      expect(usernames(res.body)).toEqual(['ravi']);
      const acknowledge = await ask('devrisk', 'role=risk-audit&meaning=acknowledge');
      expect(acknowledge.body).toMatchObject({ allowed: true, code: null });
    });

    it('says when the caller does not hold the role in the owning team', async () => {
      const res = await ask('outsider', 'role=risk-audit');
      expect(res.body).toMatchObject({ allowed: false, code: 'forbidden' });
      expect(res.body.reason).toBe(
        "you do not hold the role risk-audit in team 'lending' (or organisation-wide), so you cannot sign as risk-audit",
      );
      // Dora registered v2 herself: only the independent risk-audit holders are named.
      expect(usernames(res.body)).toEqual(['ravi', 'rita']);
    });

    it('answers unknown versions, bad roles and anonymous callers with problems', async () => {
      const unknown = await ask('risk1', 'role=risk-audit', '/api/v1/models/pd/versions/99');
      expectProblem(unknown, 404, 'not_found');
      expect(unknown.body.detail).toBe("model version 'pd/99' does not exist");
      expectProblem(await ask('risk1', 'role=risk-audit', '/api/v1/models/nope/versions/1'), 404, 'not_found');
      const badRole = await ask('risk1', 'role=overlord');
      expectProblem(badRole, 400, 'validation_failed');
      expect(badRole.text).toContain('risk-audit');
      expectProblem(await ask('risk1', 'meaning=approve'), 400, 'validation_failed');
      expectProblem(await ask('risk1', 'role=risk-audit&meaning=bless'), 400, 'validation_failed');
      expectProblem(await ask('risk1', 'role=risk-audit&extra=1'), 400, 'validation_failed');
      expectProblem(await ask(null, 'role=risk-audit'), 401, 'unauthenticated');
    });

    it('surfaces a missing training before any password is asked for', async () => {
      await activateEnforcedPack(t.app);
      const res = await ask('owner', 'role=business-stakeholder', '/api/v1/models/pd/versions/1');
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({
        allowed: false,
        code: 'training_required',
        training: { id: 'eu-ai-act-literacy', title: 'EU AI Act AI literacy' },
      });
      expect(res.body.reason).toBe(
        "you have not completed the training 'EU AI Act AI literacy', which signing as business-stakeholder requires",
      );
      const failures = await call(t.app, {
        method: 'GET',
        url: '/api/v1/audit/events?action=signature.reauthentication-failure',
      });
      expect(failures.body.items).toEqual([]);
    });
  });
});
