import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { Link, enc, navigate, useLocation } from '../../router.tsx';
import { Async, Badge, TierBadge, when } from '../../ui/basics.tsx';
import { useLoad } from '../../ui/hooks.ts';
import { useSession } from '../../session.tsx';

const PAGE = 50;
type Sort = 'name' | 'tier' | 'updated';

/** Every use case and model at a glance; the filters live in the URL so a view can be shared. */
/** The status badge's colour: the same tones as the banner on the version and use-case pages. */
const STATUS_TONE: Record<string, string> = {
  suspended: 'bad',
  refused: 'bad',
  stale: 'warn',
  live: 'good',
  'in-development': 'info',
};

export function InventoryPage() {
  const { can } = useSession();
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const tier = query.get('tier');
  const euAiAct = query.get('euAiAct') ?? '';
  const step = query.get('step') ?? '';
  const attention = query.get('attention') === 'true';
  const sort = (query.get('sort') ?? 'name') as Sort;
  const order = query.get('order') === 'desc' ? 'desc' : 'asc';
  const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
  const [text, setText] = useState(q);

  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) v === null || v === '' ? next.delete(k) : next.set(k, v);
    if (!('offset' in changes)) next.delete('offset');
    const s = next.toString();
    navigate(s ? `/inventory?${s}` : '/inventory', { replace: true });
  };
  const page = useLoad(
    async () =>
      ok(
        await api.GET('/api/v1/overview', {
          params: {
            query: {
              sort,
              order,
              limit: PAGE,
              offset,
              ...(q ? { q } : {}),
              ...(tier ? { tier: Number(tier) } : {}),
              ...(euAiAct ? { euAiAct } : {}),
              ...(step ? { step } : {}),
              ...(attention ? { attention: true } : {}),
            },
          },
        }),
      ),
    [q, tier, euAiAct, step, attention, sort, order, offset],
  );
  const sortBy = (s: Sort) => set({ sort: s, order: sort === s && order === 'asc' ? 'desc' : 'asc' });
  const sortMark = (s: Sort) => (sort === s ? (order === 'asc' ? 'ascending' : 'descending') : 'none');

  return (
    <>
      <div className="page-head">
        <h1>Inventory</h1>
        {can('use-case:write') && (
          <Link to="/use-cases/new" className="button">
            New use case
          </Link>
        )}
      </div>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          set({ q: text.trim() });
        }}
      >
        <label>
          <span className="sr-only">Search</span>
          <input
            type="search"
            placeholder="Search use cases and models"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <label>
          Tier{' '}
          <select value={tier ?? ''} onChange={(e) => set({ tier: e.target.value })}>
            <option value="">any</option>
            {[1, 2, 3, 4].map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          EU AI Act{' '}
          <select value={euAiAct} onChange={(e) => set({ euAiAct: e.target.value })}>
            <option value="">any</option>
            {['prohibited', 'high-risk', 'limited', 'minimal'].map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          Step{' '}
          <input className="narrow" value={step} placeholder="any" onChange={(e) => set({ step: e.target.value })} />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={attention}
            onChange={(e) => set({ attention: e.target.checked ? 'true' : null })}
          />{' '}
          Needs attention
        </label>
        <button type="submit">Search</button>
      </form>
      <Async state={page}>
        {(p) => (
          <>
            <table className="grid">
              <caption className="sr-only">Use cases and models</caption>
              <thead>
                <tr>
                  <th scope="col" aria-sort={sortMark('name')}>
                    <button type="button" className="sort" onClick={() => sortBy('name')}>
                      Use case / model
                    </button>
                  </th>
                  <th scope="col" aria-sort={sortMark('tier')}>
                    <button type="button" className="sort" onClick={() => sortBy('tier')}>
                      Tier
                    </button>
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">EU AI Act</th>
                  <th scope="col">Step</th>
                  <th scope="col">Latest promotion</th>
                  <th scope="col">Production</th>
                  <th scope="col">Health</th>
                  <th scope="col">Alerts</th>
                  <th scope="col">Review by</th>
                  <th scope="col">Attestation</th>
                  <th scope="col" aria-sort={sortMark('updated')}>
                    <button type="button" className="sort" onClick={() => sortBy('updated')}>
                      Updated
                    </button>
                  </th>
                </tr>
              </thead>
              <tbody>
                {p.items.length === 0 && (
                  <tr>
                    <td colSpan={12} className="muted">
                      Nothing matches.
                    </td>
                  </tr>
                )}
                {p.items.map((r) => (
                  <tr key={`${r.useCase.id}/${r.model?.name ?? ''}`}>
                    <td>
                      <Link to={`/use-cases/${r.useCase.id}`}>{r.useCase.name}</Link>
                      <div className="sub">
                        {r.model ? (
                          <Link to={`/models/${enc(r.model.name)}`}>
                            {r.model.name}
                            {r.model.latestVersion ? ` v${r.model.latestVersion}` : ''}
                          </Link>
                        ) : (
                          <span className="muted">no model yet</span>
                        )}{' '}
                        · {r.useCase.ownerTeam}
                      </div>
                    </td>
                    <td>
                      <TierBadge tier={r.tier} />
                    </td>
                    <td>
                      {r.model?.status ? (
                        <Badge
                          value={r.model.status.label}
                          tone={STATUS_TONE[r.model.status.state]}
                          title={r.model.status.reasons.join('\n')}
                        />
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>{r.euAiAct ?? '—'}</td>
                    <td>{r.model?.step ?? r.useCase.step ?? '—'}</td>
                    <td>
                      {r.model?.promotion ? (
                        <>
                          <Badge value={r.model.promotion.status} />{' '}
                          <span className="sub">{r.model.promotion.environment}</span>
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>
                      {r.model?.productionVersion ? (
                        <Link to={`/models/${enc(r.model.name)}/versions/${r.model.productionVersion}`}>
                          v{r.model.productionVersion}
                        </Link>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>{r.model ? <Badge value={r.model.health} /> : '—'}</td>
                    <td>
                      {r.model && r.model.openAlerts > 0 ? (
                        <Badge value={String(r.model.openAlerts)} tone="bad" title="open alerts" />
                      ) : (
                        '0'
                      )}
                    </td>
                    <td>
                      {r.reviewBy ? (
                        r.reviewOverdue ? (
                          <Badge value="overdue" title={r.reviewBy} />
                        ) : (
                          r.reviewBy.slice(0, 10)
                        )
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>
                      <AttestationCell a={r.useCase.attestation ?? null} />
                    </td>
                    <td className="sub">{when(r.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <nav className="pager" aria-label="Pages">
              <span>{p.total === 0 ? 'no rows' : `${p.offset + 1}–${p.offset + p.items.length} of ${p.total}`}</span>
              <button
                type="button"
                disabled={p.offset === 0}
                onClick={() => set({ offset: String(Math.max(0, p.offset - PAGE)) })}
              >
                Previous
              </button>
              <button
                type="button"
                disabled={p.offset + p.items.length >= p.total}
                onClick={() => set({ offset: String(p.offset + PAGE) })}
              >
                Next
              </button>
            </nav>
          </>
        )}
      </Async>
    </>
  );
}

/** The periodic attestation's standing: overdue and open ones with their due day, else when last attested. */
function AttestationCell({
  a,
}: {
  a: { status: 'open' | 'overdue' | 'current' | 'retired'; lastAttestedOn: string | null; dueOn: string | null } | null;
}) {
  if (!a) return <>—</>;
  if (a.status === 'overdue') return <Badge value="overdue" tone="bad" title={`due ${a.dueOn}`} />;
  if (a.status === 'open') return <>due {a.dueOn}</>;
  if (a.status === 'retired') return <Badge value="retired" />;
  return <>{a.lastAttestedOn ? `attested ${a.lastAttestedOn}` : 'current'}</>;
}
