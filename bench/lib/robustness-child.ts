// One measurement in its own process (so its peak RSS is its own): `evaluate ROWS` runs a
// 20-feature logistic ONNX model over ROWS in-memory rows and evaluates its predictions (no
// explanations); `robustness ROWS LEVELS` runs the robustness test of the same model on the same
// rows at LEVELS Gaussian noise levels. Prints JSON: median seconds of `repeats` runs, peak RSS, and
// a figure to check the two agree (baseline accuracy).
import { peakRssMiB } from './peak-rss.ts';
import type { DataProfile } from '../../src/domain/metrics/data-profile.ts';
import type { EvaluationData, EvaluationSpec } from '../../src/domain/metrics/evaluate.ts';
import { DEFAULT_ROBUSTNESS } from '../../src/domain/robustness/options.ts';
import { runRobustness } from '../../src/tabular/robustness.ts';
import { openModel, runEvaluation } from '../../src/tabular/run.ts';
import { linearOnnxModel } from '../../test/helpers/onnx-model.ts';

const [mode, rowsArg, levelsArg, repeatsArg] = process.argv.slice(2) as [string, string, string, string];
const rows = Number(rowsArg);
const F = 20;
const names = Array.from({ length: F }, (_, j) => `x${j}`);
const weights = names.map((_, j) => ((j % 5) - 2) * 0.4 + 0.1);
const bytes = linearOnnxModel({ weights, bias: 0.2, kind: 'logistic' });

let s = 20_261_205;
const uniform = () => ((s = (s * 16807) % 2147483647), s / 2147483647);
const values = new Float64Array(rows * F);
const yTrue = new Float64Array(rows);
const group: string[] = [];
for (let i = 0; i < rows; i++) {
  let z = 0.2;
  for (let j = 0; j < F; j++) {
    const v = uniform() * 4 - 2;
    values[i * F + j] = v;
    z += weights[j]! * v;
  }
  yTrue[i] = z > 0 !== uniform() < 0.05 ? 1 : 0;
  group.push(i % 4 === 0 ? 'b' : 'a');
}
const spec: EvaluationSpec = { task: 'binary-classification', label: 'y', features: names, sensitive: ['group'] };
const data = (): EvaluationData => ({
  yTrue,
  yPred: new Float64Array(0),
  sensitive: { group },
  features: { names, values },
});
const profile = { rows, duplicateRows: 0, duplicatesCheckedRows: rows, missingRate: 0, columns: [] } as DataProfile;

const times: number[] = [];
let accuracy = NaN;
for (let k = 0; k < Number(repeatsArg ?? 1); k++) {
  const start = performance.now();
  const file = { bytes, source: 'bench', options: {} };
  const opened = await openModel(file, spec);
  try {
    if (mode === 'evaluate') {
      const r = await runEvaluation(opened.spec, data(), profile, { loaded: opened.loaded, file }, false);
      accuracy = r.metrics.accuracy!;
    } else {
      const noise = DEFAULT_ROBUSTNESS.noise.slice(0, Number(levelsArg));
      const r = await runRobustness(
        opened.spec,
        data(),
        { loaded: opened.loaded, file },
        {
          ...DEFAULT_ROBUSTNESS,
          noise,
          rows,
        },
      );
      accuracy = (r.baseline as { metrics: Record<string, number> }).metrics.accuracy!;
    }
  } finally {
    await opened.loaded.release();
  }
  times.push((performance.now() - start) / 1000);
}
const seconds = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
process.stdout.write(JSON.stringify({ seconds, accuracy, maxRssMiB: peakRssMiB() }));
