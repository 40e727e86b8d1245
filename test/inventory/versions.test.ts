import { beforeAll, describe, expect, it } from 'vitest';
import { call, digest, expectProblem, seedModel, seedUseCase, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

const fullVersion = (seed: string) => ({
  artifactUri: `s3://models/credit/${seed}/model.onnx`,
  artifactDigest: digest(seed),
  framework: 'onnx',
  params: { max_depth: 6, learning_rate: 0.1, objective: 'binary:logistic', early_stopping: true, seed: null },
  metrics: { auc: 0.91, accuracy: 0.87 },
  code: { repository: 'https://git.example.org/credit/scoring', commit: 'a1b2c3d4e5f6', path: 'train.py' },
  environment: { imageDigest: digest('image'), image: 'registry.local/train:1.4' },
  documentation: [{ title: 'Model card', url: 'https://docs.example.org/credit/card' }],
  tags: { owner: 'alice' },
  description: 'gradient boosted trees',
});

describe.each(DB_KINDS)('model versions and aliases on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);
    beforeAll(async () => {
      const uc = await seedUseCase(t.app, 'credit');
      await seedModel(t.app, 'scorer', uc);
      await seedModel(t.app, 'other', uc);
    });

    it('numbers versions 1, 2, 3 per model and records everything that defines them', async () => {
      const v1 = await call(t.app, { method: 'POST', url: '/api/v1/models/scorer/versions', body: fullVersion('one') });
      expect(v1.status).toBe(201);
      expect(v1.headers.location).toBe('/api/v1/models/scorer/versions/1');
      expect(v1.body).toMatchObject({
        ...fullVersion('one'),
        model: 'scorer',
        version: 1,
        stage: 'development',
        status: 'ready',
        aliases: [],
        datasets: [],
      });
      const v2 = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/scorer/versions',
        body: { artifactUri: 'file:///tmp/m2', artifactDigest: digest('two') },
      });
      expect(v2.body).toMatchObject({
        version: 2,
        framework: null,
        code: null,
        environment: null,
        params: {},
        metrics: {},
        documentation: [],
        tags: {},
      });
      const o1 = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/other/versions',
        body: { artifactUri: 'file:///tmp/o1', artifactDigest: digest('o1') },
      });
      expect(o1.body.version).toBe(1);

      const read = await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/versions/1' });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(v1.body);
      const list = await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/versions' });
      expect(list.body.items.map((v: { version: number }) => v.version)).toEqual([1, 2]);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/scorer' })).body.latestVersion).toBe(2);
    });

    it('assigns distinct numbers to concurrent creates', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          call(t.app, {
            method: 'POST',
            url: '/api/v1/models/other/versions',
            body: { artifactUri: `file:///c/${i}`, artifactDigest: digest(`c${i}`) },
          }),
        ),
      );
      expect(results.every((r) => r.status === 201)).toBe(true);
      const numbers = results.map((r) => r.body.version as number).sort((a, b) => a - b);
      expect(new Set(numbers).size).toBe(8);
    });

    it('keeps concurrent commands atomic one by one: failures in the same commit roll back alone', async () => {
      const before = (await call(t.app, { method: 'GET', url: '/api/v1/models/other' })).body.latestVersion as number;
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          call(t.app, {
            method: 'POST',
            url: '/api/v1/models/other/versions',
            body: {
              artifactUri: `file:///mixed/${i}`,
              artifactDigest: digest(`mixed${i}`),
              tags: { i: String(i) },
              ...(i % 3 === 0 ? { datasets: [{ dataset: 'no-such-dataset', version: 1, role: 'training' }] } : {}),
            },
          }),
        ),
      );
      const ok = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status === 422);
      expect(ok).toHaveLength(8);
      expect(refused).toHaveLength(4);
      expect(ok.map((r) => r.body.version as number).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 8 }, (_, k) => before + 1 + k),
      );
      const listed = await call(t.app, { method: 'GET', url: '/api/v1/models/other/versions?limit=500' });
      const mixed = listed.body.items.filter((v: { artifactUri: string }) =>
        v.artifactUri.startsWith('file:///mixed/'),
      );
      expect(mixed.map((v: { tags: { i: string } }) => Number(v.tags.i) % 3 === 0)).not.toContain(true);
      expect(mixed).toHaveLength(8);
    });

    it('shows annotation, alias and rename changes on the next read', async () => {
      const uc = (await call(t.app, { method: 'GET', url: '/api/v1/models/other' })).body.useCaseId as string;
      await seedModel(t.app, 'renamed-soon', uc);
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/renamed-soon/versions',
        body: { artifactUri: 'file:///r', artifactDigest: digest('r') },
      });
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/models/renamed-soon/versions/1' })).body.aliases,
      ).toEqual([]);
      await call(t.app, { method: 'PUT', url: '/api/v1/models/renamed-soon/aliases/prod', body: { version: 1 } });
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/models/renamed-soon/versions/1' })).body.aliases,
      ).toEqual(['prod']);
      await call(t.app, {
        method: 'PATCH',
        url: '/api/v1/models/renamed-soon/versions/1',
        body: { description: 'seen' },
      });
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/models/renamed-soon/versions/1' })).body.description,
      ).toBe('seen');
      await call(t.app, { method: 'PATCH', url: '/api/v1/models/renamed-soon', body: { name: 'renamed-now' } });
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/renamed-soon/versions/1' }),
        404,
        'not_found',
      );
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/renamed-now/versions/1' })).body.model).toBe(
        'renamed-now',
      );
      await call(t.app, { method: 'DELETE', url: '/api/v1/models/renamed-now/aliases/prod' });
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/renamed-now/versions/1' })).body.aliases).toEqual(
        [],
      );
    });

    it('rejects bad digests, unknown fields and wrong types, consuming no version number', async () => {
      const before = (await call(t.app, { method: 'GET', url: '/api/v1/models/scorer' })).body.latestVersion as number;
      const bad = [
        { artifactUri: 'x', artifactDigest: 'md5:abc' },
        { artifactUri: 'x', artifactDigest: `sha256:${'A'.repeat(64)}` },
        { artifactUri: 'x', artifactDigest: `sha256:${'a'.repeat(63)}` },
        { artifactUri: 'x' },
        { artifactUri: 'x', artifactDigest: digest('x'), stage: 'production' },
        { artifactUri: 'x', artifactDigest: digest('x'), metrics: { auc: 'high' } },
        { artifactUri: 'x', artifactDigest: digest('x'), code: { repository: 'r', commit: 'not-hex!' } },
        { artifactUri: 'x', artifactDigest: digest('x'), environment: {} },
        { artifactUri: 'x', artifactDigest: digest('x'), datasets: [{ dataset: 'd', version: 1, role: 'testing' }] },
      ];
      for (const body of bad) {
        expectProblem(
          await call(t.app, { method: 'POST', url: '/api/v1/models/scorer/versions', body }),
          400,
          'validation_failed',
        );
      }
      const ghostDataset = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/scorer/versions',
        body: {
          artifactUri: 'x',
          artifactDigest: digest('x'),
          datasets: [{ dataset: 'nope', version: 1, role: 'training' }],
        },
      });
      expectProblem(ghostDataset, 422, 'invalid_reference');
      expect(ghostDataset.body.errors).toEqual([{ pointer: '/body/datasets/0', message: 'does not exist' }]);
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/ghost/versions',
          body: { artifactUri: 'x', artifactDigest: digest('x') },
        }),
        404,
        'not_found',
      );

      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/scorer' })).body.latestVersion).toBe(before);
      const next = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/scorer/versions',
        body: { artifactUri: 'x', artifactDigest: digest('x') },
      });
      expect(next.body.version).toBe(before + 1);
    });

    it('changes only annotations; what defines a version is immutable', async () => {
      const url = '/api/v1/models/scorer/versions/1';
      const read = await call(t.app, { method: 'GET', url });
      const patched = await call(t.app, {
        method: 'PATCH',
        url,
        body: { description: 'annotated', tags: { owner: null, reviewed: 'yes' } },
        headers: { 'if-match': read.headers.etag as string },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        description: 'annotated',
        tags: { reviewed: 'yes' },
        artifactDigest: read.body.artifactDigest,
      });
      for (const body of [
        { artifactDigest: digest('evil') },
        { artifactUri: 's3://elsewhere' },
        { metrics: { auc: 1 } },
        { params: {} },
        { version: 9 },
        { stage: 'production' },
      ]) {
        expectProblem(await call(t.app, { method: 'PATCH', url, body }), 400, 'validation_failed');
      }
      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url,
          body: { description: 'stale' },
          headers: { 'if-match': read.headers.etag as string },
        }),
        412,
        'precondition_failed',
      );
      const after = await call(t.app, { method: 'GET', url });
      expect(after.body).toEqual(patched.body);
      expect({
        ...after.body,
        description: read.body.description,
        tags: read.body.tags,
        updatedAt: read.body.updatedAt,
      }).toEqual(read.body);
    });

    it('answers 404 for unknown versions and 400 for malformed numbers', async () => {
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/versions/999' }), 404, 'not_found');
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models/ghost/versions/1' }), 404, 'not_found');
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/versions/0' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/versions/one' }),
        400,
        'validation_failed',
      );
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models/ghost/versions' }), 404, 'not_found');
    });

    it('points, moves, resolves and removes aliases', async () => {
      const set = await call(t.app, {
        method: 'PUT',
        url: '/api/v1/models/scorer/aliases/champion',
        body: { version: 1 },
      });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ model: 'scorer', alias: 'champion', version: 1, previous: null });
      const moved = await call(t.app, {
        method: 'PUT',
        url: '/api/v1/models/scorer/aliases/champion',
        body: { version: 2 },
      });
      expect(moved.body).toMatchObject({ version: 2, previous: 1 });
      await call(t.app, { method: 'PUT', url: '/api/v1/models/scorer/aliases/challenger', body: { version: 1 } });

      const resolved = await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/aliases/champion' });
      expect(resolved.status).toBe(200);
      expect(resolved.body).toMatchObject({ model: 'scorer', version: 2, aliases: ['champion'] });
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/versions/1' })).body.aliases).toEqual([
        'challenger',
      ]);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/scorer' })).body.aliases).toEqual({
        champion: 2,
        challenger: 1,
      });
      const latest = await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/aliases/latest' });
      expect(latest.body.version).toBe(
        (await call(t.app, { method: 'GET', url: '/api/v1/models/scorer' })).body.latestVersion,
      );

      expectProblem(
        await call(t.app, { method: 'PUT', url: '/api/v1/models/scorer/aliases/champion', body: { version: 999 } }),
        422,
        'invalid_reference',
      );
      expectProblem(
        await call(t.app, { method: 'PUT', url: '/api/v1/models/scorer/aliases/latest', body: { version: 1 } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'PUT', url: '/api/v1/models/scorer/aliases/v3', body: { version: 1 } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'PUT', url: '/api/v1/models/scorer/aliases/bad%20alias', body: { version: 1 } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'PUT', url: '/api/v1/models/scorer/aliases/x', body: { version: '1' } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'PUT', url: '/api/v1/models/ghost/aliases/x', body: { version: 1 } }),
        404,
        'not_found',
      );
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/aliases/champion' })).body.version).toBe(
        2,
      );

      const del = await call(t.app, { method: 'DELETE', url: '/api/v1/models/scorer/aliases/champion' });
      expect(del.status).toBe(204);
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/aliases/champion' }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, { method: 'DELETE', url: '/api/v1/models/scorer/aliases/champion' }),
        404,
        'not_found',
      );
    });
  });
});
