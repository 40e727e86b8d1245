import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, digest, seedModel, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

/**
 * Sends `head` then the body in `chunks` (one every `everyMs`) over a real socket until the server
 * answers or closes; resolves with what the server said. Bounded: it stops after the last chunk.
 */
function trickle(port: number, head: string, chunks: string[], everyMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d) => (answer += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('connect', () => {
      socket.write(head);
      let i = 0;
      const next = () => {
        if (socket.destroyed || socket.writableEnded) return;
        if (i === chunks.length) return;
        socket.write(chunks[i++]!);
        timer = setTimeout(next, everyMs);
      };
      next();
    });
    setTimeout(() => reject(new Error(`no answer; so far: ${answer}`)), 20_000).unref();
  });
}

// A client that sends its body a byte at a time must not hold its request, and with it an
// evaluation slot, for as long as it likes (issue 23, item 3): a body that brings fewer than
// minBytes in idleMs is answered 408 and its connection closed, while a slow but steady one is not.
describe.each(DB_KINDS)('stalled request bodies on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, {
      teams: ['lending'],
      evaluations: { perServer: 2, perUser: 1 },
      bodyTimeout: { idleMs: 400, minBytes: 64 },
    });
    const path = '/api/v1/models/scorer/versions/1/evaluations?task=binary-classification&label=y&prediction=yhat';
    const rows = 'y,yhat\n' + '1,1\n0,0\n1,0\n0,1\n'.repeat(50);
    let port = 0;
    let ann = '';
    // Keep-alive unless `close`: a 408 must close the connection of its own accord.
    const head = (url: string, type: string, length: number, token: string, close = false) =>
      `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;

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
      ann = await seedUser(t.app, 'ann', [{ scope: 'lending', role: 'data-scientist' }]);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.app.server.address() as AddressInfo).port;
    });

    it('answers a trickled evaluation upload 408, closes it, and gives the evaluation slot back', async () => {
      // One byte every 100 ms: 4 bytes a window, far below 64; the body would take minutes.
      const bytes = [...rows];
      const answer = await trickle(port, head(path, 'text/csv', rows.length, ann), bytes, 100);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer.toLowerCase()).toContain('connection: close');
      expect(answer).toContain('"code":"request_timeout"');
      // Ann may run one evaluation at a time: the stalled one no longer holds her slot.
      const res = await t.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${ann}` },
        payload: rows,
      });
      expect(res.statusCode).toBe(201);
    });

    it('cuts a trickled JSON body too, before any handler runs', async () => {
      const body = JSON.stringify({ name: 'never-created', useCaseId: 'x'.repeat(200) });
      const answer = await trickle(port, head('/api/v1/models', 'application/json', body.length, ann), [...body], 100);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/never-created' })).status).toBe(404);
    });

    it('closes the connection of an upload it refuses before the body arrived', async () => {
      // Ann's one slot is held by an upload still arriving (steadily: it is not cut).
      const holding = trickle(port, head(path, 'text/csv', rows.length, ann, true), rows.match(/[\s\S]{1,20}/g)!, 50);
      await new Promise((r) => setTimeout(r, 200));
      // Her second upload announces a megabyte: refused at once, and not read to its end.
      const refused = await trickle(port, head(path, 'text/csv', 1_000_000, ann), ['y,yhat\n1,1\n'], 50);
      expect(refused).toMatch(/^HTTP\/1\.1 429 /);
      expect(refused.toLowerCase()).toContain('connection: close');
      expect(await holding).toMatch(/^HTTP\/1\.1 201 /);
    });

    it('lets a slow but steady upload through, however long it takes in all', async () => {
      // 20 bytes every 50 ms: 160 bytes a window, well above 64, for about five windows in all.
      const chunks = rows.match(/[\s\S]{1,20}/g)!;
      const answer = await trickle(port, head(path, 'text/csv', rows.length, ann, true), chunks, 50);
      expect(answer).toMatch(/^HTTP\/1\.1 201 /);
    });
  });
});
