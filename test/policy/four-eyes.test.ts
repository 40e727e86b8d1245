import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_PACK_FILE } from '../../src/features/policy/pack-file.ts';
import { call, expectProblem, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { adHocAnalysis } from '../helpers/policy.ts';

const password = (user: string) => `${user}-correct-horse-battery`;

describe.each(DB_KINDS)('four eyes on governance itself on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['insights'] });
    const tok: Record<string, string> = {};
    let uc = '';
    const verifies = (signed: { manifestDigest: string; serverSignature: string }) =>
      verify(
        null,
        Buffer.from(signed.manifestDigest),
        createPublicKey(t.signer.publicKeyPem),
        Buffer.from(signed.serverSignature, 'base64'),
      );
    const events = async (action: string) =>
      (await call(t.app, { method: 'GET', url: `/api/v1/audit/events?action=${action}&limit=500` })).body.items as {
        after: Record<string, any>;
      }[];

    beforeAll(async () => {
      for (const u of ['uploader', 'activator'])
        tok[u] = await seedUser(t.app, u, [{ scope: '*', role: 'risk-audit' }], ['read', 'write', 'admin']);
      uc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('adhoc-four-eyes', { ownerTeam: 'insights', consumers: 'internal-few' }),
        })
      ).body.id;
      const assessed = await call(t.app, {
        method: 'PUT',
        url: `/api/v1/use-cases/${uc}/assessment`,
        body: { answers: adHocAnalysis },
      });
      expect(assessed.body.tier).toBe(1);
    });

    it('refuses activation by the uploader, then records a second person’s activation as an e-signature', async () => {
      // A stricter pack: nothing below tier 2.
      const pack = parse(readFileSync(DEFAULT_PACK_FILE, 'utf8'));
      pack.version = '1.1.0';
      pack.classification.rules.push({
        id: 'everything-tier-2',
        description: 'Nothing below tier 2.',
        when: { question: 'availability', in: ['ad-hoc', 'scheduled', 'realtime'] },
        tier: 2,
      });
      const sim = (await call(t.app, { method: 'POST', url: '/api/v1/policies/simulate', body: { pack } })).body
        .changes as { measuresAdded: string[]; measuresRemoved: string[] }[];
      expect(sim).toHaveLength(1);
      const uploaded = await call(t.app, {
        method: 'POST',
        url: '/api/v1/policies',
        body: { pack },
        token: tok.uploader,
      });
      expect(uploaded.status).toBe(201);
      const id = uploaded.body.id as string;
      const url = `/api/v1/policies/${id}/activate`;
      const activations = (await events('policy.activate')).length;

      // The list says beside the pack, before any password, who may activate it; activating agrees.
      const activate = async (user: string) =>
        (await call(t.app, { method: 'GET', url: '/api/v1/policies', token: tok[user] })).body.items.find(
          (p: { id: string }) => p.id === id,
        ).actions.activate;
      expect(await activate('uploader')).toEqual({
        allowed: false,
        code: 'separation_of_duties',
        reason: 'You uploaded this pack: another policy administrator has to review and activate it.',
      });
      expect(await activate('activator')).toEqual({ allowed: true, code: null, reason: null });
      const self = await call(t.app, {
        method: 'POST',
        url,
        token: tok.uploader,
        body: { password: password('uploader') },
      });
      expectProblem(self, 403, 'separation_of_duties');
      expect(self.body.detail).toMatch(/uploader uploaded default 1\.1\.0; another policy administrator/);
      expect(JSON.stringify((await events('authz.separation-of-duties')).at(-1))).toMatch(/uploaded default 1\.1\.0/);
      // A signature needs the credentials re-entered.
      expectProblem(
        await call(t.app, { method: 'POST', url, token: tok.activator, body: {} }),
        403,
        'reauthentication_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url, token: tok.activator, body: { password: 'wrong' } }),
        403,
        'reauthentication_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url, token: tok.activator, body: { password: 'x', extra: 1 } }),
        400,
        'validation_failed',
      );
      // Nothing was activated by the refusals.
      expect((await call(t.app, { method: 'GET', url: `/api/v1/policies/${id}` })).body.status).toBe('draft');
      expect((await events('policy.activate')).length).toBe(activations);

      const ok = await call(t.app, {
        method: 'POST',
        url,
        token: tok.activator,
        body: { password: password('activator'), comment: 'simulation reviewed' },
      });
      expect(ok.status, ok.text).toBe(200);
      expect(ok.body.reevaluate).toEqual([uc]);
      const activation = ok.body.pack.activation;
      expect(activation.manifest).toMatchObject({
        subject: { type: 'policy-pack', id, name: 'default', version: '1.1.0', digest: uploaded.body.digest },
        uploadedBy: uploaded.body.createdBy,
        previous: { name: 'default', version: '1.0.0' },
        simulation: {
          useCasesAffected: 1,
          useCasesChangingTier: 1,
          requirementsAdded: sim[0]!.measuresAdded.length,
          requirementsRemoved: sim[0]!.measuresRemoved.length,
          useCasesToReassess: 0,
        },
        signer: { username: 'activator' },
        role: 'risk-audit',
        meaning: 'approve',
        comment: 'simulation reviewed',
        reauthenticatedWith: { type: 'password' },
      });
      expect(sim[0]!.measuresAdded.length).toBeGreaterThan(0);
      expect(verifies(activation)).toBe(true);
      // Kept with the pack and in the audit trail.
      expect((await call(t.app, { method: 'GET', url: `/api/v1/policies/${id}` })).body.activation).toEqual(activation);
      expect((await events('policy.activate')).at(-1)!.after.activation).toEqual(activation);
      expect(await activate('activator')).toEqual({
        allowed: false,
        code: 'conflict',
        reason: 'It is the active pack.',
      });
      expectProblem(
        await call(t.app, { method: 'POST', url, token: tok.activator, body: { password: password('activator') } }),
        409,
        'conflict',
      );
    });

    it('confirms a tier override only by a re-authenticated e-signature whose manifest names the override', async () => {
      const o = `/api/v1/use-cases/${uc}/assessment/override`;
      const requested = await call(t.app, {
        method: 'POST',
        url: o,
        token: tok.uploader,
        body: { tier: 3, reason: 'feeds a customer-facing report after all' },
      });
      expect(requested.status, requested.text).toBe(200);
      // Asked before the dialog takes a password: its requester may not decide it, nor an administrator
      // who is no risk-audit user; another risk-audit user may. Deciding then does as it said.
      const eligible = async (token?: string) =>
        (await call(t.app, { method: 'GET', url: `${o}/eligibility`, ...(token ? { token } : {}) })).body;
      expect(await eligible(tok.uploader)).toEqual({
        allowed: false,
        code: 'forbidden',
        reason: 'You requested this override: another risk-audit user has to confirm or reject it.',
      });
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${o}/decision`,
          token: tok.uploader,
          body: { decision: 'confirmed', password: password('uploader') },
        }),
        403,
        'forbidden',
      );
      const admin = await eligible();
      expect(admin).toMatchObject({ allowed: false, code: 'forbidden' });
      expect(admin.reason).toContain("Needs the role risk-audit in team 'insights'");
      expectProblem(
        await call(t.app, { method: 'POST', url: `${o}/decision`, body: { decision: 'confirmed', password: 'x' } }),
        403,
        'forbidden',
      );
      expect(await eligible(tok.activator)).toEqual({ allowed: true, code: null, reason: null });
      expectProblem(
        await call(t.app, { method: 'GET', url: `${o.replace(uc, 'not-an-id')}/eligibility` }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'GET',
          url: `${o.replace(uc, '00000000-0000-4000-8000-000000000000')}/eligibility`,
        }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `${o}/decision`,
          token: tok.activator,
          body: { decision: 'confirmed' },
        }),
        403,
        'reauthentication_failed',
      );
      expect(
        (await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${uc}/assessment` })).body.current,
      ).toMatchObject({ pendingOverride: { tier: 3 }, override: null });
      const ok = await call(t.app, {
        method: 'POST',
        url: `${o}/decision`,
        token: tok.activator,
        body: { decision: 'confirmed', comment: 'agreed', password: password('activator') },
      });
      expect(ok.status, ok.text).toBe(200);
      expect(ok.body).toMatchObject({ tier: 3, pendingOverride: null });
      const signature = ok.body.override.signature;
      expect(signature.manifest).toMatchObject({
        subject: { type: 'assessment', id: ok.body.id, useCaseId: uc },
        assessedTier: ok.body.assessedTier,
        requestedTier: 3,
        reason: 'feeds a customer-facing report after all',
        decision: 'confirmed',
        signer: { username: 'activator' },
        role: 'risk-audit',
        meaning: 'approve',
        comment: 'agreed',
      });
      expect(verifies(signature)).toBe(true);
      expect((await events('assessment.override-confirm')).at(-1)!.after.signature).toEqual(signature);
      // Decided: nothing is pending any more, for anyone.
      expect(await eligible(tok.activator)).toEqual({
        allowed: false,
        code: 'conflict',
        reason: 'No override is pending.',
      });
    });
  });
});
