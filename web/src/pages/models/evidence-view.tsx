import { Suspense, lazy, useState } from 'react';
import { useSession } from '../../session.tsx';
import { NotOffered } from '../../components/gated.tsx';
import { api, ok } from '../../api/client.ts';
import { Badge, Field, Section, short, when, Outcome } from '../../ui/basics.tsx';
import { Bars, ConfusionMatrix, RocCurve } from '../../ui/charts.tsx';
import { useAction } from '../../ui/hooks.ts';
import type { Evidence } from '../../api/version-types.ts';
import { Robustness } from './robustness-view.tsx';
import { Person } from '../../components/person.tsx';
import { uploadEvaluation } from '../../components/evaluation-form.tsx';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const FAIRNESS_METRICS = ['selection_rate', 'accuracy', 'tpr', 'fpr', 'recall', 'precision'];
/** Evidence the engine computed (its charts come first): evaluations and robustness runs. */
const computed = (e: Evidence) => e.kind === 'evaluation' || e.kind === 'robustness';

/** One evaluation: its metrics, confusion matrix, ROC curve, fairness per group and explanations. */
function Evaluation({ e }: { e: Evidence }) {
  const result = obj(e.result) ?? {};
  const perf = obj(result.performance) ?? {};
  const conf = obj(perf.confusion);
  const roc = Array.isArray(perf.roc) ? (perf.roc as [number, number][]) : [];
  const fairness = obj(result.fairness) ?? {};
  const explanations = obj(result.explanations);
  const importance = obj(explanations?.importance) ?? obj(explanations?.permutationImportance);
  return (
    <div className="evidence">
      <table className="grid metrics">
        <caption>Metrics</caption>
        <tbody>
          {Object.entries(e.metrics).map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{v === null ? '—' : Number.isInteger(v) ? v : v.toFixed(4)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="charts">
        {conf && num(conf.tp) !== null && (
          <ConfusionMatrix
            labels={['0', '1']}
            matrix={[
              [num(conf.tn)!, num(conf.fp)!],
              [num(conf.fn)!, num(conf.tp)!],
            ]}
          />
        )}
        {roc.length > 1 && <RocCurve points={roc} {...(num(perf.rocAuc) !== null ? { auc: num(perf.rocAuc)! } : {})} />}
      </div>
      {Object.entries(fairness).map(([column, f]) => {
        const fo = obj(f);
        const groups = Array.isArray(fo?.groups) ? (fo!.groups as { group: unknown; rows: number }[]) : [];
        const frame = obj(fo?.metricFrame) ?? {};
        const metric = FAIRNESS_METRICS.find((m) => obj(frame[m])) ?? Object.keys(frame)[0];
        const byGroup = metric ? ((obj(frame[metric])?.byGroup as { value: number }[] | undefined) ?? []) : [];
        const overall = metric ? num(obj(frame[metric])?.overall) : null;
        if (!metric || byGroup.length === 0) return null;
        return (
          <Bars
            key={column}
            title={`${metric} per group of ${column}`}
            items={groups.map((g, i) => ({
              label: `${typeof g.group === 'object' ? JSON.stringify(g.group) : String(g.group)} (${g.rows})`,
              value: byGroup[i]?.value ?? 0,
              flag: overall !== null && metric === 'selection_rate' && (byGroup[i]?.value ?? 0) < 0.8 * overall,
            }))}
            {...(overall !== null
              ? {
                  threshold: {
                    value: metric === 'selection_rate' ? 0.8 * overall : overall,
                    label: metric === 'selection_rate' ? '4/5 of overall' : 'overall',
                  },
                }
              : {})}
          />
        );
      })}
      {importance && (
        <Bars
          title="Feature importance (permutation)"
          items={Object.entries(importance)
            .flatMap(([k, v]) => {
              const n = num(v) ?? num(obj(v)?.mean);
              return n === null ? [] : [{ label: k, value: n }];
            })
            .sort((a, b) => b.value - a.value)
            .slice(0, 15)}
        />
      )}
    </div>
  );
}

/** Evidence recorded for the version, newest first, and a form to record a document. */
export function EvidenceList({
  name,
  version,
  team,
  evidence,
  onRecorded,
}: {
  name: string;
  version: number;
  /** The team owning the version (undefined while it loads): recording evidence needs version:write there. */
  team: string | undefined;
  evidence: Evidence[];
  onRecorded: () => void;
}) {
  const mayNotRecord = useSession().why('version:write', team);
  // Until the user picks one, the latest computed evidence (evaluation or robustness run) is open.
  const [picked, setOpen] = useState<string | null | undefined>(undefined);
  const open = picked === undefined ? ([...evidence].reverse().find(computed)?.id ?? null) : picked;
  return (
    <>
      <Section title="Evidence">
        {evidence.length === 0 ? (
          <p className="muted">No evidence yet.</p>
        ) : (
          <ul className="evidence-list">
            {/* Computed evidence first (the charts), then the rest, each newest first. */}
            {[...evidence]
              .reverse()
              .sort((a, b) => Number(computed(b)) - Number(computed(a)))
              .map((e) => {
                const spec = obj(e.spec);
                return (
                  <li key={e.id}>
                    <button
                      type="button"
                      className="link"
                      aria-expanded={open === e.id}
                      onClick={() => setOpen(open === e.id ? null : e.id)}
                    >
                      <Badge value={e.kind} tone="neutral" /> {typeof spec?.title === 'string' ? spec.title : e.engine}{' '}
                      · {when(e.createdAt)} · <Person id={e.createdBy} link={false} />
                    </button>
                    <span className="sub">
                      {' '}
                      content <code title={e.contentHash}>{short(e.contentHash)}</code>
                      {e.artifactDigest ? (
                        <>
                          {' '}
                          · artefact <code title={e.artifactDigest}>{short(e.artifactDigest)}</code>
                        </>
                      ) : null}
                    </span>
                    {open === e.id &&
                      (e.kind === 'evaluation' ? (
                        <Evaluation e={e} />
                      ) : e.kind === 'robustness' ? (
                        <Robustness e={e} />
                      ) : (
                        <DocumentBody spec={obj(e.result) ?? spec} />
                      ))}
                  </li>
                );
              })}
          </ul>
        )}
      </Section>
      {team === undefined ? null : mayNotRecord ? (
        <Section title="Record evidence">
          <NotOffered what="Uploading an evaluation or recording a document" reason={mayNotRecord} />
        </Section>
      ) : (
        <>
          <UploadEvaluation name={name} version={version} onRecorded={onRecorded} />
          <RecordDocument name={name} version={version} onRecorded={onRecorded} />
        </>
      )}
    </>
  );
}

// The Markdown renderer is most of the version page's code, and only an opened document needs it.
const Markdown = lazy(() => import('../../ui/markdown.tsx').then((m) => ({ default: m.Markdown })));

function DocumentBody({ spec }: { spec: Obj | null }) {
  if (!spec) return null;
  return (
    <div className="evidence">
      {typeof spec.content === 'string' && (
        <Suspense
          fallback={
            <p className="muted" aria-busy="true">
              Loading…
            </p>
          }
        >
          <Markdown text={spec.content} />
        </Suspense>
      )}
      {typeof spec.uri === 'string' && (
        <p>
          Location: <code>{spec.uri}</code>
        </p>
      )}
      {typeof spec.digest === 'string' && (
        <p>
          Digest: <code>{spec.digest}</code>
        </p>
      )}
    </div>
  );
}

function RecordDocument({ name, version, onRecorded }: { name: string; version: number; onRecorded: () => void }) {
  const [kind, setKind] = useState('model-card');
  const [title, setTitle] = useState('');
  const [content, setContent] = useState('');
  const record = useAction(async () => {
    ok(
      await api.POST('/api/v1/models/{name}/versions/{version}/documents', {
        params: { path: { name, version } },
        body: { kind, title, content },
      }),
    );
    setTitle('');
    setContent('');
    onRecorded();
  });
  return (
    <Section title="Record a document">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void record.act();
        }}
      >
        <div className="row">
          <Field label="Kind" hint="the kind policy measures ask for">
            <input value={kind} onChange={(e) => setKind(e.target.value)} required />
          </Field>
          <Field label="Title">
            <input value={title} onChange={(e) => setTitle(e.target.value)} required />
          </Field>
        </div>
        <Field label="Content (Markdown)">
          <textarea value={content} onChange={(e) => setContent(e.target.value)} rows={5} required />
        </Field>
        <Outcome of={record} />
        <button type="submit" disabled={record.busy}>
          Record document
        </button>
      </form>
    </Section>
  );
}

/** Evaluate the version on a data file (labels, predictions, scores, sensitive columns): stored as evidence. */
function UploadEvaluation({ name, version, onRecorded }: { name: string; version: number; onRecorded: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [task, setTask] = useState<'binary-classification' | 'multiclass-classification' | 'regression'>(
    'binary-classification',
  );
  const [label, setLabel] = useState('y');
  const [prediction, setPrediction] = useState('yhat');
  const [score, setScore] = useState('');
  const [sensitive, setSensitive] = useState('');
  const upload = useAction(async () => {
    if (!file) throw new Error('choose a data file');
    await uploadEvaluation(name, version, file, { task, label, prediction, score, sensitive });
    setFile(null);
    onRecorded();
  });
  return (
    <Section title="Evaluate on a data file">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void upload.act();
        }}
      >
        <Field label="Data file" hint="CSV, JSON Lines or Parquet with labels and predictions">
          <input
            type="file"
            accept=".csv,.jsonl,.ndjson,.parquet"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            required
          />
        </Field>
        <div className="row">
          <Field label="Task">
            <select value={task} onChange={(e) => setTask(e.target.value as typeof task)}>
              <option value="binary-classification">binary classification</option>
              <option value="multiclass-classification">multiclass classification</option>
              <option value="regression">regression</option>
            </select>
          </Field>
          <Field label="Label column">
            <input value={label} onChange={(e) => setLabel(e.target.value)} required />
          </Field>
          <Field label="Prediction column">
            <input value={prediction} onChange={(e) => setPrediction(e.target.value)} />
          </Field>
          <Field label="Score column">
            <input value={score} onChange={(e) => setScore(e.target.value)} placeholder="optional" />
          </Field>
          <Field label="Sensitive columns">
            <input value={sensitive} onChange={(e) => setSensitive(e.target.value)} placeholder="e.g. sex,age_band" />
          </Field>
        </div>
        <Outcome of={upload} />
        <button type="submit" disabled={upload.busy}>
          Evaluate
        </button>
      </form>
    </Section>
  );
}
