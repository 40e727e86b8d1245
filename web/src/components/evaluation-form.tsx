import { useState } from 'react';
import { api, ok } from '../api/client.ts';
import { Field, Problem } from '../ui/basics.tsx';
import { useAction } from '../ui/hooks.ts';

const TYPES: Record<string, string> = {
  csv: 'text/csv',
  jsonl: 'application/x-ndjson',
  ndjson: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
};

/** Evaluates a version on a data file (the API reads the columns named here); both upload forms send it so. */
export async function uploadEvaluation(
  name: string,
  version: number,
  file: File,
  columns: {
    task: 'binary-classification' | 'multiclass-classification' | 'regression';
    label: string;
    prediction?: string;
    score?: string;
    sensitive?: string;
  },
): Promise<void> {
  const type = TYPES[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? 'text/csv';
  ok(
    await api.POST('/api/v1/models/{name}/versions/{version}/evaluations', {
      params: {
        path: { name, version },
        query: {
          task: columns.task,
          label: columns.label,
          ...(columns.prediction ? { prediction: columns.prediction } : {}),
          ...(columns.score ? { score: columns.score } : {}),
          ...(columns.sensitive ? { sensitive: columns.sensitive } : {}),
        },
      },
      body: file as never,
      bodySerializer: (b: unknown) => b as Blob,
      headers: { 'content-type': type },
    }),
  );
}

/** Splits one CSV line on commas outside quotes, unquoting each field. */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out.filter((f) => f !== '');
}

/**
 * The columns of a data file, read in the browser from its first line: a CSV header, or the keys
 * of the first JSON Lines record. Parquet keeps its schema at the end of the file: none is offered.
 */
export async function fileColumns(file: File): Promise<string[]> {
  const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
  if (ext === 'parquet') return [];
  const head = await file.slice(0, 64 * 1024).text();
  const first = head.split(/\r?\n/, 1)[0] ?? '';
  if (ext === 'jsonl' || ext === 'ndjson') {
    try {
      const record = JSON.parse(first) as unknown;
      return record && typeof record === 'object' && !Array.isArray(record) ? Object.keys(record) : [];
    } catch {
      return [];
    }
  }
  return csvFields(first);
}

const guess = (columns: string[], names: RegExp) => columns.find((c) => names.test(c)) ?? '';

/**
 * Evaluates a version on a data file: once a file is chosen, its columns are offered for the
 * label, prediction, score and group (sensitive attribute) mapping.
 */
export function EvaluationForm({
  name,
  version,
  metric,
  onRecorded,
}: {
  name: string;
  version: number;
  /** The metric a requirement needs, said above the form. */
  metric?: string;
  onRecorded: () => void;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [columns, setColumns] = useState<string[]>([]);
  const [task, setTask] = useState<'binary-classification' | 'multiclass-classification' | 'regression'>(
    'binary-classification',
  );
  const [label, setLabel] = useState('');
  const [prediction, setPrediction] = useState('');
  const [score, setScore] = useState('');
  const [group, setGroup] = useState('');
  const choose = async (f: File | null) => {
    setFile(f);
    const cols = f ? await fileColumns(f) : [];
    setColumns(cols);
    setLabel(guess(cols, /^(y|label|target|outcome|actual)$/i));
    setPrediction(guess(cols, /^(yhat|y_hat|pred|prediction|predicted)$/i));
    setScore(guess(cols, /^(score|proba|probability|p)$/i));
    setGroup(guess(cols, /^(sex|gender|group|age_band|segment)$/i));
  };
  const upload = useAction(async () => {
    if (!file) throw new Error('choose a data file');
    if (!label) throw new Error('choose the label column');
    await uploadEvaluation(name, version, file, { task, label, prediction, score, sensitive: group });
    setFile(null);
    setColumns([]);
    onRecorded();
  });
  // A column picker where the file's columns are known, free text otherwise (Parquet).
  const column = (value: string, set: (v: string) => void, optional: boolean) =>
    columns.length > 0 ? (
      <select value={value} onChange={(e) => set(e.target.value)} required={!optional}>
        <option value="">{optional ? '(none)' : '(choose a column)'}</option>
        {columns.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    ) : (
      <input value={value} onChange={(e) => set(e.target.value)} required={!optional} />
    );
  return (
    <form
      className="form"
      aria-label="Upload an evaluation"
      onSubmit={(e) => {
        e.preventDefault();
        void upload.act();
      }}
    >
      {metric && <p className="sub">The requirement needs {metric}.</p>}
      <Field label="Data file" hint="CSV, JSON Lines or Parquet with labels and predictions">
        <input
          type="file"
          accept=".csv,.jsonl,.ndjson,.parquet"
          onChange={(e) => void choose(e.target.files?.[0] ?? null)}
          required
        />
      </Field>
      {file && columns.length > 0 && (
        <p className="sub" role="status">
          {columns.length} columns read from the file: {columns.join(', ')}
        </p>
      )}
      <div className="row">
        <Field label="Task">
          <select value={task} onChange={(e) => setTask(e.target.value as typeof task)}>
            <option value="binary-classification">binary classification</option>
            <option value="multiclass-classification">multiclass classification</option>
            <option value="regression">regression</option>
          </select>
        </Field>
        <Field label="Label column">{column(label, setLabel, false)}</Field>
        <Field label="Prediction column">{column(prediction, setPrediction, true)}</Field>
        <Field label="Score column">{column(score, setScore, true)}</Field>
        <Field label="Group column" hint="a sensitive attribute for fairness metrics">
          {column(group, setGroup, true)}
        </Field>
      </div>
      <Problem error={upload.error} />
      <button type="submit" disabled={upload.busy}>
        Evaluate
      </button>
    </form>
  );
}
