import { api, ok } from '../api/client.ts';
import { Async, Badge, Section } from '../ui/basics.tsx';
import { TimeSeries } from '../ui/charts.tsx';
import { useLoad } from '../ui/hooks.ts';

/** Drift per feature and performance over the version's monitoring windows. */
export function MonitoringView({ name, version }: { name: string; version: number }) {
  const windows = useLoad(async () => ok(await api.GET('/api/v1/models/{name}/versions/{version}/monitoring', { params: { path: { name, version }, query: { limit: 200 } } })), [name, version]);
  return (
    <Async state={windows}>
      {(w) => {
        const features = [...new Set(w.items.flatMap((i) => Object.keys(i.drift?.decisions ?? {})))];
        const metrics = [...new Set(w.items.flatMap((i) => Object.keys(i.performance?.metrics ?? {})))];
        const threshold = w.items.flatMap((i) => Object.values(i.drift?.decisions ?? {}).map((d) => d.threshold)).find((t) => typeof t === 'number');
        // Each feature's test decides what its score means (a p-value drifts below the threshold, a distance above it).
        const tests = features.map((f) => `${f}: ${w.items.map((i) => i.drift?.decisions[f]?.stattest).find(Boolean) ?? 'default test'}`).join(', ');
        return (
          <>
            <Section title="Health">
              <p><Badge value={w.health} /> {w.monitor ? `${w.items.length} windows of ${w.windowSeconds / 3600} h` : 'No monitor is configured for this version.'}</p>
            </Section>
            {features.length > 0 && (
              <Section title="Drift per feature">
                <TimeSeries
                  title={`drift score per feature (${tests})`}
                  series={features.map((f) => ({ name: f, points: w.items.map((i) => ({ t: i.start, v: i.drift?.decisions[f]?.drift_score ?? null })) }))}
                  {...(threshold !== undefined && threshold !== null ? { threshold } : {})}
                />
                <table className="grid">
                  <thead><tr><th scope="col">Window</th><th scope="col">Rows</th><th scope="col">Drifted share</th><th scope="col">Dataset drift</th></tr></thead>
                  <tbody>{[...w.items].reverse().slice(0, 20).map((i) => <tr key={i.start}><td>{i.start.slice(0, 16).replace('T', ' ')}</td><td>{i.rows}</td><td>{i.drift ? i.drift.share_of_drifted_columns.toFixed(2) : '—'}</td><td>{i.drift ? <Badge value={i.drift.dataset_drift ? 'drift' : 'stable'} tone={i.drift.dataset_drift ? 'bad' : 'good'} /> : '—'}</td></tr>)}</tbody>
                </table>
              </Section>
            )}
            {metrics.length > 0 && (
              <Section title="Performance">
                <TimeSeries title="performance per window" series={metrics.map((m) => ({ name: m, points: w.items.map((i) => ({ t: i.start, v: i.performance?.metrics?.[m] ?? null })) }))} />
              </Section>
            )}
          </>
        );
      }}
    </Async>
  );
}
