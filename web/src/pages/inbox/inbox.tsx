import { useMemo, useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { SignDialog } from '../../components/sign-dialog.tsx';
import { Link } from '../../router.tsx';
import { Async, Badge, Problem, Section, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { arrange, measureOf, type DueFilter, type InboxItem, type Task } from './inbox-tasks.ts';

const KIND_WORDS: Record<string, string> = {
  signoff: 'sign-off',
  review: 'document review',
  raci: 'step task',
  're-review': 're-review',
  'regulatory-change': 'regulatory change',
  'exception-expired': 'expired exception',
};

/** The user's tasks, grouped by what they concern, each listed once, overdue first. */
export function InboxPage() {
  // ?assigned=me (the link notifications of an assignment carry) starts with the caller's own tasks.
  const [mine, setMine] = useState(() => new URLSearchParams(location.search).get('assigned') === 'me');
  const tasks = useLoad(
    async () =>
      ok(await api.GET('/api/v1/tasks', { params: { query: { status: 'open', limit: 500, assignedToMe: mine } } }))
        .items,
    [mine],
  );
  const [kind, setKind] = useState('all');
  const [due, setDue] = useState<DueFilter>('all');
  const [signing, setSigning] = useState<Task | null>(null);
  const [signed, setSigned] = useState<string | null>(null);
  const complete = useAction(async (id: string) => {
    ok(await api.POST('/api/v1/tasks/{id}/completion', { params: { path: { id } } }));
    tasks.reload();
  });
  const kinds = useMemo(() => [...new Set((tasks.data ?? []).map((t) => t.kind))].sort(), [tasks.data]);
  return (
    <>
      <h1>Approvals inbox</h1>
      <div className="form inline" role="group" aria-label="Filter tasks">
        <label>
          Kind{' '}
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="all">all kinds</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {KIND_WORDS[k] ?? k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Due{' '}
          <select value={due} onChange={(e) => setDue(e.target.value as DueFilter)}>
            <option value="all">any time</option>
            <option value="overdue">overdue</option>
            <option value="week">within 7 days</option>
          </select>
        </label>
        <label>
          <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Assigned to me
        </label>
      </div>
      {signed && (
        <p role="status" className="ok">
          {signed}
        </p>
      )}
      <Outcome of={complete} />
      <Async state={tasks}>
        {(items) => {
          const groups = arrange(items, { kind, due, now: Date.now() });
          if (groups.length === 0)
            return (
              <p className="muted">{items.length === 0 ? 'Nothing waits for you.' : 'No task matches the filters.'}</p>
            );
          return groups.map((g) => (
            <Section key={g.subject} title={g.subject} actions={<Link to={g.href}>Open {g.subject}</Link>}>
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Task</th>
                    <th scope="col">Your role</th>
                    <th scope="col">Due</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {g.items.map((r) => (
                    <TaskRow
                      key={r.task.id}
                      r={r}
                      href={g.href}
                      busy={complete.busy}
                      onSign={() => {
                        setSigned(null);
                        setSigning(r.task);
                      }}
                      onDone={() => void complete.act(r.task.id)}
                    />
                  ))}
                </tbody>
              </table>
            </Section>
          ));
        }}
      </Async>
      {signing && (
        <InlineSign
          task={signing}
          onClose={() => setSigning(null)}
          onSigned={() => {
            setSigned(`Signed ${signing.model} v${signing.version}: ${signing.title.replace(/^Sign: /, '')}`);
            setSigning(null);
            tasks.reload();
          }}
        />
      )}
    </>
  );
}

function TaskRow({
  r,
  href,
  busy,
  onSign,
  onDone,
}: {
  r: InboxItem;
  href: string;
  busy: boolean;
  onSign: () => void;
  onDone: () => void;
}) {
  const t = r.task;
  return (
    <tr>
      <td>
        {t.title}
        <div className="sub">
          {KIND_WORDS[t.kind] ?? t.kind} · step {t.step}
          {r.alsoForUseCase && ' · also asked of its use case'}
        </div>
      </td>
      <td>
        {r.roles.join(', ')} ({t.raci}) in {t.team}
        {t.assignee && <div className="sub">assigned to {t.assignee.username}</div>}
      </td>
      <td>{t.overdue ? <Badge value="overdue" tone="bad" title={t.due} /> : t.due.slice(0, 10)}</td>
      <td className="actions">
        {t.blocked ? (
          <>
            <Badge value="you cannot complete this" tone="warn" />
            <div className="sub">{t.blocked}</div>
          </>
        ) : t.kind === 'review' ? (
          // A review closes by accepting or rejecting the document, with an e-signature.
          <Link to={href}>Review the document</Link>
        ) : measureOf(t) && t.model ? (
          <button type="button" onClick={onSign}>
            Sign…
          </button>
        ) : measureOf(t) ? (
          // A use case's sign-off is given on its page; the task closes when its measure is met.
          <Link to={href}>Sign on the use case</Link>
        ) : (
          <button type="button" className="secondary" disabled={busy} onClick={onDone}>
            Mark done
          </button>
        )}
      </td>
    </tr>
  );
}

/** The version's signing dialog, opened from the inbox with what it needs loaded first. */
function InlineSign({ task, onClose, onSigned }: { task: Task; onClose: () => void; onSigned: () => void }) {
  const name = task.model!;
  const version = task.version!;
  const data = useLoad(async () => {
    const path = { name, version };
    const [status, record, evidence] = await Promise.all([
      api.GET('/api/v1/models/{name}/versions/{version}/lifecycle', { params: { path } }).then(ok),
      api.GET('/api/v1/models/{name}/versions/{version}', { params: { path } }).then(ok),
      api.GET('/api/v1/models/{name}/versions/{version}/evidence', { params: { path } }).then(ok),
    ]);
    return { status, artifactDigest: record.artifactDigest, evidence: evidence.items };
  }, [name, version]);
  if (data.error) return <Problem error={data.error} />;
  if (!data.data) return null;
  return (
    <SignDialog
      open
      onClose={onClose}
      onSigned={onSigned}
      status={data.data.status}
      artifactDigest={data.data.artifactDigest}
      evidence={data.data.evidence}
      preferredRole={task.role}
    />
  );
}
