import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { toCsv } from '../../src/domain/exports/tabular.ts';
import { call, expectProblem, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { seedExportable } from '../helpers/exports.ts';

/** RFC 4180 rows (quoted fields with doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.trimEnd().split('\r\n')) {
    const cells: string[] = [];
    for (const m of line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g))
      cells.push(m[1]?.replace(/""/g, '"') ?? m[2]!);
    rows.push(cells);
  }
  return rows;
}

describe('CSV cells', () => {
  it('quote separators and neutralise spreadsheet formulas', () => {
    expect(
      toCsv({
        name: 's',
        head: ['a', 'b'],
        rows: [
          ['=HYPERLINK("x")', 'x,y'],
          [null, 3],
        ],
      }),
    ).toBe(`a,b\r\n"'=HYPERLINK(""x"")","x,y"\r\n,3\r\n`);
  });
});

describe.each(DB_KINDS)('inventory export on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);
    beforeAll(async () => {
      await seedExportable(t.app);
      // A second version, and a use case of another team with no model yet.
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models/pd-card/versions',
            body: { artifactUri: 's3://m/2', artifactDigest: `sha256:${'2'.repeat(64)}` },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/use-cases',
            body: useCaseBody('churn', { ownerTeam: 'growth' }),
          })
        ).status,
      ).toBe(201);
    });

    it('lists one row per use case, model and version as CSV', async () => {
      const res = await call(t.app, { method: 'GET', url: '/api/v1/exports/inventory?format=csv' });
      expect(res.status, res.text).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
      expect(res.headers['content-disposition']).toBe('attachment; filename="model-inventory.csv"');
      const [head, ...rows] = parseCsv(res.text);
      expect(head).toEqual([
        'use case',
        'owner team',
        'model',
        'version',
        'tier',
        'EU AI Act category',
        'status',
        'lifecycle step',
        'last validation',
        'next review',
        'open findings',
        'deployment',
        'registered',
      ]);
      expect(rows.map((r) => r.slice(0, 4))).toEqual([
        ['churn', 'growth', '', ''],
        ['pd-card-uc', 'credit-risk', 'pd-card', '1'],
        ['pd-card-uc', 'credit-risk', 'pd-card', '2'],
      ]);
      expect(rows[0]![6]).toBe('no model');
      expect(rows[1]![6]).toBe('development');
      expect(rows[1]![12]).toMatch(/^\d{4}-\d\d-\d\dT/);
      // No finding was raised: zero open findings on every row.
      expect(rows.every((r) => r[10] === '0')).toBe(true);
    });

    it('filters like the inventory page', async () => {
      const growth = parseCsv(
        (await call(t.app, { method: 'GET', url: '/api/v1/exports/inventory?team=growth' })).text,
      );
      expect(growth.slice(1).map((r) => r[0])).toEqual(['churn']);
      const q = parseCsv((await call(t.app, { method: 'GET', url: '/api/v1/exports/inventory?q=pd-card' })).text);
      expect(q.slice(1).map((r) => r[3])).toEqual(['1', '2']);
      const none = await call(t.app, { method: 'GET', url: '/api/v1/exports/inventory?tier=4' });
      expect(parseCsv(none.text)).toHaveLength(1);
      expect(none.headers['x-steward-rows']).toBe('0');
    });

    it('writes an XLSX workbook with the same rows', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/exports/inventory?format=xlsx',
        headers: { authorization: `Bearer ${t.adminToken}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const files = unzipSync(new Uint8Array(res.rawPayload));
      expect(Object.keys(files).sort()).toEqual([
        '[Content_Types].xml',
        '_rels/.rels',
        'xl/_rels/workbook.xml.rels',
        'xl/styles.xml',
        'xl/workbook.xml',
        'xl/worksheets/sheet1.xml',
      ]);
      const sheet = strFromU8(files['xl/worksheets/sheet1.xml']!);
      expect(sheet.match(/<row /g)).toHaveLength(4);
      expect(sheet).toContain(
        '<c r="C3" t="inlineStr"><is><t xml:space="preserve">pd-card</t></is></c><c r="D3"><v>1</v></c>',
      );
      expect(sheet).toContain('<autoFilter ref="A1:M4"/>');
      expect(strFromU8(files['[Content_Types].xml']!)).toContain('/xl/worksheets/sheet1.xml');
      const audit = await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=export.generate' });
      expect(audit.body.items).toContainEqual(
        expect.objectContaining({ after: expect.objectContaining({ document: 'inventory', format: 'xlsx', rows: 3 }) }),
      );
    });

    it('refuses unknown formats and filters, and callers without read access', async () => {
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/exports/inventory?format=pdf' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/exports/inventory?tier=9' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/exports/inventory?owner=x' }),
        400,
        'validation_failed',
      );
      expect((await call(t.app, { method: 'GET', url: '/api/v1/exports/inventory', token: null })).status).toBe(401);
    });
  });
});
