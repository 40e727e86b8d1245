import { useState } from 'react';
import { useSession } from '../../session.tsx';
import { NotOffered } from '../../components/gated.tsx';
import { ApiProblem, api, ok } from '../../api/client.ts';
import type { paths } from '../../api/schema.gen.ts';
import type { Windows } from '../../api/version-types.ts';
import { Async, Badge, Field, Section, short, when, Outcome } from '../../ui/basics.tsx';
import { TimeSeries } from '../../ui/charts.tsx';
import { driftSeverity } from '../../ui/drift.ts';
import { useAction, useLoad } from '../../ui/hooks.ts';

/** Drift per feature and performance over the version's monitoring windows. */
export function MonitoringView({ name, version, team }: { name: string; version: number; team: string | undefined }) {
  const windows = useLoad(
    async () =>
      ok(
        await api.GET('/api/v1/models/{name}/versions/{version}/monitoring', {
          params: { path: { name, version }, query: { limit: 200 } },
        }),
      ),
    [name, version],
  );
  return (
    <Async state={windows}>
      {(w) => {
        const features = [...new Set(w.items.flatMap((i) => Object.keys(i.drift?.decisions ?? {})))];
        const metrics = [...new Set(w.items.flatMap((i) => Object.keys(i.performance?.metrics ?? {})))];
        // Each feature's test decides what its score means (a p-value drifts below its threshold, a
        // distance above it): the chart puts both on one scale where higher is worse and 1 is the threshold.
        const tests = features
          .map((f) => `${f}: ${w.items.map((i) => i.drift?.decisions[f]?.stattest).find(Boolean) ?? 'default test'}`)
          .join(', ');
        return (
          <>
            <Section title="Health">
              <p>
                <Badge value={w.health} />{' '}
                {w.monitor
                  ? `${w.items.length} windows of ${w.windowSeconds / 3600} h`
                  : 'No monitor is configured for this version.'}
              </p>
            </Section>
            {features.length > 0 && (
              <Section title="Drift per feature">
                <TimeSeries
                  title={`drift per feature relative to its threshold: above 1 is drift (${tests})`}
                  yLabel="drift (higher is worse)"
                  threshold={1}
                  series={features.map((f) => ({
                    name: f,
                    points: w.items.map((i) => ({ t: i.start, v: driftSeverity(i.drift?.decisions[f]) })),
                  }))}
                />
                <table className="grid">
                  <thead>
                    <tr>
                      <th scope="col">Window</th>
                      <th scope="col">Rows</th>
                      <th scope="col">Drifted share</th>
                      <th scope="col">Dataset drift</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...w.items]
                      .reverse()
                      .slice(0, 20)
                      .map((i) => (
                        <tr key={i.start}>
                          <td>{i.start.slice(0, 16).replace('T', ' ')}</td>
                          <td>{i.rows}</td>
                          <td>{i.drift ? i.drift.share_of_drifted_columns.toFixed(2) : '—'}</td>
                          <td>
                            {i.drift ? (
                              <Badge
                                value={i.drift.dataset_drift ? 'drift' : 'stable'}
                                tone={i.drift.dataset_drift ? 'bad' : 'good'}
                              />
                            ) : (
                              '—'
                            )}
                          </td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </Section>
            )}
            <ChampionChallenger items={w.items} />
            <MonitorConfigView name={name} version={version} team={team} />
            {metrics.length > 0 && (
              <Section title="Performance">
                <TimeSeries
                  title="performance per window"
                  series={metrics.map((m) => ({
                    name: m,
                    points: w.items.map((i) => ({ t: i.start, v: i.performance?.metrics?.[m] ?? null })),
                  }))}
                />
              </Section>
            )}
          </>
        );
      }}
    </Async>
  );
}

type Window = Windows['items'][number];

const NO_COMPARISON: Record<string, string> = {
  'no-challenger-predictions': 'the challenger has logged no predictions yet',
  'no-joint-records': "the challenger logged no predictions on this version's record ids",
  'no-joint-labels': 'none of the records both logged is labelled yet',
};
const num = (x: number | null | undefined, digits = 4) => (typeof x === 'number' ? x.toFixed(digits) : '—');
const pValue = (p: number) => (p < 1e-4 ? p.toExponential(2) : p.toFixed(4));

/**
 * The champion/challenger comparison of the newest compared window: both versions' metrics on the
 * records both logged and that are labelled, the improvement, and the paired test's p-value.
 */
function ChampionChallenger({ items }: { items: Window[] }) {
  const withComparison = items.filter((i) => i.comparison);
  if (withComparison.length === 0) return null;
  const latest = withComparison[withComparison.length - 1]!.comparison!;
  const compared = [...withComparison].reverse().find((i) => i.comparison!.status === 'compared');
  const c = compared?.comparison;
  const names = Object.keys(c?.metrics ?? {});
  return (
    <Section title="Champion / challenger">
      <p>
        Challenger{' '}
        <strong>
          {latest.challenger.model}/{latest.challenger.version}
        </strong>{' '}
        is compared with this version on the records both logged (same record ids) and that are labelled.
        {latest.status !== 'compared' && ` Newest window: ${NO_COMPARISON[latest.status] ?? latest.status}.`}
      </p>
      {c && compared && (
        <>
          <p className="muted">
            Window of {compared.start.slice(0, 16).replace('T', ' ')}: {c.labelled} jointly labelled records of{' '}
            {c.joint} logged by both.
          </p>
          <table className="grid" aria-label="champion and challenger">
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">Champion</th>
                <th scope="col">Challenger</th>
                <th scope="col">Improvement</th>
                <th scope="col">Test</th>
                <th scope="col">p</th>
              </tr>
            </thead>
            <tbody>
              {names.map((m) => {
                const x = c.metrics![m]!;
                return (
                  <tr key={m}>
                    <td>{m}</td>
                    <td>{num(x.champion)}</td>
                    <td>{num(x.challenger)}</td>
                    <td>
                      <Badge
                        value={num(x.improvement)}
                        tone={x.improvement > 0 ? 'good' : x.improvement < 0 ? 'bad' : 'neutral'}
                      />
                    </td>
                    <td>
                      {x.test === 'mcnemar' && x.mcnemar
                        ? `McNemar exact (b = ${x.mcnemar.b}, c = ${x.mcnemar.c})`
                        : x.bootstrap
                          ? `paired bootstrap, ${x.bootstrap.resamples} resamples, seed ${x.bootstrap.seed}, 95% CI of the difference [${num(x.bootstrap.ci[0])}, ${num(x.bootstrap.ci[1])}]`
                          : x.test}
                    </td>
                    <td>{pValue(x.p)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {names.length > 0 && (
            <TimeSeries
              title="improvement of the challenger per window"
              series={names.map((m) => ({
                name: m,
                points: items.map((i) => ({ t: i.start, v: i.comparison?.metrics?.[m]?.improvement ?? null })),
              }))}
            />
          )}
        </>
      )}
    </Section>
  );
}

/** The version's monitor (features, window, frozen reference) and the latest ingested batches. */
export function MonitorConfigView({
  name,
  version,
  team,
}: {
  name: string;
  version: number;
  team: string | undefined;
}) {
  // Configuring the monitor needs monitoring:write in the owning team.
  const mayNotConfigure = useSession().why('monitoring:write', team);
  const monitor = useLoad(async () => {
    try {
      return ok(
        await api.GET('/api/v1/models/{name}/versions/{version}/monitor', { params: { path: { name, version } } }),
      );
    } catch (e) {
      if (e instanceof ApiProblem && e.status === 404) return null;
      throw e;
    }
  }, [name, version]);
  const batches = useLoad(
    async () =>
      ok(
        await api.GET('/api/v1/models/{name}/versions/{version}/ingest-batches', {
          params: { path: { name, version }, query: { limit: 10 } },
        }),
      ).items,
    [name, version],
  );
  return (
    <>
      <Section title="Monitor">
        <Async state={monitor}>
          {(m) =>
            m === null && mayNotConfigure ? (
              <NotOffered what="Configuring the monitor" reason={mayNotConfigure} />
            ) : m === null ? (
              <ConfigureMonitor name={name} version={version} onDone={monitor.reload} />
            ) : (
              <dl className="facts">
                <dt>Provides</dt>
                <dd>{(m.config.monitors ?? []).join(', ') || '—'}</dd>
                {m.config.challenger && (
                  <>
                    <dt>Challenger</dt>
                    <dd>
                      {m.config.challenger.model}/{m.config.challenger.version}
                    </dd>
                  </>
                )}
                <dt>Task</dt>
                <dd>{m.config.task}</dd>
                <dt>Features</dt>
                <dd>
                  {Object.entries(m.config.features)
                    .map(([f, t]) => `${f} (${t})`)
                    .join(', ')}
                </dd>
                <dt>Window</dt>
                <dd>{(m.config.windowSeconds ?? 86_400) / 3600} h</dd>
                <dt>Reference</dt>
                <dd>
                  {m.reference.rows} rows, frozen {when(m.createdAt)}
                </dd>
              </dl>
            )
          }
        </Async>
      </Section>
      <Section title="Latest ingested batches">
        <Async state={batches}>
          {(items) =>
            items.length === 0 ? (
              <p className="muted">Nothing ingested yet.</p>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Received</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Accepted</th>
                    <th scope="col">Duplicates</th>
                    <th scope="col">Rejected</th>
                    <th scope="col">Digest</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((b) => (
                    <tr key={b.id}>
                      <td>{when(b.receivedAt)}</td>
                      <td>
                        {b.kind} ({b.format})
                      </td>
                      <td>{b.accepted}</td>
                      <td>{b.duplicates}</td>
                      <td>{b.rejected > 0 ? <Badge value={String(b.rejected)} tone="bad" /> : 0}</td>
                      <td>
                        <code title={b.digest}>{short(b.digest)}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Section>
    </>
  );
}

/** Configures the version's monitor, freezing as reference the version's own predictions of a past period. */
type Family = NonNullable<
  paths['/api/v1/models/{name}/versions/{version}/monitor']['put']['requestBody']
>['content']['application/json']['monitors'] extends (infer F)[] | undefined
  ? F
  : never;

function ConfigureMonitor({ name, version, onDone }: { name: string; version: number; onDone: () => void }) {
  const day = 86_400_000;
  const [monitors, setMonitors] = useState('input-drift, performance-decay, event-logging');
  const [features, setFeatures] = useState('');
  const [task, setTask] = useState<'binary-classification' | 'multiclass-classification' | 'regression'>(
    'binary-classification',
  );
  const [hours, setHours] = useState('24');
  const [challenger, setChallenger] = useState('');
  const [from, setFrom] = useState(new Date(Date.now() - 14 * day).toISOString().slice(0, 10));
  const [to, setTo] = useState(new Date(Date.now() - 13 * day).toISOString().slice(0, 10));
  const save = useAction(async () => {
    const cols = Object.fromEntries(
      features
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean)
        .map((f) => {
          const [col, type] = f.split(':').map((x) => x.trim());
          return [col!, type === 'categorical' ? 'categorical' : 'numerical'] as const;
        }),
    );
    const [challengerModel, challengerVersion] = challenger.trim().split('/');
    ok(
      await api.PUT('/api/v1/models/{name}/versions/{version}/monitor', {
        params: { path: { name, version } },
        body: {
          monitors: monitors
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean) as Family[],
          ...(challengerModel ? { challenger: { model: challengerModel, version: Number(challengerVersion) } } : {}),
          task,
          features: cols,
          windowSeconds: Math.round(Number(hours) * 3600),
          reference: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
        },
      }),
    );
    onDone();
  });
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        void save.act();
      }}
    >
      <p className="muted">
        No monitor is configured. The reference is frozen from this version's own logged predictions in the period
        below.
      </p>
      <div className="row">
        <Field label="Monitor families" hint="informational: measures count only computed windows">
          <input value={monitors} onChange={(e) => setMonitors(e.target.value)} />
        </Field>
        <Field label="Challenger" hint="model/version logging predictions on the same record ids (optional)">
          <input value={challenger} onChange={(e) => setChallenger(e.target.value)} placeholder="credit-scorecard/2" />
        </Field>
        <Field label="Features" hint="column:numerical or column:categorical, comma-separated">
          <input
            value={features}
            onChange={(e) => setFeatures(e.target.value)}
            required
            placeholder="income:numerical, segment:categorical"
          />
        </Field>
        <Field label="Task">
          <select value={task} onChange={(e) => setTask(e.target.value as typeof task)}>
            <option>binary-classification</option>
            <option>multiclass-classification</option>
            <option>regression</option>
          </select>
        </Field>
        <Field label="Window (hours)">
          <input type="number" min={1} value={hours} onChange={(e) => setHours(e.target.value)} required />
        </Field>
        <Field label="Reference from">
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} required />
        </Field>
        <Field label="Reference to">
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} required />
        </Field>
      </div>
      <Outcome of={save} />
      <button type="submit" disabled={save.busy}>
        Configure monitor
      </button>
    </form>
  );
}
