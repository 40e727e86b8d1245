import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readEvaluationData } from '../../src/tabular/parse.ts';
import type { EvaluationSpec } from '../../src/domain/metrics/evaluate.ts';

// Evaluation data read from CSV rows as the reader holds them (numbers from bytes, short labels
// shared) must equal what the record path reads: the same columns, profile, digest, or error.
const read = async (text: string, spec: EvaluationSpec, chunk: number, csvRecords: boolean, maxRows = 1000) => {
  const buf = Buffer.from(text);
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  try {
    const r = await readEvaluationData(Readable.from(parts), 'csv', spec, {
      positiveLabel: '1',
      maxRows,
      maxBytes: 1 << 20,
      ranges: { p: [0.1, 0.9] },
      csvRecords,
    });
    return JSON.parse(
      JSON.stringify(r, (_k, v) =>
        ArrayBuffer.isView(v) ? Array.from(v as Float64Array, (x) => (Object.is(x, -0) ? '-0' : x)) : v,
      ),
    );
  } catch (e) {
    return { error: (e as Error).message, detail: JSON.stringify(e) };
  }
};

const binary: EvaluationSpec = {
  task: 'binary-classification',
  label: 'y',
  prediction: 'yhat',
  score: 'p',
  weight: 'w',
  sensitive: ['group'],
};
const regression: EvaluationSpec = { task: 'regression', label: 'y', prediction: 'yhat', sensitive: ['group'] };

describe('CSV rows read from bytes', () => {
  it('read 500 random files as the record path does, values, profile and errors alike', async () => {
    let seed = 99;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const score = () =>
      pick([
        () => String(rnd()),
        () => rnd().toFixed(3),
        () => ` ${rnd()} `,
        () => `"${rnd()}"`,
        () => '1e-3',
        () => '-0',
        () => '0.5\u00a0',
        () => '',
        () => '.5',
        () => '1.',
        () => '2',
        () => 'x',
        () => '0.3000000000000000444',
        () => '0.00',
      ])();
    const label = () => pick(['1', '0', '0', '1', ' 1', '"0"', '', 'yes', '1.0', '\u00a0']);
    const group = () =>
      pick(['a', 'b', 'é', '"c,d"', ' a ', '', 'long group name', 'a@b.example.com', '4111111111111111']);
    const differences: string[] = [];
    let readable = 0;
    let refused = 0;
    for (let t = 0; t < 500; t++) {
      const header = pick(['y,yhat,p,w,group', 'group,w,p,yhat,y', 'y,yhat,p,w,group,y', '\ufeffy,yhat,p,w,group']);
      const names = header.replace('\ufeff', '').split(',');
      const rows = Math.floor(rnd() * 6);
      let text = header + pick(['\n', '\r\n']);
      for (let r = 0; r < rows; r++) {
        const cells = names.map((n) =>
          n === 'y' || n === 'yhat'
            ? rnd() < 0.9
              ? pick(['0', '1'])
              : label()
            : n === 'group'
              ? group()
              : rnd() < 0.9
                ? String(rnd())
                : score(),
        );
        if (rnd() < 0.03) cells.pop();
        text += cells.join(',') + (rnd() < 0.03 ? '"' : '') + pick(['\n', '\r\n']);
      }
      for (const spec of [binary, regression]) {
        const chunk = pick([3, 64, 4096]);
        const ours = JSON.stringify(await read(text, spec, chunk, false));
        const records = JSON.stringify(await read(text, spec, chunk, true));
        if (ours.startsWith('{"error"')) refused++;
        else readable++;
        if (ours !== records)
          differences.push(`${JSON.stringify(text)} (${spec.task}, chunks of ${chunk}):\n${ours}\n${records}`);
      }
    }
    expect(differences.slice(0, 3)).toEqual([]);
    // Both outcomes were compared often: files read, and files refused.
    expect(readable).toBeGreaterThan(150);
    expect(refused).toBeGreaterThan(150);
  }, 120_000);

  it('scan the same cells for personal data past the distinct-value cap as the record path', async () => {
    let seed = 3;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    let text = 'y,yhat,p,w,group,note\n';
    // 12,000 distinct decimals fill the profile's distinct values; then decimals that a phone or
    // card number could hide in, or not, among plain ones.
    const odd = ['0049.301234567', '1.0049301234567', '-00.5', '-0.0012', '1.00', '0.00', '00', '12', '-12.5'];
    for (let i = 0; i < 12_100; i++) {
      const p = rnd();
      const note = i < 12_000 ? String(rnd()) : i % 2 ? odd[i % odd.length]! : `${(i % 3) - 1}.${i}`;
      text += `${p < 0.4 ? 1 : 0},${p > 0.5 ? 1 : 0},${p},1,${'ab'[i & 1]},${note}\n`;
    }
    const ours = await read(text, binary, 65_536, false, 100_000);
    expect(ours.error).toBeUndefined();
    const note = ours.profile.columns.find((c: { column: string }) => c.column === 'note');
    expect(note.distinctCapped).toBe(true);
    expect(note.personalData.map((p: { kind: string }) => p.kind)).toEqual(['phone']);
    expect(ours).toEqual(await read(text, binary, 65_536, true, 100_000));
  });

  it('read a large file of full-precision scores as the record path does, to the bit', async () => {
    let seed = 5;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    let text = 'y,yhat,p,w,group\n';
    for (let i = 0; i < 20_000; i++) {
      const p = rnd();
      text += `${p < 0.4 ? 1 : 0},${p > 0.5 ? 1 : 0},${p},${rnd() * 3},${'abcd'[i & 3]}\n`;
    }
    const ours = await read(text, binary, 65_536, false, 100_000);
    expect(ours.error).toBeUndefined();
    expect(ours.data.score).toHaveLength(20_000);
    expect(ours).toEqual(await read(text, binary, 65_536, true, 100_000));
  });
});
