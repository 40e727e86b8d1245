import { useState } from 'react';
import { api, ok } from '../api/client.ts';
import type { VersionNextActions } from '../api/version-types.ts';
import { Link, enc } from '../router.tsx';
import { Badge, Field, Problem, Section } from '../ui/basics.tsx';
import { useAction } from '../ui/hooks.ts';
import { EvaluationForm } from './evaluation-form.tsx';
import { useSession } from '../session.tsx';
import { GatedButton } from './gated.tsx';

type Status = VersionNextActions['status'];
type Action = VersionNextActions['next'][number];
type Missing = VersionNextActions['missing'][number];
type Subject = { model: string; version: number } | { useCaseId: string };
type Progress = Pick<VersionNextActions, 'steps' | 'missing' | 'next' | 'progress' | 'documentKinds'>;

const TONE: Record<Status['state'], string> = {
  suspended: 'bad',
  refused: 'bad',
  stale: 'warn',
  live: 'good',
  'in-development': 'info',
};

/** The one status of a version or use case, at the top of its page: the same value its inventory row shows. */
export function StatusBanner({ status, step }: { status: Status; step?: string | null }) {
  return (
    <div className={`status-banner ${TONE[status.state]}`} role="status" aria-label="Status">
      <strong>{status.label}</strong>
      {step && (
        <span className="sub">
          {' '}
          · governance step <em>{step}</em> (where it stands in its process; environments are where it runs)
        </span>
      )}
      {status.reasons.length > 0 && (
        <ul className="compact">
          {status.reasons.slice(0, 5).map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Where each environment stands and what a promotion there needs: the step is not the environment. */
export function Environments({ items }: { items: VersionNextActions['environments'] }) {
  return (
    <Section title="Where it can run">
      <ul className="compact">
        {items.map((e) => (
          <li key={e.id}>
            <strong>{e.id}</strong> {e.deployed ? <Badge value="deployed" tone="good" /> : null} — {e.explanation}
          </li>
        ))}
      </ul>
    </Section>
  );
}

/**
 * Why the user may not take an action on the subject owned by `team`, as the server would refuse
 * it (the permission or role it needs there), or null when they may.
 */
function useActionRefusal(subject: Subject, team: string): (action: Action) => string | null {
  const { why, whyRole } = useSession();
  const write = 'model' in subject ? 'version:write' : 'use-case:write';
  return (action) => {
    switch (action.kind) {
      case 'add-document':
      case 'move-step':
        return why(write, team);
      case 'upload-evaluation':
        return why('version:write', team);
      case 'request-promotion':
        return why('alias:write', team);
      case 'sign':
        return whyRole([String(action.params.role)], team);
      default:
        return null;
    }
  };
}

const base = (s: Subject) =>
  'model' in s ? `/models/${enc(s.model)}/versions/${s.version}` : `/use-cases/${enc(s.useCaseId)}`;

/**
 * Progress per step ("7 of 58") and each missing requirement with who owns it and a one-click
 * action: add a document of the kind the pack names, upload an evaluation, sign, move on, promote.
 */
export function NextActions({
  subject,
  team,
  data,
  onChanged,
  onSign,
}: {
  subject: Subject;
  /** The team owning the subject: actions the user may not take there are disabled with the reason. */
  team: string;
  data: Progress;
  onChanged: () => void;
  /** Opens the page's signing dialog with this role. */
  onSign?: (role: string) => void;
}) {
  const [open, setOpen] = useState<string | null>(null);
  const [all, setAll] = useState(false);
  const refusal = useActionRefusal(subject, team);
  const shown = all ? data.missing : data.missing.slice(0, 8);
  const done = () => {
    setOpen(null);
    onChanged();
  };
  return (
    <Section title="Next actions">
      <p>
        <strong>
          {data.progress.met} of {data.progress.total}
        </strong>{' '}
        requirements met.
      </p>
      <ol className="step-progress" aria-label="Progress per step">
        {data.steps.map((s) => (
          <li key={s.id} className={s.state}>
            {s.title}: {s.met} of {s.total}
            {s.state === 'current' ? ' (current step)' : ''}
          </li>
        ))}
      </ol>
      {data.next.map((a) => (
        <MoveOn key={a.kind} subject={subject} action={a} reason={refusal(a)} onDone={done} />
      ))}
      {data.missing.length > 0 && (
        <ul className="next-actions" aria-label="Missing">
          {shown.map((m) => (
            <li key={m.measure}>
              <div>
                <strong>{m.title}</strong> <Badge value={m.status} /> <span className="sub">step {m.step}</span>
              </div>
              <div className="sub">
                {m.people.length > 0
                  ? `Who: ${m.people.map((p) => `${p.displayName} (${p.role})`).join(', ')}`
                  : `Who: ${m.roles.join(' or ') || 'nobody holds the role yet'}`}
              </div>
              <div className="actions">
                {m.actions.map((a, i) => (
                  <ActionButton
                    key={i}
                    subject={subject}
                    action={a}
                    item={m}
                    reason={refusal(a)}
                    onOpen={() => setOpen(`${m.measure}/${i}`)}
                    onSign={onSign}
                  />
                ))}
              </div>
              {m.actions.map((a, i) =>
                open === `${m.measure}/${i}` ? (
                  <ActionForm
                    key={i}
                    subject={subject}
                    action={a}
                    kinds={data.documentKinds}
                    onDone={done}
                    onCancel={() => setOpen(null)}
                  />
                ) : null,
              )}
            </li>
          ))}
        </ul>
      )}
      {data.missing.length > shown.length && (
        <button type="button" className="ghost" onClick={() => setAll(true)}>
          Show all {data.missing.length} missing
        </button>
      )}
    </Section>
  );
}

function ActionButton({
  subject,
  action,
  item,
  reason,
  onOpen,
  onSign,
}: {
  subject: Subject;
  action: Action;
  item: Missing;
  reason: string | null;
  onOpen: () => void;
  onSign?: (role: string) => void;
}) {
  const label = `${action.label} — ${item.title}`;
  if (action.kind === 'add-document' || (action.kind === 'upload-evaluation' && 'model' in subject))
    return (
      <GatedButton className="secondary" aria-label={label} reason={reason} onClick={onOpen}>
        {action.label}
      </GatedButton>
    );
  if (action.kind === 'sign' && onSign)
    return (
      <GatedButton
        className="secondary"
        aria-label={label}
        reason={reason}
        onClick={() => onSign(String(action.params.role))}
      >
        {action.label}
      </GatedButton>
    );
  const tab =
    action.kind === 'configure-monitoring' ? 'Monitoring' : action.kind === 'sign' ? 'Governance' : 'Evidence';
  return <Link to={`${base(subject)}?tab=${tab}`}>{action.label}</Link>;
}

function ActionForm({
  subject,
  action,
  kinds,
  onDone,
  onCancel,
}: {
  subject: Subject;
  action: Action;
  kinds: string[];
  onDone: () => void;
  onCancel: () => void;
}) {
  if (action.kind === 'upload-evaluation' && 'model' in subject)
    return (
      <EvaluationForm
        name={subject.model}
        version={subject.version}
        metric={String(action.params.metric ?? '')}
        onRecorded={onDone}
      />
    );
  return (
    <DocumentForm
      subject={subject}
      kind={String(action.params.documentKind)}
      kinds={kinds}
      onDone={onDone}
      onCancel={onCancel}
    />
  );
}

/** Records a document; its kind is one the pack names, pre-selected from the action. */
function DocumentForm({
  subject,
  kind: initial,
  kinds,
  onDone,
  onCancel,
}: {
  subject: Subject;
  kind: string;
  kinds: string[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const [kind, setKind] = useState(initial);
  const [title, setTitle] = useState('');
  const [content, setContent] = useState('');
  const record = useAction(async () => {
    const body = { kind, title, content };
    if ('model' in subject)
      ok(
        await api.POST('/api/v1/models/{name}/versions/{version}/documents', {
          params: { path: { name: subject.model, version: subject.version } },
          body,
        }),
      );
    else ok(await api.POST('/api/v1/use-cases/{id}/documents', { params: { path: { id: subject.useCaseId } }, body }));
    onDone();
  });
  return (
    <form
      className="form inline-form"
      aria-label="Add a document"
      onSubmit={(e) => {
        e.preventDefault();
        void record.act();
      }}
    >
      <div className="row">
        <Field label="Document kind" hint="the kinds the policy pack asks for">
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Document title">
          <input value={title} onChange={(e) => setTitle(e.target.value)} required />
        </Field>
      </div>
      <Field label="Document content (Markdown)">
        <textarea value={content} onChange={(e) => setContent(e.target.value)} rows={4} required />
      </Field>
      <Problem error={record.error} />
      <button type="submit" disabled={record.busy}>
        Record document
      </button>{' '}
      <button type="button" className="ghost" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

/** Moving on: to the next step once its gate passes, or a promotion the check would allow now. */
function MoveOn({
  subject,
  action,
  reason: refusal,
  onDone,
}: {
  subject: Subject;
  action: Action;
  reason: string | null;
  onDone: () => void;
}) {
  const [reason, setReason] = useState('');
  const act = useAction(async () => {
    if (action.kind === 'move-step') {
      const to = String(action.params.to);
      if ('model' in subject)
        ok(
          await api.POST('/api/v1/models/{name}/versions/{version}/lifecycle/transitions', {
            params: { path: { name: subject.model, version: subject.version } },
            body: { to },
          }),
        );
      else
        ok(
          await api.POST('/api/v1/use-cases/{id}/lifecycle/transitions', {
            params: { path: { id: subject.useCaseId } },
            body: { to },
          }),
        );
    } else if ('model' in subject) {
      ok(
        await api.POST('/api/v1/models/{name}/versions/{version}/promotions', {
          params: { path: { name: subject.model, version: subject.version } },
          body: {
            environment: String(action.params.environment) as 'development',
            reason: reason || action.label,
          },
        }),
      );
    }
    onDone();
  });
  return (
    <form
      className="form inline-form"
      aria-label={action.label}
      onSubmit={(e) => {
        e.preventDefault();
        void act.act();
      }}
    >
      {action.kind === 'request-promotion' && (
        <Field label="Reason for the promotion">
          <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder={action.label} />
        </Field>
      )}
      <Problem error={act.error} />
      <GatedButton type="submit" disabled={act.busy} reason={refusal}>
        {action.label}
      </GatedButton>
    </form>
  );
}
