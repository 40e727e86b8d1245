import { LevelCurve } from '../../ui/charts.tsx';
import type { Evidence } from '../../api/version-types.ts';

interface Scores {
  metrics: Record<string, number | string | null>;
}
interface Level extends Scores {
  kind: 'noise' | 'swap' | 'missing';
  level: number;
  key: string;
  drop: Record<string, number | string | null>;
  groups: (Scores & { column: string; group: string; rows: number })[];
}
interface Result {
  rows?: number;
  dataRows?: number;
  baseline?: Scores & { groups: (Scores & { column: string; group: string; rows: number })[] };
  levels?: Level[];
  missing?: { injected: boolean; accepted?: boolean; reason?: string };
  features?: { name: string; kind: string; perturbed: boolean; sd?: number; categories?: number }[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
// Integers (counts) as integers, the rest to four decimals.
const show = (v: unknown) => (num(v) === null ? '—' : Number.isInteger(num(v)) ? String(num(v)) : num(v)!.toFixed(4));
const AXIS = {
  noise: 'Gaussian noise (standard deviations)',
  swap: 'category swap rate',
  missing: 'missing-value rate',
};
/** The metric each task's curve shows first: ROC AUC, accuracy, or R² for regression. */
const HEADLINE = ['auc', 'accuracy', 'r2'];

/** A robustness run: each metric's degradation curve per kind of perturbation, overall and per subgroup. */
export function Robustness({ e }: { e: Evidence }) {
  const r = (e.result ?? {}) as Result;
  const levels = r.levels ?? [];
  const baseline = r.baseline;
  if (!baseline) return null;
  const metrics = Object.keys(baseline.metrics);
  const headline = HEADLINE.find((m) => metrics.includes(m)) ?? metrics[0]!;
  const kinds = (['noise', 'swap', 'missing'] as const).filter((k) => levels.some((l) => l.kind === k));
  return (
    <div className="evidence">
      <p className="sub">
        {r.rows} rows sampled of {r.dataRows}; perturbed:{' '}
        {(r.features ?? [])
          .filter((f) => f.perturbed)
          .map((f) => `${f.name} (${f.kind})`)
          .join(', ')}
      </p>
      {kinds.map((kind) => {
        const at = levels.filter((l) => l.kind === kind);
        return (
          <LevelCurve
            key={kind}
            title={`${headline} under ${AXIS[kind].split(' (')[0]}, overall and per group`}
            xLabel={AXIS[kind]}
            series={[
              {
                name: 'overall',
                points: [
                  { x: 0, y: num(baseline.metrics[headline]) },
                  ...at.map((l) => ({ x: l.level, y: num(l.metrics[headline]) })),
                ],
              },
              ...baseline.groups.map((g, i) => ({
                name: `${g.column}=${g.group}`,
                points: [
                  { x: 0, y: num(g.metrics[headline]) },
                  ...at.map((l) => ({ x: l.level, y: num(l.groups[i]?.metrics[headline]) })),
                ],
              })),
            ]}
          />
        );
      })}
      {r.missing?.injected && r.missing.accepted === false && (
        <p className="muted">Missing values: {r.missing.reason}</p>
      )}
      <table className="grid metrics">
        <caption>Degradation (value, and drop from baseline: positive is worse)</caption>
        <thead>
          <tr>
            <th scope="col">level</th>
            {metrics.map((m) => (
              <th key={m} scope="col">
                {m}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">baseline</th>
            {metrics.map((m) => (
              <td key={m}>{show(baseline.metrics[m])}</td>
            ))}
          </tr>
          {levels.map((l) => (
            <tr key={l.key}>
              <th scope="row">{l.key}</th>
              {metrics.map((m) => (
                <td key={m}>
                  {show(l.metrics[m])} ({show(l.drop[m])})
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
