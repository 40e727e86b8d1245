import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, seedModel, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { multipart } from '../helpers/multipart.ts';
import { linearOnnxModel } from '../helpers/onnx-model.ts';
import { creditScoring } from '../helpers/policy.ts';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const MODEL = Buffer.from(linearOnnxModel({ weights: [1.2, -0.8, 0.3], bias: 0.15, kind: 'logistic' }));

/** 600 rows: three features (tenure takes four values), a label following the model but for every ninth row, two groups. */
function rows(): string {
  const lines = ['income,debt,tenure,y,sex'];
  for (let i = 0; i < 600; i++) {
    const income = ((i * 37) % 100) / 25 - 2;
    const debt = ((i * 53) % 100) / 25 - 2;
    const tenure = (i * 7) % 4;
    const z = 1.2 * income - 0.8 * debt + 0.3 * tenure + 0.15;
    lines.push(`${income},${debt},${tenure},${z > 0 !== (i % 9 === 0) ? 1 : 0},${i % 3 ? 'F' : 'M'}`);
  }
  return `${lines.join('\n')}\n`;
}

const dir = mkdtempSync(join(tmpdir(), 'steward-robustness-'));
writeFileSync(join(dir, 'model.onnx'), MODEL);
writeFileSync(join(dir, 'holdout.csv'), rows());

describe.each(DB_KINDS)('robustness runs through the API on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending', 'other'], artifacts: { roots: [dir], hosts: [] } });
    const base = '/api/v1/models/scorer/versions';
    const spec = 'task=binary-classification&label=y&sensitive=sex&features=income,debt,tenure';
    let outsider = '';
    const post = (url: string, body: { payload: Buffer | string; type: string }) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': body.type },
        payload: body.payload,
      });
    const upload = () =>
      multipart([
        { name: 'model', filename: 'model.onnx', content: MODEL },
        { name: 'data', filename: 'eval.csv', type: 'text/csv', content: rows() },
      ]);
    /** The CSV rows posted to `url`, parsed as call() does. */
    const postCsv = (url: string, token?: string) =>
      call(t.app, {
        method: 'POST',
        url,
        body: rows(),
        headers: { 'content-type': 'text/csv' },
        ...(token ? { token } : {}),
      });
    const written = async () => ({
      evidence: (await call(t.app, { method: 'GET', url: `${base}/1/evidence` })).body.items.length,
      audit: (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=evidence.create' })).body.items
        .length,
    });

    beforeAll(async () => {
      const uc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('lending-uc', { ownerTeam: 'lending' }),
        })
      ).body.id;
      await call(t.app, { method: 'PUT', url: `/api/v1/use-cases/${uc}/assessment`, body: { answers: creditScoring } });
      await seedModel(t.app, 'scorer', uc);
      const v = await call(t.app, {
        method: 'POST',
        url: base,
        body: { artifactUri: pathToFileURL(join(dir, 'model.onnx')).href, artifactDigest: sha(MODEL) },
      });
      expect(v.status, v.text).toBe(201);
      outsider = await seedUser(t.app, 'outsider', [{ scope: 'other', role: 'data-scientist' }]);
    });

    it('perturbs the uploaded model, stores the curves as evidence, and meets the robustness measures', async () => {
      const before = await written();
      const res = await post(
        `${base}/1/robustness?${spec}&noise=0.1,1&swapRates=0.2&categorical=tenure&seed=3`,
        upload(),
      );
      expect(res.statusCode, res.body).toBe(201);
      const e = JSON.parse(res.body);
      expect(e).toMatchObject({
        kind: 'robustness',
        artifactDigest: sha(MODEL),
        dataDigest: sha(rows()),
        contentHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        spec: { robustness: { noise: [0.1, 1], swapRates: [0.2], categorical: ['tenure'], seed: 3 } },
      });
      expect(res.headers.location).toBe(`/api/v1/models/scorer/versions/1/evaluations/${e.id}`);
      expect(e.result.levels.map((l: { key: string }) => l.key)).toEqual(['0.1sd', '1sd', 'swap0.2']);
      expect(e.result.rows).toBe(600);
      expect(e.result.model.digest).toBe(sha(MODEL));
      expect(e.result.features.find((f: { name: string }) => f.name === 'tenure')).toMatchObject({
        kind: 'categorical',
        categories: 4,
      });
      // Per subgroup too, and a larger perturbation degrades more.
      expect(e.result.levels[0].groups.map((g: { group: string }) => g.group)).toEqual(['F', 'M']);
      expect(e.metrics['robustness.auc-drop@1sd']).toBeGreaterThan(e.metrics['robustness.auc-drop@0.1sd']);
      expect(e.metrics['robustness.accuracy-drop@1sd']).toBeGreaterThan(0.02);
      expect(e.metrics['robustness.auc-drop@0.1sd']).toBeLessThanOrEqual(0.02);
      expect(e.metrics['robustness.worst-group.auc-drop@0.1sd']).toBeLessThanOrEqual(0.05);
      expect(await written()).toEqual({ evidence: before.evidence + 1, audit: before.audit + 1 });
      const audit = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=evidence.create' })).body
        .items;
      expect(audit.at(-1).after).toMatchObject({ id: e.id, kind: 'robustness' });
      const reqs = (await call(t.app, { method: 'GET', url: `${base}/1/requirements` })).body.requirements;
      for (const m of ['verify-robustness', 'verify-robustness-subgroups'])
        expect(
          reqs.find((r: { measure: string }) => r.measure === m),
          m,
        ).toMatchObject({
          status: 'satisfied',
          by: [e.id],
        });
      // Robustness evidence is not an evaluation.
      const evaluations = (await call(t.app, { method: 'GET', url: `${base}/1/evaluations` })).body.items;
      expect(evaluations.map((x: { id: string }) => x.id)).not.toContain(e.id);
    });

    it("runs the version's artefact reproducibly: the same seed gives the same curves and content hash", async () => {
      const url = `${base}/1/robustness?${spec}&noise=0.1,1&swapRates=0.2&categorical=tenure&seed=3&useArtifact=true`;
      const a = (await postCsv(url)).body;
      const b = (await postCsv(url)).body;
      expect(a.result.levels).toEqual(b.result.levels);
      expect(a.contentHash).toBe(b.contentHash);
      expect(a.result.model.source).toMatch(/^file:/);
      const other = (await postCsv(url.replace('seed=3', 'seed=4'))).body;
      expect(other.metrics['robustness.auc@1sd']).not.toBe(a.metrics['robustness.auc@1sd']);
    });

    it('runs on a registered dataset version read by reference, with the same curves as the upload', async () => {
      const ds = await call(t.app, {
        method: 'POST',
        url: '/api/v1/datasets',
        body: {
          name: 'loans-holdout',
          ownerTeam: 'lending',
          legalRegion: 'EU',
          provenance: { method: 'held-out sample', source: 'core-banking', lawfulBasis: 'contract' },
          columns: [{ name: 'income' }],
        },
      });
      expect(ds.status, ds.text).toBe(201);
      const dv = await call(t.app, {
        method: 'POST',
        url: '/api/v1/datasets/loans-holdout/versions',
        body: { rowCount: 600, digest: sha(rows()), uri: pathToFileURL(join(dir, 'holdout.csv')).href },
      });
      expect(dv.status, dv.text).toBe(201);
      const query = `${spec}&noise=0.1,1&seed=3&useArtifact=true`;
      const byRef = await call(t.app, {
        method: 'POST',
        url: `${base}/1/robustness?${query}&dataset=loans-holdout&datasetVersion=1`,
      });
      expect(byRef.status, byRef.text).toBe(201);
      expect(byRef.body.spec.dataset).toEqual({ name: 'loans-holdout', version: 1 });
      expect(byRef.body.dataDigest).toBe(sha(rows()));
      const uploaded = await postCsv(`${base}/1/robustness?${query}`);
      expect(byRef.body.result.levels).toEqual(uploaded.body.result.levels);
    });

    it('reports missing values as not accepted by a model whose output they break', async () => {
      const res = await postCsv(`${base}/1/robustness?${spec}&noise=&missingRates=0.1&useArtifact=true`);
      expect(res.status, res.text).toBe(201);
      const e = res.body;
      expect(e.result.missing).toMatchObject({ injected: true, accepted: false });
      expect(e.result.missing.reason).toMatch(/does not accept missing values/);
      expect(e.metrics).toEqual({});
    });

    it('refuses options out of bounds with a 400 naming the option, writing nothing', async () => {
      const before = await written();
      const refused = async (query: string, pointer: string) => {
        const res = await postCsv(`${base}/1/robustness?${spec}&useArtifact=true&${query}`);
        expect(res.status, `${query}: ${res.text}`).toBe(400);
        const problem = res.body;
        expect(problem.code, query).toBe('validation_failed');
        expect(
          problem.errors.map((x: { pointer: string }) => x.pointer),
          query,
        ).toContain(pointer);
        return problem.detail as string;
      };
      expect(await refused('noise=0', '/querystring/noise')).toMatch(/between 0.0001 and 5 standard deviations/);
      expect(await refused('noise=6', '/querystring/noise')).toMatch(/outside the bounds/);
      expect(await refused('noise=-0.1', '/querystring/noise')).toMatch(/outside the bounds/);
      expect(await refused('noise=abc', '/querystring/noise')).toMatch(/'abc' is not a number/);
      expect(await refused('noise=0.1,0.1', '/querystring/noise')).toMatch(/given twice/);
      expect(
        await refused(`noise=${Array.from({ length: 11 }, (_, i) => i + 1).join(',')}`, '/querystring/noise'),
      ).toMatch(/at most 10/);
      expect(await refused('swapRates=1.5&categorical=tenure', '/querystring/swapRates')).toMatch(/outside the bounds/);
      expect(await refused('missingRates=-0.5', '/querystring/missingRates')).toMatch(/outside the bounds/);
      expect(await refused('noise=&swapRates=&missingRates=', '/querystring/noise')).toMatch(/no perturbation/);
      expect(await refused('categorical=age', '/querystring/categorical')).toMatch(
        /'age', not among the model's features/,
      );
      expect(await refused('perturb=income,nope', '/querystring/perturb')).toMatch(/'nope'/);
      expect(await refused('swapRates=0.1', '/querystring/swapRates')).toMatch(/categorical feature to swap/);
      expect(await refused('rows=0', '/querystring/rows')).toBeTruthy();
      expect(await refused('seed=-1', '/querystring/seed')).toBeTruthy();
      // A run needs the model: data alone is refused before it is read.
      const noModel = await postCsv(`${base}/1/robustness?${spec}`);
      expectProblem(noModel, 400, 'validation_failed');
      expect(noModel.body.errors[0].pointer).toBe('/querystring/useArtifact');
      expect(await written()).toEqual(before);
    });

    it('answers 404 for an unknown version and 403 to a caller without rights, writing nothing', async () => {
      const before = await written();
      expectProblem(await postCsv(`${base}/99/robustness?${spec}&useArtifact=true`), 404, 'not_found');
      expectProblem(
        await postCsv(`/api/v1/models/nope/versions/1/robustness?${spec}&useArtifact=true`),
        404,
        'not_found',
      );
      expectProblem(await postCsv(`${base}/1/robustness?${spec}&useArtifact=true`, outsider), 403, 'forbidden');
      expect(await written()).toEqual(before);
    });
  });
});
