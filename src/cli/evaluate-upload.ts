import { createReadStream, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createClient, UsageError } from './client.ts';
import { serverCheckLines } from './evaluate-checks.ts';
import { print } from './output.ts';
import { progress } from './prompt.ts';
import { versionPath } from './version-commands.ts';

const MEDIA_TYPES = { csv: 'text/csv', jsonl: 'application/x-ndjson', parquet: 'application/vnd.apache.parquet' };

/** The evaluate options, as the evaluation upload's query string takes them. */
function query(o: Record<string, unknown>): URLSearchParams {
  const q = new URLSearchParams();
  const pairs: [string, unknown][] = [
    ['task', o.task],
    ['label', o.label],
    ['prediction', o.prediction],
    ['score', o.score],
    ['weight', o.weight],
    ['sensitive', o.sensitive || undefined],
    ['privileged', o.privileged],
    ['positiveLabel', o.positiveLabel],
    ['missingSensitiveAs', o.missingSensitiveAs],
    ['classScores', o.classScores],
    ['zeroDivision', o.zeroDivision],
    ['ranges', o.ranges],
    ['features', o.features],
    ['output', o.output],
    ['labelOutput', o.labelOutput],
    ['classIndex', o.classIndex],
    ['threshold', o.threshold],
    ['seed', o.seed],
  ];
  for (const [k, v] of pairs) if (v !== undefined) q.set(k, String(v));
  if (o.explain === false) q.set('explain', 'false');
  return q;
}

/** Reads a file in chunks, counting them into the progress line. */
export async function* counted(path: string, onChunk: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(path)) {
    onChunk((chunk as Buffer).length);
    yield chunk as Buffer;
  }
}

/**
 * `steward evaluate --upload`: the server runs the same engine on the same data and keeps the
 * result as the version's evidence (computed there, never declared by the client).
 */
export async function uploadEvaluation(
  o: Record<string, unknown> & { data: string; json: boolean; model?: string; version?: string; onnx?: string },
  format: keyof typeof MEDIA_TYPES,
  size: number,
): Promise<void> {
  if (o.model === undefined || o.version === undefined)
    throw new UsageError('--upload needs --model and --version: the version the evaluation is evidence for');
  const path = `${versionPath({ model: o.model, version: o.version })}/evaluations?${query(o)}`;
  const client = createClient();
  const bar = progress(`uploading ${basename(o.data)}`, size, o.json);
  let body: RequestInit['body'];
  let contentType: string | undefined;
  if (o.onnx !== undefined) {
    let model: Buffer;
    try {
      model = readFileSync(o.onnx);
    } catch (err) {
      throw new UsageError(
        `cannot read ${(err as NodeJS.ErrnoException).path}: ${(err as NodeJS.ErrnoException).code}`,
      );
    }
    const form = new FormData();
    form.append('model', new Blob([model]), basename(o.onnx));
    form.append('data', new Blob([readFileSync(o.data)], { type: MEDIA_TYPES[format] }), basename(o.data));
    body = form; // fetch sets the multipart boundary itself
  } else {
    body = counted(o.data, (n) => bar.add(n)) as unknown as RequestInit['body'];
    contentType = MEDIA_TYPES[format];
  }
  try {
    const e = await client.send<{ id: string; model: string; version: number; metrics: Record<string, number | null> }>(
      'POST',
      path,
      body,
      contentType,
    );
    bar.end();
    // How the version's checks stand now that this result counts (a later failure outweighs an earlier pass).
    const { requirements } = await client.request<{ requirements: Parameters<typeof serverCheckLines>[0] }>(
      'GET',
      `${versionPath({ model: o.model, version: o.version })}/requirements`,
    );
    print(
      o.json,
      { ...e, checks: requirements.filter((r) => (r.considered ?? []).length > 0) },
      [
        `recorded evaluation ${e.id} for ${e.model} version ${e.version}`,
        ...Object.entries(e.metrics)
          .filter(([, v]) => v !== null)
          .map(([k, v]) => `  ${k.padEnd(40)} ${Number.isInteger(v) ? v : (v as number).toFixed(4)}`),
        ...serverCheckLines(requirements),
      ].join('\n'),
    );
  } finally {
    bar.end();
  }
}
