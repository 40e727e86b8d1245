import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';
import { activateEnforcedPack, daysAgo } from './helpers.ts';

describe.each(DB_KINDS)('the training gate on signatures on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const { t, as, sign } = useGovernedLifecycle(kind);
    const record = (user: string, training: string, completedOn: string) =>
      call(t.app, {
        method: 'POST',
        url: `/api/v1/users/${user}/trainings`,
        body: { training, completedOn },
      });
    const signatures = async () =>
      (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=signature.create&limit=500' })).body.items
        .length as number;

    it('does not stop signatures while the pack does not enforce its trainings', async () => {
      const catalogue = await call(t.app, { method: 'GET', url: '/api/v1/trainings', token: as('ds') });
      expect(catalogue.status).toBe(200);
      expect(catalogue.body.enforceFrom).toBeNull();
      expect(catalogue.body.items.map((i: { id: string }) => i.id)).toEqual([
        'eu-ai-act-literacy',
        'electronic-signatures',
        'model-validation-standard',
      ]);
    });

    describe('once the pack enforces them', () => {
      let activator = '';
      beforeAll(async () => {
        activator = (await activateEnforcedPack(t.app)).activator;
      });

      it('refuses a role whose training is missing, naming it, before the password is checked', async () => {
        const before = await signatures();
        // A wrong password too: the training is refused first, and no failed attempt is counted.
        const res = await sign('owner', { role: 'business-stakeholder', meaning: 'approve', password: 'wrong' });
        expectProblem(res, 403, 'training_required');
        expect(res.body.detail).toContain("'EU AI Act AI literacy' (eu-ai-act-literacy)");
        expect(res.body.detail).toContain('business-stakeholder');
        const failures = await call(t.app, {
          method: 'GET',
          url: '/api/v1/audit/events?action=signature.reauthentication-failure',
        });
        expect(failures.body.items).toEqual([]);
        expect(await signatures()).toBe(before);
      });

      it('refuses a lapsed training, naming its expiry', async () => {
        expect((await record('olga', 'eu-ai-act-literacy', daysAgo(400))).status).toBe(201);
        expect((await record('olga', 'electronic-signatures', daysAgo(10))).status).toBe(201);
        const res = await sign('owner', { role: 'business-stakeholder', meaning: 'approve' });
        expectProblem(res, 403, 'training_required');
        expect(res.body.detail).toContain(`expired on ${daysAgo(35)}`);
        const mine = await call(t.app, { method: 'GET', url: '/api/v1/users/olga/trainings', token: as('owner') });
        expect(mine.status).toBe(200);
        expect(mine.body.items.find((i: { training: string }) => i.training === 'eu-ai-act-literacy')).toMatchObject({
          status: 'expired',
          completedOn: daysAgo(400),
          expiresOn: daysAgo(35),
          requiredBy: ['business-stakeholder'],
        });
      });

      it('lets the signature through once every training the role requires is current', async () => {
        // Olga records her own renewed completion.
        const renewed = await call(t.app, {
          method: 'POST',
          url: '/api/v1/users/olga/trainings',
          token: as('owner'),
          body: { training: 'eu-ai-act-literacy', completedOn: daysAgo(1), certificate: 'CERT-42' },
        });
        expect(renewed.status, renewed.text).toBe(201);
        expect(renewed.body).toMatchObject({ source: 'self', certificate: 'CERT-42' });
        const res = await sign('owner', { role: 'business-stakeholder', meaning: 'approve' });
        expect(res.status, res.text).toBe(201);
      });

      it('gates other roles and signing paths (version approval, pack activation), but not acknowledgements', async () => {
        // A document review by a risk-audit signer without the model validation standard.
        const review = await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/pd/versions/1/signatures',
          token: as('risk1'),
          body: { role: 'risk-audit', meaning: 'approve', password: 'rita-correct-horse-battery' },
        });
        expectProblem(review, 403, 'training_required');
        // Activating a pack is a signature by an administrator: the activator of the enforced pack lacks
        // the electronic-signatures training now that it is enforced.
        const { readFileSync } = await import('node:fs');
        const { parse } = await import('yaml');
        const { DEFAULT_PACK_FILE } = await import('../../src/features/policy/pack-file.ts');
        const pack = parse(readFileSync(DEFAULT_PACK_FILE, 'utf8'));
        pack.version = '1.2.0';
        const uploaded = await call(t.app, { method: 'POST', url: '/api/v1/policies', body: { pack } });
        expect(uploaded.status).toBe(201);
        const activation = await call(t.app, {
          method: 'POST',
          url: `/api/v1/policies/${uploaded.body.id}/activate`,
          token: activator,
          body: { password: 'activator-1-1-0-correct-horse-battery' },
        });
        expectProblem(activation, 403, 'training_required');
        expect(activation.body.detail).toContain('admin');
        // Acknowledging the pack is part of being trained: it is not gated.
        const ack = await call(t.app, {
          method: 'POST',
          url: '/api/v1/policy/acknowledgements',
          token: as('risk1'),
          body: { password: 'rita-correct-horse-battery' },
        });
        expect(ack.status, ack.text).toBe(201);
      });
    });
  });
});
