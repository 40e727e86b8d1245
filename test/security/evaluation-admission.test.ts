import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, digest, seedModel, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

// One caller cannot hold the server with parallel evaluations: past their own share (or when the
// server is full) an evaluation is refused at once with 429 and Retry-After, and the slots come
// back when evaluations end, also when they fail.
describe.each(DB_KINDS)('evaluation admission on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending'], evaluations: { perServer: 2, perUser: 1 } });
    const url = '/api/v1/models/scorer/versions/1/evaluations?task=binary-classification&label=y&prediction=yhat';
    const tokens: Record<string, string> = {};
    const rows = 'y,yhat\n' + '1,1\n0,0\n1,0\n0,1\n'.repeat(50);
    const upload = (token: string, body: string | PassThrough) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` },
        payload: body,
      });
    /** An upload whose data is still arriving: it holds its slot until `finish`. */
    const slow = (token: string) => {
      const body = new PassThrough();
      body.write('y,yhat\n1,1\n');
      const response = upload(token, body);
      return { response, finish: () => body.end(rows.slice('y,yhat\n'.length)) };
    };
    // Lets the server take the slow uploads' slots before the next request arrives.
    const settle = () => new Promise((r) => setTimeout(r, 100));

    beforeAll(async () => {
      const uc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('lending-uc', { ownerTeam: 'lending' }),
        })
      ).body.id;
      await seedModel(t.app, 'scorer', uc);
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/scorer/versions',
        body: { artifactUri: 's3://s/1', artifactDigest: digest('s1') },
      });
      for (const u of ['ann', 'bob', 'cat'])
        tokens[u] = await seedUser(t.app, u, [{ scope: 'lending', role: 'data-scientist' }]);
    });

    it('refuses a second evaluation of one user and a third on the server with 429, then admits again', async () => {
      const a = slow(tokens.ann!);
      await settle();
      const again = await upload(tokens.ann!, rows);
      expect(again.statusCode).toBe(429);
      expect(again.headers['retry-after']).toBe('5');
      expect(JSON.parse(again.body)).toMatchObject({ code: 'rate_limited' });
      expect(JSON.parse(again.body).detail).toMatch(/you already have 1 evaluations running \(at most 1 at once\)/);

      const b = slow(tokens.bob!);
      await settle();
      const full = await upload(tokens.cat!, rows);
      expect(full.statusCode).toBe(429);
      expect(JSON.parse(full.body).detail).toMatch(/the server is running 2 evaluations \(at most 2 at once\)/);

      a.finish();
      b.finish();
      expect((await a.response).statusCode).toBe(201);
      expect((await b.response).statusCode).toBe(201);
      // The slots are back: everyone may evaluate again, one at a time each.
      expect((await upload(tokens.cat!, rows)).statusCode).toBe(201);
      expect((await upload(tokens.ann!, rows)).statusCode).toBe(201);
    });

    it('gives the slot back when an evaluation fails', async () => {
      const bad = await upload(tokens.ann!, 'a,b\n1,1\n');
      expect(bad.statusCode).toBe(400);
      expect((await upload(tokens.ann!, rows)).statusCode).toBe(201);
    });
  });
});
