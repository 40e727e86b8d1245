import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createCsvReader, CsvSyntaxError } from '../../src/tabular/csv.ts';

// Steward's CSV reader replaced csv-parse and must read every input as csv-parse did with the
// options Steward used: the same records, or the same error at the same line and column.
const reference = (buf: Buffer) => {
  try {
    return { records: parse(buf, { columns: true, bom: true, skip_empty_lines: true, trim: true }) as unknown[] };
  } catch (e) {
    const err = e as { code: string; lines: number; column?: string | number | null; index: number };
    return { error: { code: err.code, lines: err.lines, column: err.column ?? null, index: err.index } };
  }
};
const ours = (buf: Buffer, chunk: number) => {
  const records: unknown[] = [];
  const reader = createCsvReader((r) => records.push(r));
  try {
    for (let i = 0; i < buf.length; i += chunk) reader.push(buf.subarray(i, i + chunk));
    reader.end();
    return { records };
  } catch (e) {
    if (!(e instanceof CsvSyntaxError)) throw e;
    return { error: { code: e.code, lines: e.lines, column: e.column, index: e.index } };
  }
};

describe('the CSV reader', () => {
  it.each([
    ['a BOM, CRLF and quoted fields with doubled quotes', '\ufeffa,b\r\n1,"x ""y"", z"\r\n 2 ,  "w"  \r\n'],
    ['blank lines and a last line without its end', 'a,b\n\n1,2\n   \n3,4'],
    ['a line end inside quotes', 'a,b\n"1\n2",3\n'],
    ['a stray quote', 'a,b\n1,x"y\n'],
    ['text after a closing quote', 'a,b\n"1"x,2\n'],
    ['an unclosed quote', 'a,b\n1,"2\n'],
    ['a short row and a long row', 'a,b\n1\n1,2,3\n'],
    ['CR line ends', 'a,b\r1,2\r3,4\r'],
    ['UTF-8 text', 'name,city\nJosé,Zürich\n"Ærø, DK",東京\n'],
  ])('reads %s as csv-parse did, in any chunking', (_what, text) => {
    const buf = Buffer.from(text);
    const expected = reference(buf);
    for (const chunk of [1, 2, 3, 7, buf.length]) expect(ours(buf, chunk)).toEqual(expected);
  });

  it('agrees with csv-parse on 20,000 random inputs of quotes, separators, line ends and spaces', () => {
    const alphabet = ['a', 'b', ',', ',', '"', '"', '\n', '\r', '\r\n', ' ', '\t', 'é', '\f', 'x y'];
    let seed = 42;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const differences: string[] = [];
    for (let t = 0; t < 20_000; t++) {
      let text = rnd() < 0.5 ? 'h1,h2\n' : rnd() < 0.5 ? 'h1,h2\r\n' : '';
      const n = Math.floor(rnd() * 24);
      for (let i = 0; i < n; i++) text += alphabet[Math.floor(rnd() * alphabet.length)];
      const buf = Buffer.from(text);
      const expected = JSON.stringify(reference(buf));
      for (const chunk of [1, 3, 64])
        if (JSON.stringify(ours(buf, chunk)) !== expected)
          differences.push(`${JSON.stringify(text)} in chunks of ${chunk}`);
    }
    expect(differences).toEqual([]);
  });

  it('agrees with csv-parse on 2,000 random files of mostly plain rows, a few not', () => {
    // Plain rows are read whole; any odd byte sends a row back to the byte-by-byte reading.
    const odd = ['"q"', ' a', 'b ', '\t', '\v', '\f', 'é', '', ' ', '\r', '\n', 'x"y', '"a,b"', '\u00a0'];
    let seed = 7;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const differences: string[] = [];
    for (let t = 0; t < 2_000; t++) {
      const end = ['\n', '\r\n', '\r'][t % 3]!;
      const columns = 1 + Math.floor(rnd() * 4);
      let text = Array.from({ length: columns }, (_, i) => `c${i}`).join(',') + end;
      const rows = Math.floor(rnd() * 40);
      for (let r = 0; r < rows; r++) {
        const width = rnd() < 0.05 ? columns + (rnd() < 0.5 ? 1 : -1) : columns;
        const cells = Array.from({ length: Math.max(0, width) }, () =>
          rnd() < 0.03 ? odd[Math.floor(rnd() * odd.length)]! : String(Math.floor(rnd() * 1e6) / 1e3),
        );
        text += cells.join(',') + (rnd() < 0.03 ? end + end : rnd() < 0.02 ? ' ' + end : end);
      }
      if (rnd() < 0.3) text = text.slice(0, -end.length);
      const buf = Buffer.from(text);
      const expected = JSON.stringify(reference(buf));
      for (const chunk of [5, 64, buf.length])
        if (JSON.stringify(ours(buf, chunk)) !== expected)
          differences.push(`${JSON.stringify(text)} in chunks of ${chunk}`);
    }
    expect(differences.slice(0, 3)).toEqual([]);
  });
});
