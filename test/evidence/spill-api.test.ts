import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, seedModel, seedUseCase, useTestApp, digest, type TestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { multipart } from '../helpers/multipart.ts';
import { linearOnnxModel } from '../helpers/onnx-model.ts';
import { useOwnTmpdir } from '../helpers/tmpdir.ts';

/** 12,000 rows with tied and full-precision scores, weights and two sensitive columns. */
function dataset(): string {
  let s = 7;
  const r = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const lines = ['y,yhat,p,w,sex,region'];
  for (let i = 0; i < 12_000; i++)
    lines.push(
      [
        +(r() < 0.3),
        +(r() < 0.4),
        r() < 0.5 ? Math.floor(r() * 10) / 10 : r(),
        (r() * 2).toFixed(2),
        r() < 0.5 ? 'F' : 'M',
        ['north', 'south', 'east'][Math.floor(r() * 3)],
      ].join(','),
    );
  return `${lines.join('\n')}\n`;
}

describe.each(DB_KINDS)('evaluations spilled to files on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    // Spill directories go under TMPDIR: one of this test's own shows none is left behind.
    const tmp = useOwnTmpdir('spill-api');
    // The dataset server's port is known once it listens; the app reads the list at each request.
    const hosts = ['127.0.0.1:1'];
    const spilling = useTestApp(kind, { evaluationMemory: 0, teams: ['lending'], artifacts: { roots: [], hosts } });
    const holding = useTestApp(kind, { teams: ['lending'] });
    const url =
      '/api/v1/models/scorer/versions/1/evaluations?task=binary-classification&label=y&prediction=yhat&score=p&weight=w&sensitive=sex,region&privileged=sex:M';
    const upload = (t: TestApp, body: string, path = url) =>
      t.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${t.adminToken}` },
        payload: body,
      });

    beforeAll(async () => {
      for (const t of [spilling, holding]) {
        await seedModel(t.app, 'scorer', await seedUseCase(t.app, 'spill-uc', { ownerTeam: 'lending' }));
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/scorer/versions',
          body: { artifactUri: 's3://s/1', artifactDigest: digest('s1') },
        });
      }
    });

    it('stores the same evidence as a server holding the columns in memory, and leaves no files', async () => {
      const body = dataset();
      const spilled = await upload(spilling, body);
      const held = await upload(holding, body);
      expect(spilled.statusCode, spilled.body).toBe(201);
      expect(held.statusCode, held.body).toBe(201);
      const a = JSON.parse(spilled.body);
      const b = JSON.parse(held.body);
      expect(a.result.rows).toBe(12_000);
      expect(a.result).toEqual(b.result);
      expect(a.metrics).toEqual(b.metrics);
      expect(a.dataDigest).toBe(b.dataDigest);
      expect(tmp.left('steward-eval-')).toEqual([]);
    });

    it('removes the files of a registered dataset that changed between its digest check and its read', async () => {
      // The first read (the digest check) gets the registered bytes, every later one other bytes.
      const registered = dataset();
      const changed = registered.replace(/\n1,/, '\n0,');
      let reads = 0;
      const server = createServer((_req, res) => res.end(reads++ === 0 ? registered : changed));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        hosts[0] = `127.0.0.1:${(server.address() as AddressInfo).port}`;
        const ds = await call(spilling.app, {
          method: 'POST',
          url: '/api/v1/datasets',
          body: {
            name: 'spill-eval',
            ownerTeam: 'lending',
            legalRegion: 'EU',
            provenance: { method: 'held-out sample', source: 'core-banking', lawfulBasis: 'contract' },
            columns: [{ name: 'y' }],
          },
        });
        expect(ds.status, ds.text).toBe(201);
        const dv = await call(spilling.app, {
          method: 'POST',
          url: '/api/v1/datasets/spill-eval/versions',
          body: {
            rowCount: 12_000,
            digest: `sha256:${createHash('sha256').update(registered).digest('hex')}`,
            uri: `http://${hosts[0]}/eval.csv`,
          },
        });
        expect(dv.status, dv.text).toBe(201);
        const res = await spilling.app.inject({
          method: 'POST',
          url: `${url}&dataset=spill-eval&datasetVersion=1`,
          headers: { authorization: `Bearer ${spilling.adminToken}` },
        });
        expect(res.statusCode, res.body).toBe(409);
        expect(JSON.parse(res.body).detail).toMatch(/dataset changed since it was registered/);
        expect(reads).toBeGreaterThanOrEqual(2);
        expect(tmp.left('steward-eval-')).toEqual([]);
        expect(tmp.open('steward-eval-')).toEqual([]);
      } finally {
        server.close();
      }
    });

    it('refuses bad data found after spilling began with a 400, and leaves no files', async () => {
      const body = `${dataset().trimEnd()}\n1,0,0.5,-1,F,north\n`;
      const res = await upload(spilling, body);
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body).detail).toMatch(/row 12001, column 'w': '-1' is not a non-negative weight/);
      expect(tmp.left('steward-eval-')).toEqual([]);
      const list = await call(spilling.app, { method: 'GET', url: '/api/v1/models/scorer/versions/1/evaluations' });
      expect(list.body.items).toHaveLength(1);
    });

    it('runs an uploaded model over spilled rows, explanations and robustness included, as over rows held', async () => {
      const model = Buffer.from(linearOnnxModel({ weights: [1.2, -0.8, 0.3], bias: 0.15, kind: 'logistic' }));
      const parts = () =>
        multipart([
          { name: 'model', filename: 'model.onnx', content: model },
          { name: 'data', filename: 'eval.csv', type: 'text/csv', content: dataset() },
        ]);
      const post = (t: TestApp, path: string) => {
        const body = parts();
        return t.app.inject({
          method: 'POST',
          url: path,
          headers: { 'content-type': body.type, authorization: `Bearer ${t.adminToken}` },
          payload: body.payload,
        });
      };
      for (const t of [spilling, holding])
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/scorer/versions',
          body: {
            artifactUri: 's3://s/model.onnx',
            artifactDigest: `sha256:${createHash('sha256').update(model).digest('hex')}`,
          },
        });
      /** Posts the model and the data to `path` on both servers: each stores it, and the results agree. */
      const bothStore = async (path: string) => {
        const [spilled, held] = [await post(spilling, path), await post(holding, path)];
        expect(spilled.statusCode, spilled.body).toBe(201);
        expect(held.statusCode, held.body).toBe(201);
        const result = JSON.parse(spilled.body).result;
        expect(result).toEqual(JSON.parse(held.body).result);
        return result;
      };
      const evaluated = await bothStore(
        '/api/v1/models/scorer/versions/2/evaluations?task=binary-classification&label=y&weight=w&sensitive=sex,region&features=p,w,yhat&importanceRows=300&explainRows=4&backgroundRows=8&repeats=2',
      );
      expect(evaluated.explanations.permutationImportance.features).toHaveLength(3);
      // A robustness run reads back only the rows it samples.
      const perturbed = await bothStore(
        '/api/v1/models/scorer/versions/2/robustness?task=binary-classification&label=y&weight=w&sensitive=sex&features=p,w,yhat&noise=0.1,1&missingRates=0.2&rows=5000&seed=3',
      );
      expect(perturbed.rows).toBe(5000);
      expect(tmp.left('steward-eval-')).toEqual([]);
    });
  });
});
