import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';
import type { App } from '../../src/http/app-types.ts';
import { call, digest, seedModel, seedUseCase } from './app.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** A validator for the official CycloneDX 1.6 JSON schema shipped with @cyclonedx/cyclonedx-library. */
export function cycloneDx16() {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res/schema');
  const load = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Formats ajv-formats does not define: accepted as strings (the schema's own patterns still apply).
  for (const f of ['idn-email', 'iri-reference', 'iri']) if (!ajv.formats[f]) ajv.addFormat(f, true);
  // The BOM schema refers to its companions by file name, relative to its own $id.
  for (const f of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json'])
    ajv.addSchema({ ...load(f), $id: `http://cyclonedx.org/schema/${f}` });
  return ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'));
}

/** A use case `lending-exports` with a PII dataset, model `pd-card` v1 using it, and an evaluation by sex. */
export async function seedExportable(
  app: App,
  opts: { name?: string } = {},
): Promise<{ useCaseId: string; model: string }> {
  const name = opts.name ?? 'pd-card';
  const useCaseId = await seedUseCase(app, `${name}-uc`);
  const ds = await call(app, {
    method: 'POST',
    url: '/api/v1/datasets',
    body: {
      name: `${name}-loans`,
      ownerTeam: 'data-platform',
      legalRegion: 'EU',
      provenance: { method: 'exported nightly from the loan system', source: 'core-banking', lawfulBasis: 'contract' },
      columns: [
        { name: 'customer_id', type: 'string', piiKind: 'direct-identifier' },
        { name: 'sex', type: 'string', protected: true },
      ],
    },
  });
  expect(ds.status, ds.text).toBe(201);
  expect(
    (
      await call(app, {
        method: 'POST',
        url: `/api/v1/datasets/${name}-loans/versions`,
        body: { digest: digest(`${name}-d1`), rowCount: 200, uri: 's3://data/loans/1.parquet' },
      })
    ).status,
  ).toBe(201);
  await seedModel(app, name, useCaseId, { description: 'probability of default scorecard' });
  const v = await call(app, {
    method: 'POST',
    url: `/api/v1/models/${name}/versions`,
    body: {
      artifactUri: `s3://models/${name}/1/model.onnx`,
      artifactDigest: digest(`${name}-m1`),
      framework: 'xgboost',
      params: { max_depth: 4, learning_rate: 0.1 },
      metrics: { auc: 0.81 },
      datasets: [{ dataset: `${name}-loans`, version: 1, role: 'training' }],
      code: { repository: 'https://git.example.org/credit/pd', commit: 'a1b2c3d4e5f6a7b8' },
      environment: { imageDigest: digest('image'), image: 'registry.local/train:1.4', lockfileDigest: digest('lock') },
    },
  });
  expect(v.status, v.text).toBe(201);
  const csv = `y,yhat,sex\n${Array.from({ length: 200 }, (_, i) => `${i % 2},${i % 10 === 0 ? 1 - (i % 2) : i % 2},${i % 4 < 2 ? 'F' : 'M'}`).join('\n')}\n`;
  const ev = await app.inject({
    method: 'POST',
    url: `/api/v1/models/${name}/versions/1/evaluations?task=binary-classification&label=y&prediction=yhat&sensitive=sex`,
    headers: { 'content-type': 'text/csv', authorization: `Bearer stw_test-bootstrap-admin-token-0123456789` },
    payload: csv,
  });
  expect(ev.statusCode, ev.body).toBe(201);
  return { useCaseId, model: name };
}

/**
 * The text of a PDF, extracted without any PDF library: read its objects, inflate FlateDecode
 * streams, map each font resource name to its ToUnicode CMap, then decode the hex strings of the
 * text operators (TJ) with the CMap of the font selected (Tf) at that point.
 */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const objects = new Map<number, { dict: string; stream: string | null }>();
  for (const m of raw.matchAll(/(\d+) 0 obj\b/g)) {
    const at = m.index! + m[0].length;
    const end = raw.indexOf('endobj', at);
    const body = raw.slice(at, end);
    const s = /stream\r?\n/.exec(body);
    let stream: string | null = null;
    const dict = s ? body.slice(0, s.index) : body;
    if (s) {
      const from = at + s.index + s[0].length;
      const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
      const bytes = pdf.subarray(from, from + length);
      stream = (/FlateDecode/.test(dict) ? inflateSync(bytes) : bytes).toString('latin1');
    }
    objects.set(Number(m[1]), { dict, stream });
  }
  // A destination may hold several UTF-16 units, written with spaces (<0066 0069> for a ligature).
  const hex = (h: string) =>
    String.fromCodePoint(...(h.replace(/\s+/g, '').match(/.{4}/g) ?? []).map((x) => parseInt(x, 16)));
  const cmap = (text: string) => {
    const map = new Map<string, string>();
    for (const [, block] of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
      for (const [, a, b] of block!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g))
        map.set(a!.toLowerCase(), hex(b!));
    for (const [, block] of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g))
      for (const [, lo, hi, arr, dst] of block!.matchAll(
        /<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(?:\[([^\]]*)\]|<([0-9a-fA-F]+)>)/g,
      )) {
        const first = parseInt(lo!, 16);
        const key = (i: number) => (first + i).toString(16).padStart(lo!.length, '0');
        if (arr !== undefined) [...arr.matchAll(/<([0-9a-fA-F\s]+)>/g)].forEach(([, u], i) => map.set(key(i), hex(u!)));
        else
          for (let i = 0; i <= parseInt(hi!, 16) - first; i++)
            map.set(key(i), String.fromCodePoint(parseInt(dst!, 16) + i));
      }
    return map;
  };
  // Font resource names (/F1 ...) -> their ToUnicode maps.
  const fonts = new Map<string, Map<string, string>>();
  for (const { dict } of objects.values())
    for (const [, block] of dict.matchAll(/\/Font\s*<<([^>]*)>>/g))
      for (const [, name, ref] of block!.matchAll(/\/(\w+)\s+(\d+) 0 R/g)) {
        const font = objects.get(Number(ref));
        const toUnicode = font && /\/ToUnicode (\d+) 0 R/.exec(font.dict)?.[1];
        const stream = toUnicode ? objects.get(Number(toUnicode))?.stream : null;
        if (stream) fonts.set(name!, cmap(stream));
      }
  const lines: string[] = [];
  for (const { stream } of objects.values()) {
    if (!stream || !/\bBT\b/.test(stream)) continue;
    let font: Map<string, string> | undefined;
    for (const [, name, arr] of stream.matchAll(
      /\/(\w+)\s+[\d.]+\s+Tf|\[((?:<[0-9a-fA-F]*>\s*-?[\d.]*\s*)*)\]\s*TJ/g,
    )) {
      if (name) font = fonts.get(name);
      else
        lines.push(
          [...arr!.matchAll(/<([0-9a-fA-F]*)>/g)]
            .map(([, h]) => (h!.match(/.{4}/g) ?? []).map((g) => font?.get(g.toLowerCase()) ?? '').join(''))
            .join(''),
        );
    }
  }
  return lines.join('\n');
}
