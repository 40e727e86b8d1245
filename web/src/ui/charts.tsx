// Small SVG charts: they render under the console's strict CSP (no inline style sheets, no
// canvas fonts), are readable by screen readers through their titles and tables, and cost no bundle.

const fmt = (v: number) =>
  Number.isInteger(v) || Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);

/** Horizontal bars per group (fairness per group, feature importance), with an optional threshold line. */
export function Bars({
  title,
  items,
  threshold,
  max,
}: {
  title: string;
  items: { label: string; value: number; flag?: boolean }[];
  threshold?: { value: number; label: string };
  max?: number;
}) {
  const top = Math.max(max ?? 0, threshold?.value ?? 0, ...items.map((i) => Math.abs(i.value)), 1e-9);
  const row = 22;
  const left = 140;
  const width = 480;
  const h = items.length * row + 28;
  const x = (v: number) => left + (Math.abs(v) / top) * (width - left - 50);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${h}`} role="img" aria-label={title} width="100%">
        <title>{title}</title>
        {items.map((it, i) => (
          <g key={it.label} transform={`translate(0 ${i * row + 4})`}>
            <text x={left - 6} y={14} textAnchor="end" className="axis">
              {it.label.length > 22 ? `${it.label.slice(0, 21)}…` : it.label}
            </text>
            <rect
              x={left}
              y={3}
              width={Math.max(1, x(it.value) - left)}
              height={14}
              className={it.flag ? 'bar bad' : 'bar'}
            />
            <text x={x(it.value) + 4} y={14} className="axis">
              {fmt(it.value)}
            </text>
          </g>
        ))}
        {threshold && (
          <g>
            <line x1={x(threshold.value)} x2={x(threshold.value)} y1={0} y2={h - 18} className="threshold" />
            <text x={x(threshold.value)} y={h - 4} textAnchor="middle" className="axis threshold-label">
              {threshold.label}
            </text>
          </g>
        )}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}

/** A ROC curve from (false positive rate, true positive rate) points, with the chance diagonal. */
export function RocCurve({ points, auc }: { points: [number, number][]; auc?: number }) {
  const s = 220;
  const m = 30;
  const px = (v: number) => m + v * s;
  const py = (v: number) => m + s - v * s;
  const d = points.map(([f, t], i) => `${i ? 'L' : 'M'}${px(f).toFixed(1)},${py(t).toFixed(1)}`).join(' ');
  const title = `ROC curve${auc !== undefined ? `, AUC ${auc.toFixed(3)}` : ''}`;
  return (
    <figure className="chart small">
      <svg viewBox={`0 0 ${s + 2 * m} ${s + 2 * m}`} role="img" aria-label={title} width="280">
        <title>{title}</title>
        <rect x={m} y={m} width={s} height={s} className="frame" />
        <line x1={px(0)} y1={py(0)} x2={px(1)} y2={py(1)} className="diagonal" />
        <path d={d} className="line" />
        <text x={m + s / 2} y={s + 2 * m - 4} textAnchor="middle" className="axis">
          false positive rate
        </text>
        <text x={10} y={m + s / 2} textAnchor="middle" className="axis" transform={`rotate(-90 10 ${m + s / 2})`}>
          true positive rate
        </text>
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}

/** A confusion matrix as a shaded table (rows: actual, columns: predicted). */
export function ConfusionMatrix({ labels, matrix }: { labels: string[]; matrix: number[][] }) {
  const max = Math.max(1, ...matrix.flat());
  return (
    <figure className="chart small">
      <table className="confusion">
        <caption>Confusion matrix (rows actual, columns predicted)</caption>
        <thead>
          <tr>
            <th scope="col">actual \ predicted</th>
            {labels.map((l) => (
              <th key={l} scope="col">
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((r, i) => (
            <tr key={i}>
              <th scope="row">{labels[i]}</th>
              {r.map((v, j) => (
                <td key={j} className={`heat-${Math.min(4, Math.floor((v / max) * 5))}`}>
                  {v}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** Round steps for an axis from `lo` to `hi`: about `n` ticks at 1, 2 or 5 times a power of ten. */
export function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * Values over time, one line per series, with an optional threshold (drift per feature, KPIs
 * against targets): a value axis with round ticks and its label, dates at both ends and the
 * middle, and the series named in full in a legend beneath.
 */
export function TimeSeries({
  title,
  series,
  threshold,
  unit,
  yLabel,
}: {
  title: string;
  series: { name: string; points: { t: string; v: number | null }[] }[];
  threshold?: number;
  unit?: string;
  /** What the value axis measures (e.g. "drift, 1 = threshold, higher is worse"). */
  yLabel?: string;
}) {
  const w = 560;
  const h = 240;
  const m = { l: 64, r: 16, t: 12, b: 34 };
  const all = series.flatMap((s) => s.points);
  const ts = all.map((p) => Date.parse(p.t));
  const vs = all.flatMap((p) => (p.v === null ? [] : [p.v])).concat(threshold !== undefined ? [threshold] : []);
  if (ts.length === 0 || vs.length === 0) return <p className="muted">{title}: no data yet</p>;
  const [t0, t1] = [Math.min(...ts), Math.max(...ts)];
  const steps = ticks(Math.min(0, ...vs), Math.max(...vs) * 1.1 || 1);
  const [v0, v1] = [Math.min(0, ...vs, steps[0]!), Math.max(steps.at(-1)!, Math.max(...vs) * 1.1 || 1)];
  const x = (t: number) => m.l + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (w - m.l - m.r);
  const y = (v: number) => m.t + (1 - (v - v0) / (v1 - v0)) * (h - m.t - m.b);
  const dates = t1 === t0 ? [t0] : [t0, (t0 + t1) / 2, t1];
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={title} width="100%">
        <title>{title}</title>
        <line x1={m.l} x2={w - m.r} y1={y(v0)} y2={y(v0)} className="frame" />
        {steps.map((v) => (
          <g key={v}>
            <line x1={m.l} x2={w - m.r} y1={y(v)} y2={y(v)} className="gridline" />
            <text x={m.l - 6} y={y(v) + 4} textAnchor="end" className="axis">
              {fmt(v)}
            </text>
          </g>
        ))}
        {yLabel && (
          <text
            x={14}
            y={(m.t + h - m.b) / 2}
            transform={`rotate(-90 14 ${(m.t + h - m.b) / 2})`}
            textAnchor="middle"
            className="axis"
          >
            {yLabel}
          </text>
        )}
        {dates.map((t, i) => (
          <text
            key={t}
            x={x(t)}
            y={h - 8}
            textAnchor={i === 0 ? 'start' : i === dates.length - 1 ? 'end' : 'middle'}
            className="axis"
          >
            {new Date(t).toLocaleDateString()}
          </text>
        ))}
        {threshold !== undefined && (
          <>
            <line x1={m.l} x2={w - m.r} y1={y(threshold)} y2={y(threshold)} className="threshold" />
            <text x={w - m.r - 4} y={y(threshold) - 5} textAnchor="end" className="axis threshold-label">
              threshold {fmt(threshold)}
            </text>
          </>
        )}
        {series.map((s, i) => {
          const pts = s.points.filter((p) => p.v !== null);
          const d = pts
            .map((p, k) => `${k ? 'L' : 'M'}${x(Date.parse(p.t)).toFixed(1)},${y(p.v!).toFixed(1)}`)
            .join(' ');
          return (
            <g key={s.name} className={`series s${i % 6}`}>
              <path d={d} className="line" />
              {pts.map((p) => (
                <circle key={p.t} cx={x(Date.parse(p.t))} cy={y(p.v!)} r={3} />
              ))}
            </g>
          );
        })}
      </svg>
      {series.length > 1 && (
        <ul className="legend">
          {series.map((s, i) => (
            <li key={s.name} className={`s${i % 6}`}>
              {s.name}
            </li>
          ))}
        </ul>
      )}
      <figcaption>
        {title}
        {unit ? ` (${unit})` : ''}
        {threshold !== undefined ? `; threshold ${fmt(threshold)}` : ''}
      </figcaption>
    </figure>
  );
}

/**
 * Values against a numeric level, one line per series (a metric's degradation as the perturbation
 * grows, overall and per group), with the points' values in a table for screen readers.
 */
export function LevelCurve({
  title,
  xLabel,
  series,
}: {
  title: string;
  xLabel: string;
  series: { name: string; points: { x: number; y: number | null }[] }[];
}) {
  const w = 560;
  const h = 220;
  const m = { l: 48, r: 110, t: 10, b: 34 };
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.flatMap((p) => (p.y === null ? [] : [p.y])));
  if (xs.length === 0 || ys.length === 0) return <p className="muted">{title}: no data</p>;
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [lo, hi] = [Math.min(...ys), Math.max(...ys)];
  // A flat curve still gets a visible band around it.
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.05 || 0.05;
  const [y0, y1] = [lo - pad, hi + pad];
  const x = (v: number) => m.l + (x1 === x0 ? 0.5 : (v - x0) / (x1 - x0)) * (w - m.l - m.r);
  const y = (v: number) => m.t + (1 - (v - y0) / (y1 - y0)) * (h - m.t - m.b);
  const levels = [...new Set(xs)].sort((a, b) => a - b);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={title} width="100%">
        <title>{title}</title>
        <line x1={m.l} x2={w - m.r} y1={h - m.b} y2={h - m.b} className="frame" />
        <text x={m.l - 4} y={y(hi) + 4} textAnchor="end" className="axis">
          {fmt(hi)}
        </text>
        <text x={m.l - 4} y={y(lo) + 4} textAnchor="end" className="axis">
          {fmt(lo)}
        </text>
        {levels.map((l) => (
          <text key={l} x={x(l)} y={h - m.b + 14} textAnchor="middle" className="axis">
            {fmt(l)}
          </text>
        ))}
        <text x={(m.l + w - m.r) / 2} y={h - 4} textAnchor="middle" className="axis">
          {xLabel}
        </text>
        {series.map((s, i) => {
          const pts = s.points.filter((p) => p.y !== null);
          const d = pts.map((p, k) => `${k ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.y!).toFixed(1)}`).join(' ');
          const last = pts.at(-1);
          return (
            <g key={s.name} className={`series s${i % 6}`}>
              <path d={d} className="line" />
              {pts.map((p) => (
                <circle key={p.x} cx={x(p.x)} cy={y(p.y!)} r={2.5} />
              ))}
              {last && (
                <text x={w - m.r + 6} y={y(last.y!) + 4} className="axis">
                  {s.name.length > 16 ? `${s.name.slice(0, 15)}…` : s.name}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}
