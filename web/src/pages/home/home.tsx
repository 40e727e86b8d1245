import type { ReactNode } from 'react';
import { api, ok } from '../../api/client.ts';
import { activePack } from '../../api/pack.ts';
import { useOpenTaskCount } from '../../api/open-tasks.ts';
import { Link, enc } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { Async, Badge, Section, TierBadge, num, when } from '../../ui/basics.tsx';
import { useLoad } from '../../ui/hooks.ts';

type Summary = Awaited<ReturnType<typeof loadSummary>>;
const loadSummary = async () => ok(await api.GET('/api/v1/overview/summary'));

interface Tile {
  key: string;
  label: string;
  value: (s: Summary) => number;
  to: string;
  /** Shown as a warning when above zero. */
  attention?: boolean;
}

const TILES: Tile[] = [
  { key: 'tasks', label: 'My open tasks', value: () => 0, to: '/inbox', attention: true },
  { key: 'alerts', label: 'Open alerts', value: (s) => s.openAlerts, to: '/alerts', attention: true },
  { key: 'incidents', label: 'Open incidents', value: (s) => s.openIncidents, to: '/alerts', attention: true },
  {
    key: 'overdue',
    label: 'Overdue risk reviews',
    value: (s) => s.overdueReviews,
    to: '/inventory?attention=true',
    attention: true,
  },
  {
    key: 'stale',
    label: 'Stale approvals to re-review',
    value: (s) => s.staleApprovals,
    to: '/inbox',
    attention: true,
  },
  { key: 'production', label: 'Versions in production', value: (s) => s.production.length, to: '#production' },
  { key: 'useCases', label: 'Use cases', value: (s) => s.useCases, to: '/inventory' },
  { key: 'models', label: 'Models', value: (s) => s.models, to: '/inventory' },
];

/** How many of the person's tasks the home page lists (the inbox has them all). */
const SHOWN_TASKS = 8;

/** What each role looks at first; the other tiles follow in their usual order. */
const FIRST: Record<string, string[]> = {
  'risk-audit': ['tasks', 'stale', 'overdue'],
  'data-ops': ['alerts', 'incidents', 'production'],
  production: ['production', 'alerts', 'incidents'],
  'data-scientist': ['tasks', 'stale', 'alerts'],
  'business-stakeholder': ['tasks', 'overdue', 'useCases'],
  'business-analyst': ['tasks', 'overdue', 'useCases'],
  viewer: ['useCases', 'production', 'alerts'],
};

/** The home page: what needs attention for the signed-in person's roles, then the whole estate at a glance. */
export function HomePage() {
  const { me } = useSession();
  const summary = useLoad(loadSummary, []);
  // The first few tasks to list; their number is the menu's count, asked for once per session.
  const tasks = useLoad(
    async () => ok(await api.GET('/api/v1/tasks', { params: { query: { status: 'open', limit: SHOWN_TASKS } } })).items,
    [],
  );
  const openTasks = useOpenTaskCount(me);
  const pack = useLoad(activePack, []);
  const first = me.roles.flatMap((r) => FIRST[r.role] ?? []);
  const tiles = [...TILES].sort((a, b) => rank(first, a.key) - rank(first, b.key));
  const stepTitle = (id: string | null) =>
    id === null ? 'Not in a process yet' : (pack.data?.steps.find((s) => s.id === id)?.title ?? id);
  const stepOrder = (id: string | null) => {
    const i = pack.data?.steps.findIndex((s) => s.id === id) ?? -1;
    return id === null ? -1 : i < 0 ? 1000 : i;
  };
  return (
    <>
      <h1>Home</h1>
      <p className="muted">
        Signed in as {me.displayName} ({[...new Set(me.roles.map((r) => r.role))].join(', ') || 'no roles'}).
      </p>
      <Async state={summary}>
        {(s) => (
          <>
            <ul className="tiles" aria-label="At a glance">
              {tiles.map((t) => {
                const v = t.key === 'tasks' ? (openTasks ?? 0) : t.value(s);
                return (
                  <li key={t.key} className={`tile${t.attention && v > 0 ? ' attention' : ''}`}>
                    {t.to.startsWith('#') ? (
                      <a href={t.to}>
                        <span className="tile-value">{num(v)}</span> {t.label}
                      </a>
                    ) : (
                      <Link to={t.to}>
                        <span className="tile-value">{num(v)}</span> {t.label}
                      </Link>
                    )}
                  </li>
                );
              })}
            </ul>
            <Section title="My tasks">
              <Async state={tasks}>
                {(items) =>
                  items.length === 0 ? (
                    <p className="muted">Nothing waits for you.</p>
                  ) : (
                    <>
                      <ul className="plain">
                        {items.map((t) => (
                          <li key={t.id}>
                            {t.overdue && <Badge value="overdue" />} {t.title}
                            {' · '}
                            {t.model ? (
                              <Link to={`/models/${enc(t.model)}/versions/${t.version}?tab=Governance`}>
                                {t.model} v{t.version}
                              </Link>
                            ) : t.useCase ? (
                              <Link to={`/use-cases/${enc(t.subject.id)}`}>{t.useCase}</Link>
                            ) : null}
                          </li>
                        ))}
                      </ul>
                      <p>
                        <Link to="/inbox">
                          All {openTasks === undefined ? '' : `${num(openTasks)} `}tasks in the inbox
                        </Link>
                      </p>
                    </>
                  )
                }
              </Async>
            </Section>
            <div className="columns">
              <Section title="Use cases by risk tier">
                <Counts
                  rows={[...s.byTier]
                    .sort((a, b) => (a.tier ?? 0) - (b.tier ?? 0))
                    .map((b) => ({
                      key: String(b.tier),
                      label: <TierBadge tier={b.tier} />,
                      count: b.count,
                      to: b.tier === null ? '/' : `/?tier=${b.tier}`,
                    }))}
                />
              </Section>
              <Section title="By lifecycle step">
                <Counts
                  head={['Step', 'Use cases', 'Model versions']}
                  rows={stepsOf(s)
                    .sort((a, b) => stepOrder(a) - stepOrder(b))
                    .map((step) => ({
                      key: String(step),
                      label: stepTitle(step),
                      count: s.byStep.find((b) => b.step === step)?.count ?? 0,
                      extra: s.versionsByStep.find((b) => b.step === step)?.count ?? 0,
                      to: step === null ? '/' : `/?step=${enc(step)}`,
                    }))}
                />
              </Section>
            </div>
            <Section title="In production">
              <div id="production">
                {s.production.length === 0 ? (
                  <p className="muted">No version is deployed to production.</p>
                ) : (
                  <ul className="plain">
                    {s.production.map((p) => (
                      <li key={`${p.model}/${p.version}`}>
                        <Link to={`/models/${enc(p.model)}/versions/${p.version}`}>
                          {p.model} v{p.version}
                        </Link>{' '}
                        for <Link to={`/use-cases/${enc(p.useCase.id)}`}>{p.useCase.name}</Link>, since {when(p.since)}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            </Section>
            <Section title="Use cases by step">
              <div className="board">
                {[...s.board]
                  .sort((a, b) => stepOrder(a.step) - stepOrder(b.step))
                  .map((c) => (
                    <section key={String(c.step)} className="board-column" aria-label={stepTitle(c.step)}>
                      <h3>
                        {stepTitle(c.step)} <span className="count">{num(c.total)}</span>
                      </h3>
                      <ul className="plain">
                        {c.useCases.map((u) => (
                          <li key={u.id}>
                            <Link to={`/use-cases/${enc(u.id)}`}>{u.name}</Link> <TierBadge tier={u.tier} />
                            <div className="sub">{u.ownerTeam}</div>
                          </li>
                        ))}
                      </ul>
                      {c.total > c.useCases.length && (
                        <Link to={c.step === null ? '/inventory' : `/inventory?step=${enc(c.step)}`}>
                          and {num(c.total - c.useCases.length)} more
                        </Link>
                      )}
                    </section>
                  ))}
              </div>
            </Section>
          </>
        )}
      </Async>
    </>
  );
}

const rank = (first: string[], key: string) => {
  const i = first.indexOf(key);
  return i < 0 ? 100 + TILES.findIndex((t) => t.key === key) : i;
};

const stepsOf = (s: Summary) => [...new Set([...s.byStep.map((b) => b.step), ...s.versionsByStep.map((b) => b.step)])];

function Counts({
  rows,
  head = ['Tier', 'Use cases'],
}: {
  rows: { key: string; label: ReactNode; count: number; extra?: number; to: string }[];
  head?: string[];
}) {
  return (
    <table className="grid">
      <thead>
        <tr>
          {head.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}>
            <td>
              <Link to={r.to}>{r.label}</Link>
            </td>
            <td className="num">{num(r.count)}</td>
            {r.extra !== undefined && <td className="num">{num(r.extra)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
