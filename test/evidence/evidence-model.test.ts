import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, seedModel, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { creditScoring } from '../helpers/policy.ts';
import { linearOnnxModel } from '../helpers/onnx-model.ts';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const MODEL = Buffer.from(linearOnnxModel({ weights: [1.2, -0.8, 0.3], bias: 0.15, kind: 'logistic' }));
const OTHER_MODEL = Buffer.from(linearOnnxModel({ weights: [1, 1, 1], bias: 0, kind: 'logistic' }));
const WIDE = Buffer.from(linearOnnxModel({ weights: Array.from({ length: 13 }, () => 1), bias: 0, kind: 'logistic' }));
const NOT_ONNX = Buffer.from('definitely not a protobuf model');
const REGRESSOR = Buffer.from(linearOnnxModel({ weights: [2, 0, -1], bias: 3, kind: 'regression' }));

/** 240 rows of three numeric features, a label mostly following the model, and two groups. */
function rows(): string {
  const lines = ['income,debt,tenure,y,sex,amount'];
  for (let i = 0; i < 240; i++) {
    const income = ((i * 37) % 100) / 25 - 2;
    const debt = ((i * 53) % 100) / 25 - 2;
    const tenure = ((i * 11) % 10) / 5;
    const z = 1.2 * income - 0.8 * debt + 0.3 * tenure + 0.15;
    const y = z > 0 !== (i % 9 === 0) ? 1 : 0;
    lines.push(`${income},${debt},${tenure},${y},${i % 2 ? 'F' : 'M'},${(2 * income - tenure + 3).toFixed(6)}`);
  }
  return `${lines.join('\n')}\n`;
}

function multipart(parts: { name: string; filename?: string; type?: string; content: Buffer | string }[]): {
  payload: Buffer;
  type: string;
} {
  const boundary = '----steward-test-boundary';
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`,
      ),
    );
    chunks.push(Buffer.isBuffer(p.content) ? p.content : Buffer.from(p.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

const dir = mkdtempSync(join(tmpdir(), 'steward-artefacts-'));
const outside = mkdtempSync(join(tmpdir(), 'steward-outside-'));
writeFileSync(join(dir, 'model.onnx'), MODEL);
writeFileSync(join(outside, 'model.onnx'), MODEL);
writeFileSync(join(dir, 'eval.csv'), rows());

describe.each(DB_KINDS)('evaluations that run an ONNX model on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    let server: Server;
    let host = '';
    // The receiving server's port is known only once it listens; the app reads the list at each request.
    const hosts = ['127.0.0.1:1'];
    const t = useTestApp(kind, { teams: ['lending'], evaluationLimit: 256 * 1024, artifacts: { roots: [dir], hosts } });
    const base = '/api/v1/models/scorer/versions';
    const spec =
      'task=binary-classification&label=y&sensitive=sex&features=income,debt,tenure&explainRows=8&backgroundRows=10&repeats=2';
    const post = (url: string, body?: { payload: Buffer | string; type: string }) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${t.adminToken}`, ...(body ? { 'content-type': body.type } : {}) },
        ...(body ? { payload: body.payload } : {}),
      });
    const evidenceCount = async (v: number) =>
      (await call(t.app, { method: 'GET', url: `${base}/${v}/evaluations` })).body.items.length;

    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === '/model.onnx') res.end(MODEL);
        else if (req.url === '/moved.csv') res.writeHead(302, { location: '/eval.csv' }).end();
        else if (req.url === '/eval.csv') res.end(rows());
        else if (req.url === '/broken.csv') {
          // Half the file, then the connection drops.
          res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(rows().length) });
          res.write(rows().slice(0, 2000));
          setTimeout(() => res.socket?.destroy(), 20);
        } else res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      const uc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('lending-uc', { ownerTeam: 'lending' }),
        })
      ).body.id;
      await call(t.app, { method: 'PUT', url: `/api/v1/use-cases/${uc}/assessment`, body: { answers: creditScoring } });
      await seedModel(t.app, 'scorer', uc);
      // v1: the artefact on disk; v2: a different digest; v3: served over HTTP; v4: outside the roots; v5: a regressor.
      for (const body of [
        { artifactUri: pathToFileURL(join(dir, 'model.onnx')).href, artifactDigest: sha(MODEL) },
        { artifactUri: pathToFileURL(join(dir, 'model.onnx')).href, artifactDigest: sha(OTHER_MODEL) },
        { artifactUri: `http://${host}/model.onnx`, artifactDigest: sha(MODEL) },
        { artifactUri: pathToFileURL(join(outside, 'model.onnx')).href, artifactDigest: sha(MODEL) },
        { artifactUri: 's3://bucket/regressor.onnx', artifactDigest: sha(REGRESSOR) },
        { artifactUri: 's3://bucket/wide.onnx', artifactDigest: sha(WIDE) },
        { artifactUri: 's3://bucket/broken.onnx', artifactDigest: sha(NOT_ONNX) },
      ])
        expect((await call(t.app, { method: 'POST', url: `${base}`, body })).status).toBe(201);
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('runs an uploaded model, evaluates its predictions and explains it', async () => {
      const res = await post(
        `${base}/1/evaluations?${spec}`,
        multipart([
          { name: 'model', filename: 'model.onnx', content: MODEL },
          { name: 'data', filename: 'eval.csv', type: 'text/csv', content: rows() },
        ]),
      );
      expect(res.statusCode, res.body).toBe(201);
      const e = JSON.parse(res.body);
      expect(e.artifactDigest).toBe(sha(MODEL));
      expect(e.result.model).toMatchObject({
        digest: sha(MODEL),
        source: 'upload',
        format: 'onnx',
        features: ['income', 'debt', 'tenure'],
      });
      // The label follows the model except every ninth row.
      expect(e.result.performance.accuracy).toBeCloseTo(1 - 27 / 240, 10);
      expect(e.metrics['roc-auc']).toBeGreaterThan(0.8);
      const x = e.result.explanations;
      expect(x).toMatchObject({
        scoring: 'accuracy',
        output: "probability in column 1 of 'probabilities'",
        shapley: { method: 'exact', coalitions: 8 },
      });
      expect(x.shapley.rows).toHaveLength(8);
      expect(x.shapley.additivityError).toBeLessThan(1e-5);
      const imp = Object.fromEntries(
        x.permutationImportance.features.map((f: { feature: string; mean: number }) => [f.feature, f.mean]),
      );
      expect(imp.income).toBeGreaterThan(imp.tenure);
      expect(x.permutationImportance.bySubgroup.map((g: { group: string }) => g.group)).toEqual(['F', 'M']);
      expect(x.partialDependence[0].feature).toBe('income');
      expect(e.spec).toMatchObject({ features: ['income', 'debt', 'tenure'], explain: { seed: 0, explainRows: 8 } });
      // Global and local explanations now satisfy the explainability measures.
      const reqs = (await call(t.app, { method: 'GET', url: `${base}/1/requirements` })).body.requirements;
      for (const m of ['explain-global', 'explain-local'])
        expect(reqs.find((r: { measure: string }) => r.measure === m)?.status, m).toBe('satisfied');
    });

    it("runs the version's own artefact from a file: or http: URI, and evaluates a registered dataset version", async () => {
      const fromFile = await post(`${base}/1/evaluations?${spec}&useArtifact=true`, {
        payload: rows(),
        type: 'text/csv',
      });
      expect(fromFile.statusCode, fromFile.body).toBe(201);
      expect(JSON.parse(fromFile.body).result.model.source).toMatch(/^file:/);
      t.app.log.level = 'silent';
      const ds = await call(t.app, {
        method: 'POST',
        url: '/api/v1/datasets',
        body: {
          name: 'loans-eval',
          ownerTeam: 'lending',
          legalRegion: 'EU',
          provenance: { method: 'held-out sample', source: 'core-banking', lawfulBasis: 'contract' },
          columns: [{ name: 'income' }],
        },
      });
      expect(ds.status, ds.text).toBe(201);
      const dv = await call(t.app, {
        method: 'POST',
        url: '/api/v1/datasets/loans-eval/versions',
        body: { rowCount: 240, digest: sha(rows()), uri: pathToFileURL(join(dir, 'eval.csv')).href },
      });
      expect(dv.status, dv.text).toBe(201);
      const byRef = await post(`${base}/1/evaluations?${spec}&useArtifact=true&dataset=loans-eval&datasetVersion=1`);
      expect(byRef.statusCode, byRef.body).toBe(201);
      const e = JSON.parse(byRef.body);
      expect(e.dataDigest).toBe(sha(rows()));
      expect(e.spec.dataset).toEqual({ name: 'loans-eval', version: 1 });
      expect(e.result.performance).toEqual(JSON.parse(fromFile.body).result.performance);
      // A file that changed after registration is refused.
      const v2 = await call(t.app, {
        method: 'POST',
        url: '/api/v1/datasets/loans-eval/versions',
        body: { rowCount: 240, digest: sha('something else'), uri: pathToFileURL(join(dir, 'eval.csv')).href },
      });
      expect(v2.status).toBe(201);
      const before = await evidenceCount(1);
      const changed = await post(`${base}/1/evaluations?${spec}&useArtifact=true&dataset=loans-eval&datasetVersion=2`);
      expect(changed.statusCode).toBe(409);
      expect(JSON.parse(changed.body).detail).toMatch(/dataset changed since it was registered/);
      expectProblem(
        {
          status: (await post(`${base}/1/evaluations?${spec}&useArtifact=true&dataset=loans-eval&datasetVersion=9`))
            .statusCode,
          body: { code: 'not_found' },
          headers: { 'content-type': 'application/problem+json' },
        } as never,
        404,
        'not_found',
      );
      expect(await evidenceCount(1)).toBe(before);
    });

    it('reads artefacts only from allowed hosts, without redirects', async () => {
      const refused = await post(`${base}/3/evaluations?${spec}&useArtifact=true`, {
        payload: rows(),
        type: 'text/csv',
      });
      expect(refused.statusCode).toBe(422);
      expect(JSON.parse(refused.body).detail).toMatch(/STEWARD_ARTIFACT_HOSTS/);
      hosts.push(host);
      try {
        const fetched = await post(`${base}/3/evaluations?${spec}&useArtifact=true`, {
          payload: rows(),
          type: 'text/csv',
        });
        expect(fetched.statusCode, fetched.body).toBe(201);
        expect(JSON.parse(fetched.body).result.model).toMatchObject({
          source: `http://${host}/model.onnx`,
          digest: sha(MODEL),
        });
        // A dataset served over HTTP, read by reference; a redirect and a dropped transfer are refused clearly.
        const register = async (uri: string, digest: string) =>
          (
            await call(t.app, {
              method: 'POST',
              url: '/api/v1/datasets/remote-eval/versions',
              body: { rowCount: 240, digest, uri },
            })
          ).body.version as number;
        expect(
          (
            await call(t.app, {
              method: 'POST',
              url: '/api/v1/datasets',
              body: {
                name: 'remote-eval',
                ownerTeam: 'lending',
                legalRegion: 'EU',
                provenance: { method: 'served', source: 'test', lawfulBasis: 'contract' },
                columns: [{ name: 'income' }],
              },
            })
          ).status,
        ).toBe(201);
        const ok = await register(`http://${host}/eval.csv`, sha(rows()));
        expect(
          (await post(`${base}/3/evaluations?${spec}&useArtifact=true&dataset=remote-eval&datasetVersion=${ok}`))
            .statusCode,
        ).toBe(201);
        const moved = await register(`http://${host}/moved.csv`, sha(rows()));
        const redirect = await post(
          `${base}/3/evaluations?${spec}&useArtifact=true&dataset=remote-eval&datasetVersion=${moved}`,
        );
        expect(redirect.statusCode).toBe(422);
        const broken = await register(`http://${host}/broken.csv`, sha(rows()));
        const dropped = await post(
          `${base}/3/evaluations?${spec}&useArtifact=true&dataset=remote-eval&datasetVersion=${broken}`,
        );
        expect(dropped.statusCode, dropped.body).toBe(502);
        expect(JSON.parse(dropped.body)).toMatchObject({
          code: 'bad_gateway',
          detail: expect.stringMatching(/broken\.csv' failed/),
        });
        expect(await evidenceCount(3)).toBe(2);
      } finally {
        hosts.pop();
      }
      const outsideRoots = await post(`${base}/4/evaluations?${spec}&useArtifact=true`, {
        payload: rows(),
        type: 'text/csv',
      });
      expect(outsideRoots.statusCode).toBe(422);
      expect(JSON.parse(outsideRoots.body).detail).toMatch(/STEWARD_ARTIFACT_ROOTS/);
      const s3 = await post(
        `${base}/5/evaluations?task=regression&label=amount&features=income,debt,tenure&useArtifact=true`,
        { payload: rows(), type: 'text/csv' },
      );
      expect(s3.statusCode).toBe(422);
      expect(JSON.parse(s3.body).detail).toMatch(/s3: scheme/);
    });

    it('binds the evidence to the registered artefact: another model is refused', async () => {
      const res = await post(
        `${base}/2/evaluations?${spec}`,
        multipart([
          { name: 'model', filename: 'm.onnx', content: MODEL },
          { name: 'data', filename: 'eval.csv', content: rows() },
        ]),
      );
      expect(res.statusCode).toBe(409);
      expect(JSON.parse(res.body)).toMatchObject({
        code: 'conflict',
        modelDigest: sha(MODEL),
        artifactDigest: sha(OTHER_MODEL),
      });
      expect(
        (await post(`${base}/2/evaluations?${spec}&useArtifact=true`, { payload: rows(), type: 'text/csv' }))
          .statusCode,
      ).toBe(409);
      expect(await evidenceCount(2)).toBe(0);
    });

    it('explains a regressor without a sensitive column, and says when no model was run', async () => {
      const res = await post(
        `${base}/5/evaluations?task=regression&label=amount&features=income,debt,tenure&explainRows=4&backgroundRows=4&repeats=1`,
        multipart([
          { name: 'model', filename: 'r.onnx', content: REGRESSOR },
          { name: 'data', filename: 'd.csv', type: 'text/csv', content: rows() },
        ]),
      );
      expect(res.statusCode, res.body).toBe(201);
      const e = JSON.parse(res.body);
      expect(e.metrics.r2).toBeCloseTo(1, 5);
      const debt = e.result.explanations.permutationImportance.features.find(
        (f: { feature: string }) => f.feature === 'debt',
      );
      expect(debt).toEqual({ feature: 'debt', mean: 0, std: 0 });
      const opaque = await post(`${base}/5/evaluations?task=regression&label=amount&prediction=income`, {
        payload: rows(),
        type: 'text/csv',
      });
      expect(opaque.statusCode).toBe(201);
      expect(JSON.parse(opaque.body).result.explanations).toEqual({
        available: false,
        reason: expect.stringMatching(/opaque/),
      });
    });

    it('refuses bad models, bad parts and bad columns with a precise problem, storing nothing', async () => {
      const before = await evidenceCount(1);
      const expect400 = async (res: Awaited<ReturnType<typeof post>>, detail: RegExp, status = 400) => {
        expect(res.statusCode, res.body).toBe(status);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(JSON.parse(res.body).detail).toMatch(detail);
      };
      const data = { name: 'data', filename: 'd.csv', type: 'text/csv', content: rows() };
      await expect400(
        await post(
          `${base}/1/evaluations?${spec}`,
          multipart([data, { name: 'model', filename: 'm.onnx', content: MODEL }]),
        ),
        /name the prediction column, or supply an ONNX model to produce the predictions \(as a model part before the data part/,
      );
      await expect400(
        await post(
          `${base}/1/evaluations?task=binary-classification&label=y&prediction=y`,
          multipart([data, { name: 'model', filename: 'm.onnx', content: MODEL }]),
        ),
        /model part before the data part/,
      );
      await expect400(
        await post(
          `${base}/1/evaluations?${spec}&prediction=y`,
          multipart([{ name: 'model', filename: 'm.onnx', content: MODEL }, data]),
        ),
        /leave out prediction/,
      );
      await expect400(
        await post(`${base}/1/evaluations?task=binary-classification&label=y`, { payload: rows(), type: 'text/csv' }),
        /name the prediction column/,
      );
      await expect400(
        await post(
          `${base}/1/evaluations?task=binary-classification&label=y&features=income,debt`,
          multipart([{ name: 'model', filename: 'm.onnx', content: MODEL }, data]),
        ),
        /takes 3 features but 2 were named/,
      );
      await expect400(
        await post(
          `${base}/1/evaluations?task=binary-classification&label=y&features=income,debt,nope`,
          multipart([{ name: 'model', filename: 'm.onnx', content: MODEL }, data]),
        ),
        /no column 'nope'/,
      );
      await expect400(
        await post(
          `${base}/1/evaluations?task=binary-classification&label=y&features=income,debt,sex`,
          multipart([{ name: 'model', filename: 'm.onnx', content: MODEL }, data]),
        ),
        /row 1, column 'sex': 'M' is not a number/,
      );
      await expect400(
        await post(
          `${base}/1/evaluations?${spec}&output=nope`,
          multipart([{ name: 'model', filename: 'm.onnx', content: MODEL }, data]),
        ),
        /no output 'nope'/,
      );
      await expect400(
        await post(
          `${base}/6/evaluations?task=binary-classification&label=y&explainRows=256&backgroundRows=256&samples=20000&features=${Array.from({ length: 13 }, (_, i) => `f${i}`).join(',')}`,
          multipart([{ name: 'model', filename: 'w.onnx', content: WIDE }, data]),
        ),
        /Shapley values would need/,
      );
      await expect400(
        await post(`${base}/1/evaluations?${spec}`, multipart([{ name: 'other', filename: 'o', content: 'x' }])),
        /unexpected part 'other'/,
      );
      await expect400(
        await post(`${base}/1/evaluations?${spec}`, multipart([{ name: 'model', content: 'x' }])),
        /part 'model' is not a file/,
      );
      await expect400(
        await post(`${base}/1/evaluations?${spec}`, multipart([{ name: 'model', filename: 'm.onnx', content: MODEL }])),
        /no evaluation data/,
      );
      await expect400(
        await post(`${base}/1/evaluations?${spec}&dataset=x`, { payload: rows(), type: 'text/csv' }),
        /dataset and datasetVersion together/,
      );
      await expect400(
        await post(
          `${base}/1/evaluations?${spec}`,
          multipart([
            { name: 'model', filename: 'm.onnx', content: MODEL },
            { name: 'data', filename: 'x.png', type: 'image/png', content: 'x' },
          ]),
        ),
        /data part is image\/png/,
        415,
      );
      await expect400(
        await post(
          `${base}/1/evaluations?${spec}`,
          multipart([{ name: 'model', filename: 'x.onnx', content: NOT_ONNX }, data]),
        ),
        /has digest .* not the version's artefact digest/,
        409,
      );
      await expect400(
        await post(
          `${base}/7/evaluations?${spec}`,
          multipart([{ name: 'model', filename: 'x.onnx', content: NOT_ONNX }, data]),
        ),
        /not a loadable ONNX model/,
      );
      expect(await evidenceCount(7)).toBe(0);
      await expect400(
        await post(
          `${base}/1/evaluations?${spec}`,
          multipart([{ name: 'model', filename: 'big.onnx', content: Buffer.alloc(300 * 1024, 1) }, data]),
        ),
        /model file is larger than/,
        413,
      );
      expect(await evidenceCount(1)).toBe(before);
    });
  });
});
