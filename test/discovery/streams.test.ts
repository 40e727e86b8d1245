import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { expectError, ml } from '../helpers/mlflow.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../lifecycle/fixtures/admission/${name}.json`, import.meta.url), 'utf8'));

type Finding = {
  id: string;
  source: string;
  name: string;
  origin: string;
  status: string;
  details: any;
  modelId: string | null;
};

describe.each(DB_KINDS)('discovery streams on %s', (kind) => {
  describe.skipIf(skipReason(kind))('MLflow intake and admission', () => {
    const t = useTestApp(kind, {
      teams: ['ml', 'lending'],
      admission: { namespaces: { 'credit-models': 'development' } },
    });
    const auth: Record<string, string> = {};
    beforeAll(async () => {
      auth.ds = `Bearer ${await seedUser(t.app, 'dana', [
        { scope: 'ml', role: 'data-scientist' },
        { scope: 'lending', role: 'data-scientist' },
      ])}`;
      const uc = await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('churn', { ownerTeam: 'ml' }),
      });
      expect(uc.status, uc.text).toBe(201);
    });
    const inbox = async (source: string) =>
      (await call(t.app, { method: 'GET', url: `/api/v1/discovery/findings?source=${source}` })).body
        .items as Finding[];

    it('places a model registered without a use case in its team’s intake use case and the inbox', async () => {
      const created = await ml(t.app, 'POST', '/registered-models/create', { name: 'untagged' }, auth.ds!);
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      const intake = await call(t.app, { method: 'GET', url: '/api/v1/use-cases/intake-lending' });
      expect(intake.status, intake.text).toBe(200);
      expect(intake.body.ownerTeam).toBe('lending');
      const model = await call(t.app, { method: 'GET', url: '/api/v1/models/untagged' });
      expect(model.body.useCaseId).toBe(intake.body.id);
      // The caller can go on registering versions under the intake use case.
      const v = await ml(
        t.app,
        'POST',
        '/model-versions/create',
        { name: 'untagged', source: 's3://m/untagged/1' },
        auth.ds!,
      );
      expect(v.status, JSON.stringify(v.body)).toBe(200);
      const [f] = (await inbox('mlflow-intake')).filter((x) => x.name === 'untagged');
      expect(f).toMatchObject({
        status: 'open',
        origin: 'mlflow',
        details: { model: 'untagged', intakeUseCaseId: intake.body.id },
      });

      // Triage: adopt it into a real use case; the model moves there.
      const adopted = await call(t.app, {
        method: 'POST',
        url: `/api/v1/discovery/findings/${f!.id}/adopt`,
        body: { useCase: 'churn' },
      });
      expect(adopted.status, adopted.text).toBe(200);
      expect(adopted.body.modelId).toBe(model.body.id);
      const moved = await call(t.app, { method: 'GET', url: '/api/v1/models/untagged' });
      expect(moved.body.useCaseId).not.toBe(intake.body.id);
      expect(moved.body.tags['steward.discovery.source']).toBe('mlflow-intake');
    });

    it('adopts an intake model that its first version’s steward.use_case tag places', async () => {
      // mlflow.register_model creates the model without tags and tags only its version.
      expect((await ml(t.app, 'POST', '/registered-models/create', { name: 'later' }, auth.ds!)).status).toBe(200);
      expect((await inbox('mlflow-intake')).find((x) => x.name === 'later')!.status).toBe('open');
      const v = await ml(
        t.app,
        'POST',
        '/model-versions/create',
        { name: 'later', source: 's3://m/later/1', tags: [{ key: 'steward.use_case', value: 'churn' }] },
        auth.ds!,
      );
      expect(v.status, JSON.stringify(v.body)).toBe(200);
      expect((await inbox('mlflow-intake')).find((x) => x.name === 'later')!.status).toBe('adopted');
    });

    it('refuses an organisation-wide caller without a team an intake use case', async () => {
      expectError(
        await ml(t.app, 'POST', '/registered-models/create', { name: 'admins' }, `Bearer ${t.adminToken}`),
        400,
        'INVALID_PARAMETER_VALUE',
        /steward\.use_case/,
      );
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/admins' })).status).toBe(404);
    });

    it('turns admission reviews of workloads whose model is not in the inventory into findings', async () => {
      const annotated = await call(t.app, {
        method: 'POST',
        url: '/api/v1/admission',
        body: fixture('deployment-create'),
      });
      expect(annotated.body.response.allowed).toBe(false);
      const byImage = await call(t.app, { method: 'POST', url: '/api/v1/admission', body: fixture('pod-create') });
      expect(byImage.body.response.allowed).toBe(false);
      const dry = fixture('pod-create');
      dry.request.dryRun = true;
      dry.request.object.spec.containers[0].image = 'registry.example.com/dry@sha256:' + 'b'.repeat(64);
      await call(t.app, { method: 'POST', url: '/api/v1/admission', body: dry });
      // The same workload again: still one finding each.
      await call(t.app, { method: 'POST', url: '/api/v1/admission', body: fixture('deployment-create') });

      const found = await inbox('admission');
      expect(found.map((f) => f.name).sort()).toEqual([
        'pd',
        'registry.example.com/pd-scorer@sha256:00000000000000000000000000000000000000000000000000000000000000aa',
      ]);
      const pd = found.find((f) => f.name === 'pd')!;
      expect(pd).toMatchObject({ origin: 'credit-models', status: 'open' });
      expect(pd.details).toMatchObject({ version: 1, allowed: false, images: ['registry.example.com/pd-scorer:1.0'] });
      // An image is no model name: adopting it needs one.
      const image = found.find((f) => f.name !== 'pd')!;
      const refused = await call(t.app, {
        method: 'POST',
        url: `/api/v1/discovery/findings/${image.id}/adopt`,
        body: { useCase: 'churn' },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0].pointer).toBe('/body/model');
      const adopted = await call(t.app, {
        method: 'POST',
        url: `/api/v1/discovery/findings/${image.id}/adopt`,
        body: { useCase: 'churn', model: 'pd-scorer' },
      });
      expect(adopted.status, adopted.text).toBe(200);
    });
  });

  describe.skipIf(skipReason(kind))('MLflow with a use case required', () => {
    const t = useTestApp(kind, { teams: ['ml'], mlflow: { requireUseCase: true } });
    it('refuses a model without a steward.use_case tag, as before intake', async () => {
      const ds = await seedUser(t.app, 'dana', [{ scope: 'ml', role: 'data-scientist' }]);
      expectError(
        await ml(t.app, 'POST', '/registered-models/create', { name: 'untagged' }, `Bearer ${ds}`),
        400,
        'INVALID_PARAMETER_VALUE',
        /set the tag 'steward\.use_case'/,
      );
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/untagged' })).status).toBe(404);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/use-cases/intake-ml' })).status).toBe(404);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/discovery/findings' })).body.items).toEqual([]);
    });
  });

  describe.skipIf(skipReason(kind))('scheduled scans', () => {
    const root = mkdtempSync(join(tmpdir(), 'steward-discovery-schedule-'));
    writeFileSync(join(root, 'nightly.gguf'), 'weights');
    const t = useTestApp(kind, { teams: ['ml'], discovery: { artifactRoots: [root], intervalMs: 200 } });
    it('scans the configured sources in the background, through the job queue', async () => {
      let scans: { trigger: string; status: string; createdBy: string | null }[] = [];
      for (let i = 0; i < 100 && scans.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        scans = (await call(t.app, { method: 'GET', url: '/api/v1/discovery/scans' })).body.items;
      }
      expect(scans[0]).toMatchObject({ trigger: 'schedule', status: 'ok', createdBy: null });
      const found = (await call(t.app, { method: 'GET', url: '/api/v1/discovery/findings?source=artifact-root' })).body;
      expect(found.items.map((f: { name: string }) => f.name)).toEqual(['nightly.gguf']);
    });
  });
});
