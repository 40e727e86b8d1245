import type { OutgoingHttpHeaders } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, digest, expectProblem, seedModel, seedUseCase, useTestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

const good = ['y,yhat,g', ...Array.from({ length: 20 }, (_, i) => `${i % 2},${(i >> 1) % 2},${i % 3 ? 'F' : 'M'}`)];
// A stray quote inside an unquoted field: csv-parse's INVALID_OPENING_QUOTE.
const strayQuote = `${[...good.slice(0, 3), '0,0,M"x"', ...good.slice(3)].join('\n')}\n`;
/** Bytes that are not text, with a quote and commas so a CSV parser would quote them back. */
const binary = Buffer.concat([
  Buffer.from([0xff, 0xfe, 0x00, 0x22, 0x9c, 0x2c, 0x01, 0xc3, 0x28]),
  Buffer.from('SECRET-BYTES'),
  Buffer.alloc(200, 0x8f),
]);

describe.each(DB_KINDS)('malformed CSV answers 400 naming row and column on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);
    const evaluations =
      '/api/v1/models/csv-m/versions/1/evaluations?task=binary-classification&label=y&prediction=yhat&sensitive=g';
    const upload = (url: string, payload: string | Buffer) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${t.adminToken}` },
        payload,
      });
    const problem = (res: { statusCode: number; body: string; headers: OutgoingHttpHeaders }) => ({
      status: res.statusCode,
      text: res.body,
      headers: res.headers,
      body: JSON.parse(res.body),
    });

    beforeAll(async () => {
      await seedModel(t.app, 'csv-m', await seedUseCase(t.app, 'csv-uc'));
      const v = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/csv-m/versions',
        body: { artifactUri: 's3://m/1', artifactDigest: digest('csv-1') },
      });
      expect(v.status, v.text).toBe(201);
    });

    it('refuses a stray quote in an evaluation file with the line, row and column', async () => {
      const res = problem(await upload(evaluations, strayQuote));
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.detail).toMatch(/line 4 \(row 3\), column 'g'/);
      expect(res.body.detail).toMatch(/quote/);
      expect(res.body).toMatchObject({ csvError: 'INVALID_OPENING_QUOTE', line: 4 });
      expect(res.body.errors[0].pointer).toBe('/data/3');
    });

    it.each([
      ['an unclosed quote', 'y,yhat,g\n0,1,F\n1,"0,M\n', /line 3 \(row 2\).*never closed/],
      ['a short row', 'y,yhat,g\n0,1,F\n1,0\n', /line 3 \(row 2\).*as many fields as the header/],
      ['text after a closing quote', 'y,yhat,g\n0,1,"F"x\n', /line 2 \(row 1\), column 'g'.*closing quote/],
    ])('refuses %s as 400 with where it is', async (_what, body, detail) => {
      const res = problem(await upload(evaluations, body));
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.detail).toMatch(detail);
    });

    it('refuses binary input without echoing its bytes', async () => {
      const res = problem(await upload(evaluations, binary));
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.detail).toMatch(/not UTF-8 text/);
      expect(res.text).not.toContain('SECRET');
      expect(res.text).not.toMatch(/\\u0000|\ufffd/);
    });

    it('refuses the same in monitoring ingestion (prediction logs)', async () => {
      const logs = '/api/v1/models/csv-m/versions/1/predictions';
      const quote = problem(await upload(logs, 'id,timestamp,prediction\na,2026-01-01T00:00:00Z,M"x"\n'));
      expectProblem(quote, 400, 'validation_failed');
      expect(quote.body.detail).toMatch(/line 2 \(row 1\), column 'prediction'/);
      const bin = problem(await upload(logs, binary));
      expectProblem(bin, 400, 'validation_failed');
      expect(bin.text).not.toContain('SECRET');
    });
  });
});

describe('steward evaluate on malformed CSV (real process, offline)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-csv-'));
  const args = (file: string) => [
    'evaluate',
    '--data',
    file,
    '--task',
    'binary-classification',
    '--label',
    'y',
    '--prediction',
    'yhat',
    '--sensitive',
    'g',
  ];

  it('prints one line naming the row and column, no stack trace', async () => {
    const file = join(dir, 'quote.csv');
    writeFileSync(file, strayQuote);
    const res = await runCli(args(file));
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/line 4 \(row 3\), column 'g'/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a binary file in one line without its bytes', async () => {
    const file = join(dir, 'binary.csv');
    writeFileSync(file, binary);
    const res = await runCli(args(file));
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/not UTF-8 text/);
    expect(res.stderr).not.toContain('SECRET');
  });
});
