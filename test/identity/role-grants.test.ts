import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { creditScoring } from '../helpers/policy.ts';

const PASSWORD = (user: string) => `${user}-correct-horse-battery`;
const ALL = ['read', 'write', 'admin'];

describe.each(DB_KINDS)('four eyes on grants of independent roles on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['alpha'] });
    const tok: Record<string, string> = {};
    const events = async (action: string) =>
      (await call(t.app, { method: 'GET', url: `/api/v1/audit/events?action=${action}&limit=1000` })).body.items;

    beforeAll(async () => {
      // Tara runs team alpha and builds its models; Ada is the team's other administrator.
      tok.tara = await seedUser(
        t.app,
        'tara',
        [
          { scope: 'alpha', role: 'admin' },
          { scope: 'alpha', role: 'data-scientist' },
        ],
        ALL,
      );
      tok.ada = await seedUser(t.app, 'ada', [{ scope: 'alpha', role: 'admin' }], ALL);
      tok.viewer = await seedUser(t.app, 'vic', [{ scope: 'alpha', role: 'viewer' }]);
    });

    const grant = (as: string, username: string, role: string) =>
      call(t.app, {
        method: 'POST',
        url: `/api/v1/users/${username}/roles`,
        token: tok[as],
        body: { scope: 'alpha', role },
      });

    it('holds an administrator’s grant of an independent role to themselves until another administrator confirms it', async () => {
      const asked = await grant('tara', 'tara', 'risk-audit');
      expect(asked.status, asked.text).toBe(202);
      expect(asked.body).toMatchObject({ username: 'tara', scope: 'alpha', role: 'risk-audit', status: 'pending' });
      const me = await call(t.app, { method: 'GET', url: '/api/v1/me', token: tok.tara });
      expect(me.body.roles).not.toContainEqual({ scope: 'alpha', role: 'risk-audit' });
      expect((await events('role.grant-request')).map((e: { after: { id: string } }) => e.after.id)).toEqual([
        asked.body.id,
      ]);
      expectProblem(await grant('tara', 'tara', 'risk-audit'), 409, 'conflict');

      // Tara cannot confirm her own request; the refusal is in the audit trail though nothing was written.
      const confirm = (as: string, id = asked.body.id) =>
        call(t.app, { method: 'POST', url: `/api/v1/role-grants/${id}/confirmation`, token: tok[as] });
      // The list says so beside the grant before she tries; the confirmation then refuses as it said.
      const hint = async (as: string) =>
        (await call(t.app, { method: 'GET', url: '/api/v1/role-grants', token: tok[as] })).body.items.find(
          (g: { id: string }) => g.id === asked.body.id,
        ).actions.confirm;
      expect(await hint('tara')).toEqual({
        allowed: false,
        code: 'separation_of_duties',
        reason: 'You are the grantee of this grant: another administrator has to confirm it.',
      });
      const own = await confirm('tara');
      expectProblem(own, 403, 'separation_of_duties');
      expect(own.body.detail).toBe(
        "tara is the grantee of this grant of risk-audit in team 'alpha': another administrator has to confirm it",
      );
      expect(await events('authz.separation-of-duties')).toEqual([
        expect.objectContaining({
          subject: expect.objectContaining({ type: 'role-grant-request', id: asked.body.id }),
          after: expect.objectContaining({ account: 'tara', role: 'risk-audit' }),
        }),
      ]);
      expectProblem(await confirm('viewer'), 403, 'forbidden');
      const listed = (await call(t.app, { method: 'GET', url: '/api/v1/role-grants', token: tok.ada })).body.items;
      expect(listed.map((g: { id: string }) => g.id)).toEqual([asked.body.id]);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/role-grants', token: tok.viewer })).body.items).toEqual(
        [],
      );

      expect(await hint('ada')).toEqual({ allowed: true, code: null, reason: null });
      const confirmed = await confirm('ada');
      expect(confirmed.status, confirmed.text).toBe(200);
      expect(confirmed.body.roles).toContainEqual({ scope: 'alpha', role: 'risk-audit' });
      expect(await events('role.grant-confirm')).toEqual([
        expect.objectContaining({ after: expect.objectContaining({ status: 'confirmed', id: asked.body.id }) }),
      ]);
      expectProblem(await confirm('ada'), 409, 'conflict');
      expectProblem(await confirm('ada', '00000000-0000-4000-8000-000000000000'), 404, 'not_found');
      expectProblem(await confirm('ada', 'not-a-uuid'), 400, 'validation_failed');
      // Roles that do not sign as independent, and grants to others, take effect at once.
      expect((await grant('tara', 'tara', 'viewer')).status).toBe(200);
    });

    it('names an organisation-wide grant as such when refusing its grantee’s own confirmation', async () => {
      tok.olga = await seedUser(t.app, 'olga', [{ scope: '*', role: 'admin' }], ALL);
      const asked = await call(t.app, {
        method: 'POST',
        url: '/api/v1/users/olga/roles',
        token: tok.olga,
        body: { scope: '*', role: 'risk-audit' },
      });
      expect(asked.status, asked.text).toBe(202);
      const own = await call(t.app, {
        method: 'POST',
        url: `/api/v1/role-grants/${asked.body.id}/confirmation`,
        token: tok.olga,
      });
      expectProblem(own, 403, 'separation_of_duties');
      expect(own.body.detail).toBe(
        'olga is the grantee of this grant of risk-audit organisation-wide: another administrator has to confirm it',
      );
    });

    it('does not count a validator as independent of the author who granted them the role', async () => {
      const uc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('alpha-credit', { ownerTeam: 'alpha' }),
        })
      ).body.id;
      await call(t.app, { method: 'PUT', url: `/api/v1/use-cases/${uc}/assessment`, body: { answers: creditScoring } });
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models',
            token: tok.tara,
            body: { name: 'tm', useCaseId: uc },
          })
        ).status,
      ).toBe(201);
      const version = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/tm/versions',
        token: tok.tara,
        body: { artifactUri: 's3://tm/1', artifactDigest: `sha256:${'7'.repeat(64)}` },
      });
      expect(version.status, version.text).toBe(201);
      // Tara appoints a validator of her own choosing; the organisation's administrator appoints another.
      tok.val = await seedUser(t.app, 'val', []);
      expect((await grant('tara', 'val', 'risk-audit')).status).toBe(200);
      tok.vera = await seedUser(t.app, 'vera', [{ scope: 'alpha', role: 'risk-audit' }]);
      const approve = (as: string) =>
        call(t.app, {
          method: 'POST',
          url: '/api/v1/models/tm/versions/1/signatures',
          token: tok[as],
          body: { role: 'risk-audit', meaning: 'approve', password: PASSWORD(as) },
        });
      const refused = await approve('val');
      expectProblem(refused, 403, 'separation_of_duties');
      expect(refused.body.detail).toMatch(/only through a grant by someone who built or authored tm v1/);
      expect((await approve('vera')).status).toBe(201);
    });

    it('lists and confirms pending grants from the CLI', async () => {
      const asked = await grant('ada', 'ada', 'risk-audit');
      expect(asked.status).toBe(202);
      const env = { STEWARD_URL: await t.app.listen({ port: 0, host: '127.0.0.1' }), STEWARD_TOKEN: tok.tara! };
      const listed = await runCli(['users', 'grant-requests'], env);
      expect(listed.stdout).toContain(`${asked.body.id}  ada  alpha:risk-audit  pending`);
      const confirmed = await runCli(['users', 'confirm-grant', asked.body.id], env);
      expect(confirmed.code, confirmed.stderr).toBe(0);
      expect(confirmed.stdout).toMatch(/^ada .*alpha:risk-audit/m);
    }, 120_000);
  });
});
