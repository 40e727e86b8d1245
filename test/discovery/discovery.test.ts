import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, seedModel, seedUseCase, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { downUrl, startFakeMlflow, type FakeMlflow } from '../helpers/mlflow-server.ts';

type Outcome = {
  source: string;
  origin: string;
  status: string;
  attempts: number;
  found: number;
  created: number;
  error: string | null;
};

describe.each(DB_KINDS)('discovery on %s', (kind) => {
  describe.skipIf(skipReason(kind))('scans, the inbox, adoption and dismissal', () => {
    let mlflow: FakeMlflow;
    let broken: FakeMlflow;
    let down = '';
    const root = mkdtempSync(join(tmpdir(), 'steward-discovery-'));
    const governedBytes = Buffer.from('a registered model artefact');
    const discovery = { mlflowUrls: [] as string[], artifactRoots: [root], retry: { attempts: 2, baseMs: 5 } };
    beforeAll(async () => {
      // 250 models served 100 a page: discovery must follow the page tokens.
      mlflow = await startFakeMlflow(100);
      mlflow.models = Array.from({ length: 250 }, (_, i) => ({
        name: `shadow-${String(i).padStart(3, '0')}`,
        versions: [{ version: '1', source: `s3://ml/shadow-${i}/1` }],
      }));
      broken = await startFakeMlflow();
      broken.garbage = '<html>not json</html>';
      down = await downUrl();
      const authed = new URL(mlflow.url);
      authed.username = 'scanner';
      authed.password = 's3cret';
      discovery.mlflowUrls.push(authed.toString(), broken.url, down);
      mkdirSync(join(root, 'team-a', 'nested'), { recursive: true });
      writeFileSync(join(root, 'churn.onnx'), 'onnx bytes');
      writeFileSync(join(root, 'team-a', 'nested', 'llm.safetensors'), 'weights');
      writeFileSync(join(root, 'team-a', 'notes.txt'), 'not a model');
      writeFileSync(join(root, 'registered.pkl'), governedBytes);
    });
    const t = useTestApp(kind, { discovery });
    let viewer = '';
    let scientist = '';
    beforeAll(async () => {
      viewer = await seedUser(t.app, 'vic', [{ scope: 'credit-risk', role: 'viewer' }]);
      scientist = await seedUser(t.app, 'sam', [{ scope: 'credit-risk', role: 'data-scientist' }]);
      // registered.pkl is a registered version's artefact: governed, so not a finding.
      const uc = await seedUseCase(t.app, 'scoring');
      await seedModel(t.app, 'registered', uc);
      const v = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/registered/versions',
        body: {
          artifactUri: 'file:///models/registered.pkl',
          artifactDigest: `sha256:${createHash('sha256').update(governedBytes).digest('hex')}`,
        },
      });
      expect(v.status, v.text).toBe(201);
    });
    afterAll(async () => {
      await mlflow?.close();
      await broken?.close();
      rmSync(root, { recursive: true, force: true });
    });

    const scan = async (token?: string) => call(t.app, { method: 'POST', url: '/api/v1/discovery/scans', token });
    const findings = async (query = '') =>
      (await call(t.app, { method: 'GET', url: `/api/v1/discovery/findings?limit=500${query}` })).body as {
        items: {
          id: string;
          source: string;
          name: string;
          status: string;
          origin: string;
          seenCount: number;
          details: any;
          modelId: string | null;
          externalKey: string;
        }[];
        counts: { open: number; adopted: number; dismissed: number };
      };

    it('scans every source, recording each failure with its error instead of failing the scan', async () => {
      const res = await scan();
      expect(res.status, res.text).toBe(201);
      expect(res.body.status).toBe('partial');
      const outcomes = res.body.sources as Outcome[];
      const by = (origin: string) => outcomes.find((o) => o.origin === origin)!;
      expect(by(mlflow.url)).toMatchObject({ source: 'mlflow', status: 'ok', attempts: 1, found: 250, created: 250 });
      expect(by(broken.url)).toMatchObject({ status: 'failed', attempts: 2, found: 0 });
      expect(by(broken.url).error).toMatch(/not JSON/);
      expect(by(down)).toMatchObject({ status: 'failed', attempts: 2 });
      expect(by(down).error).toMatch(/ECONNREFUSED|fetch failed/);
      expect(by(root)).toMatchObject({ source: 'artifact-root', status: 'ok', found: 2, created: 2 });
      // Credentials in the URL are sent as Basic and never shown.
      expect(JSON.stringify(res.body)).not.toContain('s3cret');
      expect(
        mlflow.authorizations.every((a) => a === `Basic ${Buffer.from('scanner:s3cret').toString('base64')}`),
      ).toBe(true);

      const inbox = await findings('&source=mlflow');
      expect(inbox.items).toHaveLength(250);
      expect(inbox.items[0]).toMatchObject({ status: 'open', origin: mlflow.url, seenCount: 1 });
      expect(inbox.items.find((f) => f.name === 'shadow-007')!.details.versions).toEqual([
        expect.objectContaining({ version: '1', source: 's3://ml/shadow-7/1' }),
      ]);
      const files = await findings('&source=artifact-root');
      expect(files.items.map((f) => f.details.path).sort()).toEqual([
        'churn.onnx',
        join('team-a', 'nested', 'llm.safetensors'),
      ]);
      expect(files.items[0]!.details.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(files.counts).toEqual({ open: 252, adopted: 0, dismissed: 0 });

      const audit = await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=discovery.scan' });
      expect(audit.body.items).toHaveLength(1);
      const listed = await call(t.app, { method: 'GET', url: '/api/v1/discovery/scans' });
      expect(listed.body.items[0].id).toBe(res.body.id);
    });

    it('does not duplicate findings on a re-scan', async () => {
      const res = await scan();
      expect((res.body.sources as Outcome[]).find((o) => o.origin === mlflow.url)).toMatchObject({
        found: 250,
        created: 0,
      });
      const inbox = await findings();
      expect(inbox.counts.open).toBe(252);
      expect(inbox.items.every((f) => f.seenCount === 2)).toBe(true);
    });

    it('adopts a finding as a new model under a use case, recording its source, once', async () => {
      const f = (await findings('&source=mlflow')).items.find((x) => x.name === 'shadow-001')!;
      const res = await call(t.app, {
        method: 'POST',
        url: `/api/v1/discovery/findings/${f.id}/adopt`,
        body: { useCase: 'scoring' },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ status: 'adopted', decidedBy: expect.any(String) });
      const model = await call(t.app, { method: 'GET', url: '/api/v1/models/shadow-001' });
      expect(model.body.id).toBe(res.body.modelId);
      expect(model.body.tags).toMatchObject({
        'steward.discovery.source': 'mlflow',
        'steward.discovery.origin': mlflow.url,
        'steward.discovery.key': `${mlflow.url}#shadow-001`,
      });
      const again = await call(t.app, {
        method: 'POST',
        url: `/api/v1/discovery/findings/${f.id}/adopt`,
        body: { useCase: 'scoring' },
      });
      expectProblem(again, 409, 'conflict');
      const audit = await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=discovery.adopt' });
      expect(audit.body.items).toHaveLength(1);
      // A re-scan keeps it adopted.
      await scan();
      expect((await call(t.app, { method: 'GET', url: `/api/v1/discovery/findings/${f.id}` })).body.status).toBe(
        'adopted',
      );
    });

    it('links an existing model of the name given', async () => {
      const f = (await findings('&source=artifact-root')).items.find((x) => x.name === 'churn.onnx')!;
      await seedModel(t.app, 'churn', await seedUseCase(t.app, 'retention'));
      const res = await call(t.app, {
        method: 'POST',
        url: `/api/v1/discovery/findings/${f.id}/adopt`,
        body: { useCase: 'retention', model: 'churn' },
      });
      expect(res.status, res.text).toBe(200);
      const model = await call(t.app, { method: 'GET', url: '/api/v1/models/churn' });
      expect(model.body.id).toBe(res.body.modelId);
      expect(model.body.tags['steward.discovery.source']).toBe('artifact-root');
    });

    it('refuses bad adoptions with a problem and writes nothing', async () => {
      const f = (await findings('&source=mlflow&status=open')).items[0]!;
      const url = `/api/v1/discovery/findings/${f.id}/adopt`;
      const unknownUseCase = await call(t.app, { method: 'POST', url, body: { useCase: 'no-such-use-case' } });
      expectProblem(unknownUseCase, 422, 'invalid_reference');
      expect(unknownUseCase.body.errors[0].pointer).toBe('/body/useCase');
      expectProblem(await call(t.app, { method: 'POST', url, body: {} }), 400, 'validation_failed');
      expectProblem(
        await call(t.app, { method: 'POST', url, body: { useCase: 'scoring', extra: 1 } }),
        400,
        'validation_failed',
      );
      expectProblem(await call(t.app, { method: 'POST', url, body: { useCase: 42 } }), 400, 'validation_failed');
      expectProblem(await call(t.app, { method: 'POST', url, body: '{"useCase":' }), 400, 'malformed_json');
      expectProblem(
        await call(t.app, { method: 'POST', url, body: { useCase: 'scoring', description: 'x'.repeat(20001) } }),
        400,
        'validation_failed',
      );
      // The viewer may not write models in the use case's team.
      expectProblem(
        await call(t.app, { method: 'POST', url, body: { useCase: 'scoring' }, token: viewer }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/discovery/findings/${crypto.randomUUID()}/adopt`,
          body: { useCase: 'scoring' },
        }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/discovery/findings/not-an-id/adopt',
          body: { useCase: 'scoring' },
        }),
        400,
        'validation_failed',
      );
      expect((await call(t.app, { method: 'GET', url: `/api/v1/discovery/findings/${f.id}` })).body.status).toBe(
        'open',
      );
      expect((await call(t.app, { method: 'GET', url: `/api/v1/models/${f.name}` })).status).toBe(404);
    });

    it('dismisses with a reason, which re-scans keep', async () => {
      const f = (await findings('&source=artifact-root&status=open')).items[0]!;
      const url = `/api/v1/discovery/findings/${f.id}/dismiss`;
      expectProblem(await call(t.app, { method: 'POST', url, body: { reason: '   ' } }), 400, 'validation_failed');
      expectProblem(await call(t.app, { method: 'POST', url, body: {} }), 400, 'validation_failed');
      expectProblem(
        await call(t.app, { method: 'POST', url, body: { reason: 'x'.repeat(2001) } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url, body: { reason: 'test file' }, token: viewer }),
        403,
        'forbidden',
      );
      const res = await call(t.app, {
        method: 'POST',
        url,
        body: { reason: 'a test fixture, never served' },
        token: scientist,
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ status: 'dismissed', reason: 'a test fixture, never served' });
      expectProblem(await call(t.app, { method: 'POST', url, body: { reason: 'again' } }), 409, 'conflict');
      await scan();
      const after = await findings('&status=dismissed');
      expect(after.items.map((x) => x.id)).toEqual([f.id]);
      expect(after.counts).toEqual({ open: 249, adopted: 2, dismissed: 1 });
      // The counts feed the governance gauges.
      const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toContain('steward_discovery_findings{status="open"} 249');
      expect(metrics.body).toContain('steward_discovery_findings{status="dismissed"} 1');
    });

    it('lets only governance officers scan, and checks the inbox query', async () => {
      expectProblem(await scan(scientist), 403, 'forbidden');
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/discovery/findings?status=closed' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/discovery/findings?cursor=garbage' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/discovery/findings', token: null }),
        401,
        'unauthenticated',
      );
      const first = await call(t.app, { method: 'GET', url: '/api/v1/discovery/findings?limit=100', token: viewer });
      expect(first.body.items).toHaveLength(100);
      const second = await call(t.app, {
        method: 'GET',
        url: `/api/v1/discovery/findings?limit=500&cursor=${first.body.nextCursor}`,
      });
      expect(second.body.items).toHaveLength(152);
      expect(second.body.nextCursor).toBeNull();
    });
  });
});
