import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/errors.ts';
import { byField, fromBody, fromInput, fromQuery, inQuery, requestShaped } from '../../src/http/input.ts';
import { requestPointers } from '../../tools/check-structure.ts';
import { call, digest, expectProblem, seedModel, seedUseCase, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

const invalid = (...pointers: string[]) =>
  new DomainError('validation_failed', 'no', {
    errors: pointers.map((pointer) => ({ pointer, message: 'bad' })),
    extra: { limit: 3 },
  });
const pointersOf = async (run: () => Promise<unknown>): Promise<string[]> => {
  const err = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return (err as DomainError).errors!.map((e) => e.pointer);
};

describe('services report pointers relative to their input; routes place them', () => {
  it('flags a /body or /querystring pointer written outside routes and src/http', () => {
    const text = [
      "const a = '/body/threshold';",
      'const b = `/querystring/${what}`;',
      "const c = { pointer: '/body', message: 'empty' };",
      '// a comment may say /body/threshold',
      "const d = '/threshold'; const e = 'somebody/body-size';",
    ].join('\n');
    expect(requestPointers('src/features/x/x.service.ts', text)).toEqual([
      'request-shaped pointer outside routes: src/features/x/x.service.ts: "/body/threshold"',
      'request-shaped pointer outside routes: src/features/x/x.service.ts: "/querystring/"',
      'request-shaped pointer outside routes: src/features/x/x.service.ts: "/body"',
    ]);
    for (const file of ['src/domain/y.ts', 'src/lib/y.ts', 'src/tabular/y.ts', 'src/features/x/x.repo.ts'])
      expect(requestPointers(file, text)).toHaveLength(3);
    for (const file of ['src/features/x/x.routes.ts', 'src/http/y.ts', 'src/cli/y.ts'])
      expect(requestPointers(file, text)).toEqual([]);
  });

  it('prefixes the pointers of a DomainError thrown by the call, keeping its code, detail and extras', async () => {
    const err = await fromBody(() => Promise.reject(invalid('/threshold', ''))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      code: 'validation_failed',
      message: 'no',
      extra: { limit: 3 },
      errors: [
        { pointer: '/body/threshold', message: 'bad' },
        { pointer: '/body', message: 'bad' },
      ],
    });
    expect(
      await pointersOf(() =>
        fromQuery(() => {
          throw invalid('/cursor');
        }),
      ),
    ).toEqual(['/querystring/cursor']);
    await expect(fromBody(async () => 7)).resolves.toBe(7);
    const plain = new Error('x');
    await expect(fromBody(() => Promise.reject(plain))).rejects.toBe(plain);
  });

  it('maps named fields by byField and leaves request-shaped errors alone', async () => {
    const where = byField({ parts: '/body', data: '/data', alias: '/params/alias' }, inQuery);
    expect(
      await pointersOf(() =>
        fromInput(where, () => {
          throw invalid('/parts/model', '/parts', '/data/3', '/alias', '/sliceMetric', '/partsx');
        }),
      ),
    ).toEqual(['/body/model', '/body', '/data/3', '/params/alias', '/querystring/sliceMetric', '/querystring/partsx']);
    const header = requestShaped(invalid('/headers/steward-reason'));
    await expect(fromBody(() => Promise.reject(header))).rejects.toBe(header);
    // Nested wrappers place once.
    expect(await pointersOf(() => fromBody(() => fromQuery(() => Promise.reject(invalid('/seq')))))).toEqual([
      '/querystring/seq',
    ]);
  });
});

// The API's pointers stay request-shaped: one case for each way a route places its service's pointers.
describe.each(DB_KINDS)('problem pointers of the API on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);
    const pointers = (res: Awaited<ReturnType<typeof call>>) =>
      (res.body.errors as { pointer: string }[]).map((e) => e.pointer);
    beforeAll(async () => {
      await seedModel(t.app, 'ptr-m', await seedUseCase(t.app, 'ptr-uc'));
      const v = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/ptr-m/versions',
        body: { artifactUri: 's3://m/1', artifactDigest: digest('ptr-1') },
      });
      expect(v.status, v.text).toBe(201);
    });

    it('places query-string pointers: cursors, audit proofs', async () => {
      for (const url of ['/api/v1/models?cursor=bm9wZQ', '/api/v1/audit/events?cursor=bm9wZQ']) {
        const res = await call(t.app, { method: 'GET', url });
        expectProblem(res, 400, 'validation_failed');
        expect(pointers(res)).toEqual(['/querystring/cursor']);
      }
      const proof = await call(t.app, { method: 'GET', url: '/api/v1/audit/proofs/consistency?from=5&to=4' });
      expectProblem(proof, 400, 'validation_failed');
      expect(pointers(proof)).toEqual(['/querystring/from']);
    });

    it('places body pointers, path pointers and header pointers apart', async () => {
      const ghost = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        body: { name: 'ptr-ghost', useCase: 'no-such-use-case' },
      });
      expectProblem(ghost, 422, 'invalid_reference');
      expect(pointers(ghost)).toEqual(['/body/useCase']);
      const missing = await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: 'ptr-none' } });
      expectProblem(missing, 400, 'validation_failed');
      expect(missing.body.detail).toBe('a model needs its use case: give useCase (the use case id or name)');
      expect(pointers(missing)).toEqual(['/body/useCase']);
      const reserved = await call(t.app, {
        method: 'PUT',
        url: '/api/v1/models/ptr-m/aliases/latest',
        body: { version: 1 },
      });
      expectProblem(reserved, 400, 'validation_failed');
      expect(pointers(reserved)).toEqual(['/params/alias']);
      const noVersion = await call(t.app, {
        method: 'PUT',
        url: '/api/v1/models/ptr-m/aliases/champion',
        body: { version: 9 },
      });
      expect(pointers(noVersion)).toEqual(['/body/version']);
      // A header refused inside a wrapped service call keeps its own pointer.
      const header = await call(t.app, {
        method: 'POST',
        url: '/api/v1/webhooks',
        body: { url: 'http://169.254.169.254/hook', events: ['model.create'] },
        headers: { 'steward-reason': 'caf\u00e9' },
      });
      expectProblem(header, 400, 'validation_failed');
      expect(pointers(header)).toEqual(['/headers/steward-reason']);
      const hook = await call(t.app, {
        method: 'POST',
        url: '/api/v1/webhooks',
        body: { url: 'http://169.254.169.254/hook', events: ['model.create'] },
      });
      expectProblem(hook, 400, 'validation_failed');
      expect(pointers(hook)).toEqual(['/body/url']);
    });

    it('places an evaluation: options in the query string, parts in the body, data rows as they are', async () => {
      const evaluate = (query: string, payload: string, type = 'text/csv') =>
        t.app.inject({
          method: 'POST',
          url: `/api/v1/models/ptr-m/versions/1/evaluations?${query}`,
          headers: { 'content-type': type, authorization: `Bearer ${t.adminToken}` },
          payload,
        });
      const csv = 'y,yhat,g\n0,1,F\n1,0,M\n';
      const spec = (await evaluate('task=binary-classification&label=y&prediction=yhat&sliceMetric=mae', csv)).json();
      expect(spec.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/querystring/sliceMetric']);
      const noPrediction = (await evaluate('task=binary-classification&label=y', csv)).json();
      expect(noPrediction.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/querystring/prediction']);
      const ranges = (await evaluate('task=binary-classification&label=y&prediction=yhat&ranges=nope', csv)).json();
      expect(ranges.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/querystring/ranges']);
      const column = (await evaluate('task=binary-classification&label=y&prediction=nope', csv)).json();
      expect(column.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/data/columns/nope']);
      const boundary = 'ptrboundary';
      const field = [`--${boundary}`, 'Content-Disposition: form-data; name="note"', '', 'x', `--${boundary}--`, ''];
      const part = (
        await evaluate(
          'task=binary-classification&label=y&prediction=yhat',
          field.join('\r\n'),
          `multipart/form-data; boundary=${boundary}`,
        )
      ).json();
      expect(part.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/body']);
      const file = (name: string) => [
        `--${boundary}`,
        `Content-Disposition: form-data; name="data"; filename="${name}.csv"`,
        'Content-Type: text/csv',
        '',
        csv,
      ];
      const twice = (
        await evaluate(
          'task=binary-classification&label=y&prediction=yhat',
          [...file('a'), ...file('b'), `--${boundary}--`, ''].join('\r\n'),
          `multipart/form-data; boundary=${boundary}`,
        )
      ).json();
      expect(twice.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/body/data']);
    });
  });
});
