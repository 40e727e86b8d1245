import { useState } from 'react';
import { useLocation } from '../../router.tsx';
import { api, ok } from '../../api/client.ts';
import { Async, Badge, Section, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { EventPager, EventTable, filterQuery, useEventPages, type Filter } from '../../components/audit-events.tsx';
import { NotOffered } from '../../components/gated.tsx';
import { useSession } from '../../session.tsx';

type Draft = Pick<Filter, 'actorName' | 'actionFamily' | 'subjectName'> & { from?: string; to?: string };

/** The form's days as the API's instants: from the start of the first day to the end of the last, local time. */
function toFilter(d: Draft): Filter {
  const day = (s: string, plus: number) => {
    const t = new Date(`${s}T00:00:00`);
    t.setDate(t.getDate() + plus);
    return t.toISOString();
  };
  return {
    actorName: d.actorName?.trim() || undefined,
    actionFamily: d.actionFamily?.trim() || undefined,
    subjectName: d.subjectName?.trim() || undefined,
    from: d.from ? day(d.from, 0) : undefined,
    to: d.to ? day(d.to, 1) : undefined,
  };
}

const exportUrl = (f: Filter, format: 'csv' | 'json') =>
  `/api/v1/audit/events/export?${new URLSearchParams({ ...filterQuery(f), format } as Record<string, string>)}`;

/** The trail is read (and verified) organisation-wide with audit:read: others are told so, not shown 403s. */
export function AuditPage() {
  const mayNot = useSession().why('audit:read');
  if (!mayNot) return <AuditTrail />;
  return (
    <>
      <h1>Audit trail</h1>
      <NotOffered what="Reading the audit trail" reason={mayNot} />
    </>
  );
}

/** Search the event log, see the latest signed checkpoint, and verify the whole trail. */
function AuditTrail() {
  // A link may bring a search (a person's name links to what they did): it fills the form.
  const { query } = useLocation();
  const [draft, setDraft] = useState<Draft>(() => ({
    actorName: query.get('actorName') ?? undefined,
    actionFamily: query.get('actionFamily') ?? undefined,
    subjectName: query.get('subjectName') ?? undefined,
  }));
  const [filter, setFilter] = useState<Filter>(() => toFilter(draft));
  const pages = useEventPages(filter);
  const checkpoint = useLoad(async () => ok(await api.GET('/api/v1/audit/checkpoint')), []);
  const key = useLoad(async () => ok(await api.GET('/api/v1/audit/public-key')), []);
  const [report, setReport] = useState<Awaited<ReturnType<typeof runVerify>> | null>(null);
  const runVerify = async () => ok(await api.POST('/api/v1/audit/verification'));
  const verify = useAction(async () => setReport(await runVerify()));
  const field = (k: keyof Draft, label: string, type: string, placeholder?: string) => (
    <label>
      {label}{' '}
      <input
        type={type}
        value={draft[k] ?? ''}
        placeholder={placeholder}
        onChange={(e) => setDraft({ ...draft, [k]: e.target.value })}
      />
    </label>
  );
  return (
    <>
      <h1>Audit trail</h1>
      <Section
        title="Integrity"
        actions={
          <button type="button" onClick={() => void verify.act()} disabled={verify.busy}>
            Verify the trail
          </button>
        }
      >
        <Async state={checkpoint}>
          {(c) => (
            <dl className="facts">
              <dt>Latest signed checkpoint</dt>
              <dd>
                {c.treeSize} events, {when(c.createdAt)}
              </dd>
              <dt>Root hash</dt>
              <dd>
                <code>{c.rootHash}</code>
              </dd>
              <dt>Signing key</dt>
              <dd>
                <code>{key.data?.verifierKey ?? '…'}</code>
              </dd>
            </dl>
          )}
        </Async>
        <Outcome of={verify} />
        {report && (
          <div className={`outcome ${report.ok ? 'completed' : 'blocked'}`} role="status">
            {report.ok ? <Badge value="verified" /> : <Badge value="failed" />}{' '}
            {report.ok
              ? `Intact: ${report.events} events re-hashed, ${report.checkpoints} signed checkpoints reproduced (root ${report.rootHash.slice(0, 16)}…), checked ${when(report.checkedAt)}.`
              : `${report.problems.length} problem(s) found.`}
            {report.problems.length > 0 && (
              <ul>
                {report.problems.map((p, i) => (
                  <li key={i}>
                    <code>{JSON.stringify(p)}</code>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </Section>
      <Section title="Events">
        <form
          className="filters"
          role="search"
          aria-label="Audit events"
          onSubmit={(e) => {
            e.preventDefault();
            setFilter(toFilter(draft));
          }}
        >
          {field('actorName', 'Who', 'text', 'a name, e.g. Rita')}
          {field('actionFamily', 'What', 'text', 'e.g. approve, deploy, suspend')}
          {field('subjectName', 'Subject', 'text', 'a use case, model or "model v3"')}
          {field('from', 'From', 'date')}
          {field('to', 'To', 'date')}
          <button type="submit">Search</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft({});
              setFilter({});
            }}
          >
            Clear
          </button>
        </form>
        <p className="muted">
          Newest first. Download what is filtered:{' '}
          <a href={exportUrl(filter, 'csv')} download>
            CSV
          </a>{' '}
          ·{' '}
          <a href={exportUrl(filter, 'json')} download>
            JSON
          </a>{' '}
          (each download is recorded in the trail).
        </p>
        <Async state={pages.events}>
          {(p) => (
            <>
              <EventTable items={p.items} />
              <EventPager pages={pages} nextCursor={p.nextCursor} />
            </>
          )}
        </Async>
      </Section>
    </>
  );
}
