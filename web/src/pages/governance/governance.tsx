import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { useSession } from '../../session.tsx';
import { Bars, TimeSeries } from '../../ui/charts.tsx';
import { Async, Badge, Section, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';

type Definition = { id: string; title: string; unit: 'share' | 'count' | 'hours' | 'days'; description: string };

const DAY = 86_400_000;

/** A KPI value as people read it: shares as percentages, counts as whole numbers, durations with their unit. */
export function formatKpi(value: number | null | undefined, unit: Definition['unit'] | undefined): string {
  if (value === null || value === undefined) return 'n/a';
  if (unit === 'share') return `${(value * 100).toFixed(1)}%`;
  if (unit === 'count') return String(Math.round(value));
  if (unit === 'hours') return `${value.toFixed(1)} h`;
  if (unit === 'days') return `${value.toFixed(1)} d`;
  return String(value);
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The governance programme measured: KPIs against targets, their history and per team, alerts, the leaderboard. */
export function GovernancePage() {
  const { can } = useSession();
  const [tick, setTick] = useState(0);
  const [kpi, setKpi] = useState('high-risk-compliance');
  const [people, setPeople] = useState(false);
  const report = useLoad(async () => ok(await api.GET('/api/v1/governance/kpis')), [tick]);
  const history = useLoad(
    async () =>
      ok(
        await api.GET('/api/v1/governance/kpis', {
          params: { query: { from: day(Date.now() - 90 * DAY), to: day(Date.now()), kpi: kpi as never } },
        }),
      ).history ?? [],
    [kpi, tick],
  );
  const board = useLoad(async () => ok(await api.GET('/api/v1/governance/leaderboard')), [tick]);
  const snapshot = useAction(async () => {
    ok(await api.POST('/api/v1/governance/kpis/snapshots'));
    setTick((n) => n + 1);
  });
  return (
    <>
      <h1>Governance programme</h1>
      <p className="muted">
        How the programme itself is doing, computed from the record. A daily snapshot keeps the history; a KPI that
        misses the policy pack’s target raises an alert to the programme’s owner.
      </p>
      <Async state={report}>
        {(r) => {
          const defs = new Map<string, Definition>(r.definitions.map((d) => [d.id, d]));
          const org = (r.values ?? []).filter((v) => v.team === '*');
          const selected = defs.get(kpi);
          const perTeam = (r.values ?? []).filter((v) => v.kpi === kpi && v.team !== '*' && v.value !== null);
          const target = r.targets.find((t) => t.kpi === kpi);
          // Shares are charted as percentages, like the cards show them.
          const scale = selected?.unit === 'share' ? 100 : 1;
          const unit = selected?.unit === 'share' ? '%' : selected?.unit;
          return (
            <>
              {r.alerts.length > 0 && (
                <Section title="Targets missed">
                  <ul>
                    {r.alerts.map((a) => (
                      <li key={a.id}>
                        <Badge value="missed" tone="bad" /> <strong>{defs.get(a.kpi)?.title ?? a.kpi}</strong>:{' '}
                        {formatKpi(a.value, defs.get(a.kpi)?.unit)} against a target of {a.comparator}{' '}
                        {formatKpi(a.target, defs.get(a.kpi)?.unit)}, since {a.openedDay} (raised to {a.owner.role}
                        {a.owner.team === '*' ? '' : ` of ${a.owner.team}`})
                      </li>
                    ))}
                  </ul>
                </Section>
              )}
              <Section
                title="Key indicators"
                actions={
                  can('policy:admin') ? (
                    <button type="button" onClick={() => void snapshot.act()} disabled={snapshot.busy}>
                      Take today’s snapshot
                    </button>
                  ) : undefined
                }
              >
                <Outcome of={snapshot} />
                <p className="muted">As of {when(r.at)}. Choose an indicator to see its history and its teams.</p>
                <div className="kpi-grid">
                  {org.map((v) => {
                    const d = defs.get(v.kpi);
                    return (
                      <button
                        type="button"
                        key={v.kpi}
                        className={`kpi${v.kpi === kpi ? ' selected' : ''}`}
                        aria-pressed={v.kpi === kpi}
                        title={d?.description}
                        onClick={() => setKpi(v.kpi)}
                      >
                        <span className="kpi-title">{d?.title ?? v.kpi}</span>
                        <span className="kpi-value">{formatKpi(v.value, d?.unit)}</span>
                        {v.target && (
                          <span className="kpi-target">
                            target {v.target.comparator} {formatKpi(v.target.target, d?.unit)}{' '}
                            {v.value === null ? (
                              <Badge value="nothing to measure" tone="neutral" />
                            ) : v.missed ? (
                              <Badge value="missed" tone="bad" />
                            ) : (
                              <Badge value="met" tone="good" />
                            )}
                          </span>
                        )}
                      </button>
                    );
                  })}
                </div>
              </Section>
              <Section title={`${selected?.title ?? kpi}: over time and per team`}>
                <p className="muted">{selected?.description}</p>
                <Async state={history}>
                  {(points) => (
                    <TimeSeries
                      title={`${selected?.title ?? kpi}, last 90 days`}
                      {...(unit ? { unit } : {})}
                      series={[
                        {
                          name: 'organisation',
                          points: points
                            .filter((p) => p.source === 'computed')
                            .map((p) => ({ t: p.day, v: p.value === null ? null : p.value * scale })),
                        },
                        // Values imported from earlier reporting are drawn apart from Steward's own.
                        ...(points.some((p) => p.source === 'imported')
                          ? [
                              {
                                name: 'imported from earlier reporting',
                                points: points
                                  .filter((p) => p.source === 'imported')
                                  .map((p) => ({ t: p.day, v: p.value === null ? null : p.value * scale })),
                              },
                            ]
                          : []),
                      ]}
                      {...(target ? { threshold: target.target * scale } : {})}
                    />
                  )}
                </Async>
                {perTeam.length > 0 ? (
                  <Bars
                    title={`${selected?.title ?? kpi} per team, now`}
                    items={perTeam.map((v) => ({
                      label: v.team,
                      value: v.value! * scale,
                      flag: target
                        ? target.comparator === '>='
                          ? v.value! < target.target
                          : v.value! > target.target
                        : false,
                    }))}
                    {...(target ? { threshold: { value: target.target * scale, label: 'target' } } : {})}
                  />
                ) : (
                  <p className="muted">No team has a value for this indicator yet.</p>
                )}
              </Section>
            </>
          );
        }}
      </Async>
      <Section
        title="Leaderboard"
        actions={
          <button type="button" className="ghost" onClick={() => setPeople((p) => !p)}>
            {people ? 'Show teams' : 'Show people'}
          </button>
        }
      >
        <Async state={board}>
          {(b) => {
            const entries = people ? b.people : b.teams;
            return (
              <>
                <p className="muted">
                  The last {b.windowDays} days. The score weighs{' '}
                  {b.components.map((c) => `${c.title.toLowerCase()} (${b.weights[c.id]})`).join(', ')}; a component
                  with nothing to judge counts neither way.{b.pseudonymised ? ' People are shown by pseudonym.' : ''}
                </p>
                {entries.length === 0 ? (
                  <p className="muted">Nobody to rank yet.</p>
                ) : (
                  <table>
                    <caption className="sr-only">{people ? 'People' : 'Teams'} ranked by score</caption>
                    <thead>
                      <tr>
                        <th scope="col">Rank</th>
                        <th scope="col">{people ? 'Person' : 'Team'}</th>
                        <th scope="col">Score</th>
                        {b.components.map((c) => (
                          <th scope="col" key={c.id} title={c.description}>
                            {c.title}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {entries.map((e) => (
                        <tr key={e.id}>
                          <td>{e.rank ?? '–'}</td>
                          <td>{e.name}</td>
                          <td>{e.score ?? 'n/a'}</td>
                          {e.components.map((c) => (
                            <td key={c.id}>
                              {c.value === null
                                ? 'n/a'
                                : `${(c.value * 100).toFixed(0)}% (${c.numerator} of ${c.denominator})`}
                            </td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </>
            );
          }}
        </Async>
      </Section>
    </>
  );
}
