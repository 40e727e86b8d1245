import { groupRows } from '../metrics/fairness.ts';
import { batchRows, type Predictor, type SampledRows } from '../explain/model.ts';
import { sampleIndices, seededRandom } from '../explain/random.ts';
import { degradation, scoreRows, type Predictions, type Truth } from './metrics.ts';
import {
  LOWER_IS_BETTER,
  perturbationsOf,
  robustnessProblems,
  type OptionProblem,
  type Perturbation,
  type RobustnessOptions,
} from './options.ts';
import { perturber, planFeatures, type FeaturePlan } from './perturb.ts';

export interface GroupScore {
  column: string;
  group: string;
  rows: number;
  metrics: Record<string, number>;
}

export interface LevelResult extends Perturbation {
  metrics: Record<string, number>;
  drop: Record<string, number>;
  groups: (GroupScore & { drop: Record<string, number> })[];
  /** Per metric, the subgroup (of at least minGroupRows rows) that degrades most. */
  worstGroup: Record<string, { column: string; group: string; drop: number; value: number } | null>;
}

export interface RobustnessResult {
  task: Truth['task'];
  /** Rows the run sampled, of the data's rows. */
  rows: number;
  dataRows: number;
  options: RobustnessOptions;
  features: {
    name: string;
    kind: 'numerical' | 'categorical';
    perturbed: boolean;
    sd?: number;
    categories?: number;
    acceptsMissing: boolean;
  }[];
  baseline: { metrics: Record<string, number>; groups: GroupScore[] };
  levels: LevelResult[];
  /** Whether missing values could be fed to the model, and why not when they could not. */
  missing: { injected: boolean; accepted?: boolean; reason?: string };
  /** Flat metrics policy `check` measures read, e.g. `robustness.auc-drop@0.1sd` (null where undefined). */
  checks: Record<string, number | null>;
}

/** Robustness options refused for this model: problems carry pointers relative to the options. */
export class RobustnessOptionsError extends Error {
  constructor(readonly problems: OptionProblem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

/**
 * The features a run perturbs and how, from the options and the model: categorical ones are those
 * named (by default, those fed to integer inputs), the rest numerical; integer inputs cannot take a
 * missing value. Throws RobustnessOptionsError for names the model does not take and for levels of
 * a kind no perturbed feature can receive.
 */
export function checkFeatures(names: string[], integerInputs: string[], opts: RobustnessOptions) {
  const problems = robustnessProblems(opts, names);
  if (problems.length > 0) throw new RobustnessOptionsError(problems);
  const categorical = new Set(opts.categorical ?? integerInputs);
  const perturbed = new Set(opts.perturb ?? names);
  const ints = new Set(integerInputs);
  if (opts.swapRates.length > 0 && ![...perturbed].some((f) => categorical.has(f)))
    problems.push({
      pointer: '/swapRates',
      message: 'swapRates need a categorical feature to swap: name them in categorical',
    });
  if (opts.noise.length > 0 && ![...perturbed].some((f) => !categorical.has(f)))
    problems.push({
      pointer: '/noise',
      message: 'noise needs a numerical feature: every perturbed feature is categorical',
    });
  if (opts.missingRates.length > 0 && ![...perturbed].some((f) => !ints.has(f)))
    problems.push({
      pointer: '/missingRates',
      message:
        "missingRates: the perturbed features are all fed to the model's integer inputs, which cannot hold a missing value",
    });
  if (problems.length > 0) throw new RobustnessOptionsError(problems);
  return { categorical, perturbed, integerInputs: ints };
}

/** FNV-1a, 32 bits: a stable seed offset per level key. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The rows a robustness run samples from, and its task. */
export type RobustnessRows = SampledRows & { task: Truth['task'] };

/**
 * Perturbs the model's inputs and records how each metric degrades: Gaussian noise on numerical
 * features at fractions of their standard deviation, category swaps at given rates, missing values
 * at given rates (where the model accepts them; if its output is not finite, missing levels are
 * reported as not accepted). Overall and per subgroup of each sensitive column. Rows are sampled and
 * every perturbation drawn from `opts.seed`, each level from its own stream, so a run is
 * reproducible. Memory is the sampled rows plus one batch and one level's predictions (two
 * columns, reused).
 */
export async function robustnessRun(
  model: Predictor,
  data: RobustnessRows,
  integerInputs: string[],
  opts: RobustnessOptions,
): Promise<RobustnessResult> {
  const all = data.features;
  const { categorical, perturbed, integerInputs: ints } = checkFeatures(all.names, integerInputs, opts);
  const sample = sampleIndices(all.rows, opts.rows, seededRandom(opts.seed));
  const n = sample.length;
  // The sampled rows, in order: the k-th row of `m` is row sample[k] of the data.
  const m = all.select(sample);
  const plans = planFeatures(
    m,
    Int32Array.from({ length: n }, (_, k) => k),
    categorical,
    perturbed,
    ints,
  );
  const sampledTruth: Truth = { task: data.task, ...data.truthOf(sample) };
  const groups = Object.entries(data.sensitiveOf(sample)).flatMap(([column, values]) => {
    const g = groupRows(values);
    return g.labels.map((label, k) => ({ column, group: String(label), rows: Int32Array.from(g.rows[k]!) }));
  });

  const f = m.features;
  const step = batchRows(f);
  const batch = new Float64Array(Math.min(step, n) * f);
  const predictions: Predictions = { output: new Float64Array(n), target: new Float64Array(n) };
  const predict = async (perturb?: (x: Float64Array, rows: number) => void) => {
    for (let start = 0; start < n; start += step) {
      const rows = Math.min(step, n - start);
      batch.set(m.values.subarray(start * f, (start + rows) * f));
      const x = batch.subarray(0, rows * f);
      perturb?.(x, rows);
      const r = await model.predict(x, rows);
      predictions.output.set(r.output, start);
      predictions.target.set(r.target, start);
    }
  };
  const score = () => ({
    metrics: scoreRows(sampledTruth, predictions),
    groups: groups.map((g) => ({
      column: g.column,
      group: g.group,
      rows: g.rows.length,
      metrics: scoreRows(sampledTruth, predictions, g.rows),
    })),
  });

  await predict();
  if (data.task === 'binary-classification') {
    const bad = predictions.output.findIndex((v) => !(v >= 0 && v <= 1));
    if (bad >= 0)
      throw new RobustnessOptionsError([
        {
          pointer: '/output',
          message: `the model's output for row ${sample[bad]! + 1} is ${predictions.output[bad]}, not a probability; choose the probability output with 'output'`,
        },
      ]);
  }
  const baseline = score();
  const levels: LevelResult[] = [];
  const missing: RobustnessResult['missing'] = { injected: opts.missingRates.length > 0 };
  const perturbations = perturbationsOf(opts);
  for (const p of perturbations) {
    if (p.kind === 'missing' && missing.accepted === false) continue;
    // Each level draws from its own stream, named by its key: adding or removing a level leaves the others' draws alone.
    const random = seededRandom((opts.seed ^ fnv1a(p.key)) >>> 0);
    if (p.kind === 'missing') {
      // A model may refuse missing values outright rather than answer NaN: that is its answer too.
      try {
        await predict(perturber(p, plans, random));
      } catch (err) {
        missing.accepted = false;
        missing.reason = `with missing values the model failed to run (${(err as Error).message}): it does not accept missing values`;
        continue;
      }
    } else await predict(perturber(p, plans, random));
    if (p.kind === 'missing') {
      const bad = predictions.output.findIndex(
        (v, r) =>
          !Number.isFinite(v) ||
          !Number.isFinite(predictions.target[r]!) ||
          (data.task === 'binary-classification' && (v < 0 || v > 1)),
      );
      missing.accepted = bad < 0;
      if (bad >= 0) {
        missing.reason = `with missing values the model's output for sampled row ${sample[bad]! + 1} is ${predictions.output[bad]}: it does not accept missing values`;
        continue;
      }
    }
    const s = score();
    const scored = s.groups.map((g, i) => ({ ...g, drop: degradation(baseline.groups[i]!.metrics, g.metrics) }));
    const worstGroup = Object.fromEntries(
      Object.keys(baseline.metrics).map((metric) => {
        const eligible = scored.filter((g) => g.rows >= opts.minGroupRows && Number.isFinite(g.drop[metric]!));
        const worst = eligible.reduce<(typeof scored)[number] | null>(
          (w, g) => (w === null || g.drop[metric]! > w.drop[metric]! ? g : w),
          null,
        );
        return [
          metric,
          worst && {
            column: worst.column,
            group: worst.group,
            drop: worst.drop[metric]!,
            value: worst.metrics[metric]!,
          },
        ];
      }),
    );
    levels.push({
      ...p,
      metrics: s.metrics,
      drop: degradation(baseline.metrics, s.metrics),
      groups: scored,
      worstGroup,
    });
  }

  const checks: Record<string, number | null> = {};
  for (const l of levels)
    for (const metric of Object.keys(l.metrics)) {
      checks[`robustness.${metric}@${l.key}`] = finite(l.metrics[metric]!);
      checks[`robustness.${metric}-drop@${l.key}`] = finite(l.drop[metric]!);
      // The worst group's value is the lowest (highest where lower is better) among eligible groups.
      const values = l.groups
        .filter((g) => g.rows >= opts.minGroupRows && Number.isFinite(g.metrics[metric]!))
        .map((g) => g.metrics[metric]!);
      checks[`robustness.worst-group.${metric}@${l.key}`] =
        values.length === 0 ? null : LOWER_IS_BETTER.has(metric) ? Math.max(...values) : Math.min(...values);
      checks[`robustness.worst-group.${metric}-drop@${l.key}`] = finite(l.worstGroup[metric]?.drop ?? NaN);
    }

  return {
    task: data.task,
    rows: n,
    dataRows: all.rows,
    options: opts,
    features: plans.map((p: FeaturePlan) => ({
      name: p.name,
      kind: p.kind,
      perturbed: p.perturbed,
      ...(p.sd !== undefined ? { sd: p.sd } : {}),
      ...(p.categories ? { categories: p.categories.length } : {}),
      acceptsMissing: p.acceptsMissing,
    })),
    baseline: { metrics: baseline.metrics, groups: baseline.groups },
    levels,
    missing,
    checks,
  };
}
