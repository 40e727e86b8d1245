/**
 * Robustness runs: their options, the bounds they must keep, and the names of the metrics they
 * record (the names policy `check` measures read, e.g. `robustness.auc-drop@0.1sd`).
 */

/** Largest Gaussian noise level, in standard deviations of each feature. */
export const MAX_NOISE_SD = 5;
/** Smallest noise level or rate: smaller ones would need an exponent to be written as a metric name. */
export const MIN_LEVEL = 0.0001;
/** Most levels per kind of perturbation (noise, swaps, missing values). */
export const MAX_LEVELS = 10;
/** Most rows a run samples from the data. */
export const MAX_ROBUSTNESS_ROWS = 1_000_000;
/** Most model rows one run may ask for: sampled rows x (levels + the unperturbed baseline). */
export const MAX_ROBUSTNESS_MODEL_ROWS = 20_000_000;

export interface RobustnessOptions {
  /** Gaussian noise levels, as fractions of each numerical feature's standard deviation. */
  noise: number[];
  /** Category swap rates: the share of categorical cells replaced by another observed category. */
  swapRates: number[];
  /** Missing-value rates: the share of cells set missing (NaN), where the model accepts it. */
  missingRates: number[];
  /** Features treated as categories (swapped, never noised); default: those fed to integer inputs. */
  categorical?: string[];
  /** Features perturbed (default: all the model's features). */
  perturb?: string[];
  /** Rows sampled from the data (all of them when there are fewer). */
  rows: number;
  /** Smallest subgroup whose degradation counts for the worst-group metrics. */
  minGroupRows: number;
  seed: number;
}

export const DEFAULT_ROBUSTNESS: RobustnessOptions = {
  noise: [0.05, 0.1, 0.25, 0.5, 1],
  swapRates: [],
  missingRates: [],
  rows: 100_000,
  minGroupRows: 30,
  seed: 0,
};

/** The three kinds of perturbation and how their level is written in a metric name. */
export type PerturbationKind = 'noise' | 'swap' | 'missing';

/** One perturbation of a run: its kind, its level, and its key in metric names (`0.1sd`, `swap0.05`, `missing0.1`). */
export interface Perturbation {
  kind: PerturbationKind;
  level: number;
  key: string;
}

/** The key of a perturbation in metric names: the level as JavaScript writes the number. */
export const perturbationKey = (kind: PerturbationKind, level: number): string =>
  kind === 'noise' ? `${level}sd` : `${kind}${level}`;

/** The perturbations of a run, in a fixed order: noise, then swaps, then missing values, each ascending. */
export function perturbationsOf(opts: Pick<RobustnessOptions, 'noise' | 'swapRates' | 'missingRates'>): Perturbation[] {
  const of = (kind: PerturbationKind, levels: number[]) =>
    [...levels].sort((a, b) => a - b).map((level) => ({ kind, level, key: perturbationKey(kind, level) }));
  return [...of('noise', opts.noise), ...of('swap', opts.swapRates), ...of('missing', opts.missingRates)];
}

export interface OptionProblem {
  /** JSON pointer relative to the options (`/noise`, `/categorical`...). */
  pointer: string;
  message: string;
}

/**
 * What is wrong with robustness options before any data is read: levels out of bounds, repeated,
 * too many; a run that would ask the model for too many rows; features the model does not take.
 * `features` are the model's features when known (then names are checked against them).
 */
export function robustnessProblems(opts: RobustnessOptions, features?: string[]): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const levels = (name: 'noise' | 'swapRates' | 'missingRates', values: number[], max: number, unit: string) => {
    const pointer = `/${name}`;
    if (values.length > MAX_LEVELS)
      problems.push({ pointer, message: `${name} has ${values.length} levels; at most ${MAX_LEVELS} are allowed` });
    for (const v of values) {
      if (!Number.isFinite(v) || v < MIN_LEVEL || v > max) {
        problems.push({
          pointer,
          message: `${name} level ${v} is outside the bounds: each must be between ${MIN_LEVEL} and ${max}${unit}`,
        });
        break;
      }
    }
    const twice = values.find((v, i) => values.indexOf(v) !== i);
    if (twice !== undefined) problems.push({ pointer, message: `${name} level ${twice} is given twice` });
  };
  levels('noise', opts.noise, MAX_NOISE_SD, ' standard deviations');
  levels('swapRates', opts.swapRates, 1, ' (a share of the cells)');
  levels('missingRates', opts.missingRates, 1, ' (a share of the cells)');
  const count = opts.noise.length + opts.swapRates.length + opts.missingRates.length;
  if (count === 0)
    problems.push({
      pointer: '/noise',
      message: 'no perturbation asked for: give noise, swapRates or missingRates levels',
    });
  if (!Number.isInteger(opts.rows) || opts.rows < 1 || opts.rows > MAX_ROBUSTNESS_ROWS)
    problems.push({ pointer: '/rows', message: `rows must be an integer between 1 and ${MAX_ROBUSTNESS_ROWS}` });
  else if (opts.rows * (count + 1) > MAX_ROBUSTNESS_MODEL_ROWS)
    problems.push({
      pointer: '/rows',
      message: `${opts.rows} rows x ${count + 1} runs (levels and the baseline) is over the ${MAX_ROBUSTNESS_MODEL_ROWS} model rows allowed; lower rows or the number of levels`,
    });
  if (!Number.isInteger(opts.minGroupRows) || opts.minGroupRows < 1)
    problems.push({ pointer: '/minGroupRows', message: 'minGroupRows must be a positive integer' });
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff)
    problems.push({ pointer: '/seed', message: 'seed must be an integer between 0 and 4294967295' });
  for (const name of ['categorical', 'perturb'] as const) {
    const list = opts[name];
    if (!list) continue;
    const twice = list.find((f, i) => list.indexOf(f) !== i);
    if (twice !== undefined) problems.push({ pointer: `/${name}`, message: `${name} names '${twice}' twice` });
    const unknown = features ? list.filter((f) => !features.includes(f)) : [];
    if (unknown.length > 0)
      problems.push({
        pointer: `/${name}`,
        message: `${name} names ${unknown.map((f) => `'${f}'`).join(', ')}, not among the model's features (${features!.map((f) => `'${f}'`).join(', ')})`,
      });
  }
  return problems;
}

/** Metrics a robustness run records per task; `drop` is always the degradation (positive = worse). */
export const ROBUSTNESS_METRICS: Record<
  'binary-classification' | 'multiclass-classification' | 'regression',
  string[]
> = {
  'binary-classification': ['accuracy', 'f1', 'auc', 'log-loss'],
  'multiclass-classification': ['accuracy', 'macro-f1'],
  regression: ['mae', 'rmse', 'r2'],
};

/** Metrics where a lower value is better: their drop is the rise. */
export const LOWER_IS_BETTER = new Set(['log-loss', 'mae', 'rmse']);

const ALL_METRICS = [...new Set(Object.values(ROBUSTNESS_METRICS).flat())];

/** A number as a metric name writes it: as JavaScript prints it, without exponent or trailing zeros. */
const PLAIN_NUMBER = /^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/;

/**
 * Reads a robustness metric name, `robustness.[worst-group.]<metric>[-drop]@<perturbation>` where
 * the perturbation is `<x>sd` (Gaussian noise of x standard deviations), `swap<r>` (category swaps
 * at rate r) or `missing<r>` (missing values at rate r). Returns what it names, or why it is not one.
 */
export function parseRobustnessMetric(
  name: string,
):
  | { ok: true; metric: string; drop: boolean; worstGroup: boolean; kind: PerturbationKind; level: number }
  | { ok: false; message: string } {
  const grammar =
    'robustness metrics read robustness.[worst-group.]<metric>[-drop]@<level>, the level being <x>sd, swap<rate> or missing<rate>, e.g. robustness.auc-drop@0.1sd';
  const m = /^robustness\.(worst-group\.)?([a-z0-9-]+?)(-drop)?@([a-z]*)([0-9.]+)([a-z]*)$/.exec(name);
  if (!m) return { ok: false, message: `'${name}' is not a robustness metric: ${grammar}` };
  const [, worst, metric, drop, prefix, number, suffix] = m as unknown as string[];
  if (!ALL_METRICS.includes(metric!))
    return {
      ok: false,
      message: `'${metric}' in '${name}' is not a metric robustness runs record; use one of ${ALL_METRICS.join(', ')}`,
    };
  const kind: PerturbationKind | undefined =
    prefix === '' && suffix === 'sd'
      ? 'noise'
      : prefix === 'swap' && suffix === ''
        ? 'swap'
        : prefix === 'missing' && suffix === ''
          ? 'missing'
          : undefined;
  if (!kind)
    return {
      ok: false,
      message: `'${prefix}${number}${suffix}' in '${name}' is not a perturbation level: write <x>sd, swap<rate> or missing<rate>`,
    };
  if (!PLAIN_NUMBER.test(number!))
    return {
      ok: false,
      message: `'${number}' in '${name}' is not written as runs record it: a plain decimal without trailing zeros (0.1, not 0.10 or .1)`,
    };
  const level = Number(number);
  const max = kind === 'noise' ? MAX_NOISE_SD : 1;
  if (level < MIN_LEVEL || level > max)
    return { ok: false, message: `level ${level} in '${name}' is outside ${MIN_LEVEL}..${max}, so no run records it` };
  return { ok: true, metric: metric!, drop: drop !== undefined, worstGroup: worst !== undefined, kind, level };
}
