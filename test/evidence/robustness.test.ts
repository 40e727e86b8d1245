import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/lib/pagination.ts';
import { call, digest, expectProblem, seedModel, seedUseCase, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

describe.each(DB_KINDS)('hostile and concurrent input on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);
    let uc: string;
    beforeAll(async () => {
      uc = await seedUseCase(t.app, 'robust');
      await seedModel(t.app, 'robust-model', uc, { description: 'Über-Modell für Kredite' });
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/robust-model/versions',
        body: { artifactUri: 's3://r/1', artifactDigest: digest('r1') },
      });
    });

    it('answers out-of-range numbers with 4xx, never 500', async () => {
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/robust-model/versions/3000000000' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/robust-model/versions/1e300' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'PUT',
          url: '/api/v1/models/robust-model/aliases/a',
          body: { version: 3000000000 },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/robust-model/versions',
          body: { artifactUri: 'x', artifactDigest: digest('x'), metrics: { auc: 1e999 } },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/robust-model/versions',
          body: {
            artifactUri: 'x',
            artifactDigest: digest('x'),
            datasets: [{ dataset: 'd', version: 3000000000, role: 'training' }],
          },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/audit/proofs/inclusion?seq=1&treeSize=1e300' }),
        400,
        'validation_failed',
      );
    });

    it('refuses NUL characters anywhere in a body', async () => {
      const nul = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        body: { name: 'nul', useCaseId: uc, description: 'a\u0000b' },
      });
      expectProblem(nul, 400, 'validation_failed');
      expect(nul.body.errors).toEqual([
        { pointer: '/body/description', message: 'must not contain U+0000 or unpaired surrogates' },
      ]);
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models',
          body: { name: 'nul', useCaseId: uc, tags: { 'k\u0000': 'v' } },
        }),
        400,
        'validation_failed',
      );
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models/nul' }), 404, 'not_found');
    });

    it('validates every map key and value, whatever characters the key holds', async () => {
      const bad = [{ '': 'x' }, { ['k'.repeat(251)]: 'x' }, { 'a\nb': { x: 1 } }, { 'a\u2028b': 1 }];
      for (const tags of bad)
        expectProblem(
          await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: 'map', useCaseId: uc, tags } }),
          400,
          'validation_failed',
        );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/robust-model/versions',
          body: { artifactUri: 'x', artifactDigest: digest('x'), metrics: { 'a\nb': 'str' } },
        }),
        400,
        'validation_failed',
      );
      const ok = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        body: { name: 'map', useCaseId: uc, tags: { 'line\nbreak': 'kept' } },
      });
      expect(ok.status).toBe(201);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/map' })).body.tags).toEqual({
        'line\nbreak': 'kept',
      });
    });

    it('refuses cursors of the wrong shape, ids in other spellings, odd names and unsafe links', async () => {
      for (const key of [[{}], [true], ['a', 'b'], [1.5]]) {
        expectProblem(
          await call(t.app, { method: 'GET', url: `/api/v1/models?cursor=${encodeCursor(key)}` }),
          400,
          'validation_failed',
        );
      }
      expectProblem(
        await call(t.app, {
          method: 'GET',
          url: `/api/v1/models/robust-model/versions?cursor=${encodeCursor(['abc'])}`,
        }),
        400,
        'validation_failed',
      );
      // A use case reads by id or name: an id in another spelling is no alias of it, only an unknown name.
      expectProblem(
        await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${uc.toUpperCase()}` }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: '..', useCaseId: uc } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: '   ', useCaseId: uc } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/datasets',
          body: {
            name: '0f8e9c1a-2b3c-4d5e-8f70-1234567890ab',
            ownerTeam: 'credit-risk',
            legalRegion: 'EU',
            provenance: { method: 'm', source: 's' },
          },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/robust-model/versions',
          body: {
            artifactUri: 'x',
            artifactDigest: digest('x'),
            documentation: [{ title: 'x', url: 'javascript:alert(1)' }],
          },
        }),
        400,
        'validation_failed',
      );
    });

    it('finds models by non-ASCII text in any case', async () => {
      const found = await call(t.app, { method: 'GET', url: `/api/v1/models?q=${encodeURIComponent('ÜBER-MODELL')}` });
      expect(found.body.items.map((m: { name: string }) => m.name)).toEqual(['robust-model']);
    });

    it('accepts application/merge-patch+json for PATCH', async () => {
      const res = await t.app.inject({
        method: 'PATCH',
        url: '/api/v1/models/robust-model',
        headers: { 'content-type': 'application/merge-patch+json', authorization: `Bearer ${t.adminToken}` },
        payload: JSON.stringify({ tags: { patched: 'yes' } }),
      });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body).tags).toEqual({ patched: 'yes' });
    });

    it('changes ETags when a version or alias changes what a model or version shows', async () => {
      const model0 = (await call(t.app, { method: 'GET', url: '/api/v1/models/robust-model' })).headers.etag;
      const v1 = (await call(t.app, { method: 'GET', url: '/api/v1/models/robust-model/versions/1' })).headers.etag;
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/robust-model/versions',
        body: { artifactUri: 's3://r/2', artifactDigest: digest('r2') },
      });
      const model1 = (await call(t.app, { method: 'GET', url: '/api/v1/models/robust-model' })).headers.etag;
      expect(model1).not.toBe(model0);
      await call(t.app, { method: 'PUT', url: '/api/v1/models/robust-model/aliases/prod', body: { version: 1 } });
      const model2 = (await call(t.app, { method: 'GET', url: '/api/v1/models/robust-model' })).headers.etag;
      const v1b = (await call(t.app, { method: 'GET', url: '/api/v1/models/robust-model/versions/1' })).headers.etag;
      expect(model2).not.toBe(model1);
      expect(v1b).not.toBe(v1);
      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url: '/api/v1/models/robust-model',
          body: { description: 'stale' },
          headers: { 'if-match': model1 as string },
        }),
        412,
        'precondition_failed',
      );
    });

    it('serialises concurrent alias moves and unconditional updates without errors', async () => {
      const moves = await Promise.all(
        [1, 2, 1, 2, 1, 2].map((version) =>
          call(t.app, { method: 'PUT', url: '/api/v1/models/robust-model/aliases/race', body: { version } }),
        ),
      );
      expect(moves.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      const patches = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          call(t.app, { method: 'PATCH', url: '/api/v1/models/robust-model', body: { tags: { [`k${i}`]: 'v' } } }),
        ),
      );
      expect(patches.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      const tags = (await call(t.app, { method: 'GET', url: '/api/v1/models/robust-model' })).body.tags;
      expect(
        Object.keys(tags)
          .filter((k) => k.startsWith('k'))
          .sort(),
      ).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
      const versionPatches = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          call(t.app, {
            method: 'PATCH',
            url: '/api/v1/models/robust-model/versions/1',
            body: { tags: { [`v${i}`]: 'x' } },
          }),
        ),
      );
      expect(versionPatches.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    });
  });
});
