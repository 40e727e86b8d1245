import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { Async, Badge, Problem, Section, when } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { EventTable, loadEvents, type Filter } from '../../components/audit-events.tsx';

/** Search the event log, see the latest signed checkpoint, and verify the whole trail. */
export function AuditPage() {
  const [draft, setDraft] = useState<Filter>({});
  const [filter, setFilter] = useState<Filter>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const events = useLoad(() => loadEvents(filter, cursors.at(-1)), [filter, cursors]);
  const checkpoint = useLoad(async () => ok(await api.GET('/api/v1/audit/checkpoint')), []);
  const key = useLoad(async () => ok(await api.GET('/api/v1/audit/public-key')), []);
  const [report, setReport] = useState<Awaited<ReturnType<typeof runVerify>> | null>(null);
  const runVerify = async () => ok(await api.POST('/api/v1/audit/verification'));
  const verify = useAction(async () => setReport(await runVerify()));
  const field = (k: keyof Filter, label: string, type = 'text') => (
    <label>
      {label} <input type={type} value={draft[k] ?? ''} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
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
        <Problem error={verify.error} />
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
          onSubmit={(e) => {
            e.preventDefault();
            setCursors([]);
            setFilter(draft);
          }}
        >
          {field('action', 'Action')}
          {field('subjectType', 'Subject type')}
          {field('subjectId', 'Subject id')}
          <button type="submit">Search</button>
        </form>
        <Async state={events}>
          {(p) => (
            <>
              <EventTable items={p.items} />
              <nav className="pager" aria-label="Pages">
                <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
                  Previous
                </button>
                <button type="button" disabled={!p.nextCursor} onClick={() => setCursors([...cursors, p.nextCursor!])}>
                  Next
                </button>
              </nav>
            </>
          )}
        </Async>
      </Section>
    </>
  );
}
