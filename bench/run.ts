// `npm run bench`: every figure beside its baseline measured in the same run, with the ratio.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { auditBench } from './lib/audit-bench.ts';
import { cliBench } from './lib/cli-bench.ts';
import { cliRows } from './lib/cli-rows.ts';
import { evidenceBench, type EvidenceBench } from './lib/evidence-bench.ts';
import { driftBench } from './lib/drift-bench.ts';
import { robustnessBench } from './lib/robustness-bench.ts';
import { championBench } from './lib/champion-bench.ts';
import { documentBench } from './lib/document-bench.ts';
import { examinationBench } from './lib/examination-bench.ts';
import { registryBench } from './lib/registry-bench.ts';
import { governedBench } from './lib/governed-bench.ts';
import { healthzRows, healthzRuns } from './lib/healthz-rows.ts';
import { startChild } from './lib/child.ts';
import { load, median, type LoadResult } from './lib/load.ts';
import { rawSingleRowTransactions } from './lib/sqlite-raw.ts';
import { mlflowBench } from './lib/mlflow-bench.ts';
import { soakRows } from './lib/soak-rows.ts';
import { kpiBench } from './lib/kpi-bench.ts';
import { admissionBench, discoveryBench } from './lib/discovery-bench.ts';
import { admissionCpu } from './lib/admission-cpu.ts';
import { consoleBench, consoleRows } from './lib/console-bench.ts';
import { governedRows, mlflowRows, registryRows, type Row } from './lib/registry-rows.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const AUDIT_EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
const EVAL_ROWS = Number(process.env.BENCH_EVAL_ROWS ?? 10_000_000);
const TOKEN = 'stw_bench-token-0123456789abcdefghij';
const rows: Row[] = [];
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// `npm run bench -- soak`: only the soak (minutes long; BENCH_SOAK_SECONDS shortens it).
if (process.argv[2] === 'soak') {
  await soakRows(TOKEN);
  process.exit(0);
}
/** The governance KPI snapshot over a large inventory beside a plain inventory count. */
function kpiBenchRow(): Row {
  const KPI_USE_CASES = Number(process.env.BENCH_KPI_USE_CASES ?? 10_000);
  const KPI_VERSIONS = Number(process.env.BENCH_KPI_VERSIONS ?? 100_000);
  const kpis = kpiBench(KPI_USE_CASES, KPI_VERSIONS, Number(process.env.BENCH_KPI_EVENTS ?? 1_000_000));
  return {
    name: `governance KPI snapshot: ${fmt(KPI_USE_CASES)} assessed use cases, ${fmt(KPI_VERSIONS)} versions in their process, ${fmt(kpis.events)} audit events (s, the request); peak RSS ${fmt(kpis.snapshot.maxRssMiB)} MiB`,
    value: fmt(kpis.snapshot.requestSeconds ?? kpis.snapshot.seconds, 1),
    baseline: `${fmt(kpis.count.requestSeconds ?? kpis.count.seconds, 3)} s a plain inventory count (GET /overview?limit=1) of the same store (peak RSS ${fmt(kpis.count.maxRssMiB)} MiB)`,
    ratio: (kpis.snapshot.requestSeconds ?? 0) / (kpis.count.requestSeconds ?? 1),
    goal: '-',
  };
}
// `npm run bench -- kpis`: only the KPI snapshot row.
if (process.argv[2] === 'kpis') {
  const r = kpiBenchRow();
  console.log(`| ${r.name} | ${r.value} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.goal} |`);
  process.exit(0);
}
const DISCOVERY_MODELS = Number(process.env.BENCH_DISCOVERY_MODELS ?? 10_000);
// `npm run bench -- discovery`: only the admission and discovery rows.
if (process.argv[2] === 'discovery') {
  const only = [...(await admissionBench(TOKEN, SECONDS)), ...(await discoveryBench(TOKEN, DISCOVERY_MODELS))];
  console.log('| measure | Steward | baseline (same run) | ratio | goal |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of only) console.log(`| ${r.name} | ${r.value} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.goal} |`);
  process.exit(0);
}
// `npm run bench -- admission-cpu`: the server's CPU time per admission decision beside /check
// (BENCH_ADMISSION_REQUESTS a round, default 3,000), for a machine too busy for throughput figures.
if (process.argv[2] === 'admission-cpu') {
  const rows = await admissionCpu(TOKEN, Number(process.env.BENCH_ADMISSION_REQUESTS ?? 3000));
  const check = rows[0]!.microseconds;
  console.log('| requests | server CPU per request, each round (µs) | median | CPU of /check over it, each round |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.kind} | ${r.microseconds.map((u) => u.toFixed(0)).join(' / ')} | ${median(r.microseconds).toFixed(0)} | ${r.microseconds.map((u, i) => (check[i]! / u).toFixed(2)).join(' / ')} |`,
    );
  process.exit(0);
}
// `npm run bench -- console`: only the console's page loads over the demo, in Chromium
// (BENCH_CONSOLE_ROUNDS passes over the pages, default 1).
if (process.argv[2] === 'console') {
  const c = await consoleBench(TOKEN, Number(process.env.BENCH_CONSOLE_ROUNDS ?? 1));
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(
    `\nconsole page loads on ${machine}, ${new Date().toISOString()}; demo seeded in ${fmt(c.seedSeconds)} s; slowest cold page ${c.slowest.path} (${fmt(c.slowest.ms)} ms); median cold by kind: ${Object.entries(
      c.byKind,
    )
      .map(([k, v]) => `${k} ${fmt(v)} ms`)
      .join(', ')}; load average ${c.loadavg.map((x) => x.toFixed(1)).join(' -> ')}\n`,
  );
  console.log('| measure | Steward | baseline (same run) | ratio | goal |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of consoleRows(c))
    console.log(`| ${r.name} | ${r.value} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.goal} |`);
  process.exit(0);
}
/** The evidence engine's rows: MetricFrame and ROC AUC beside numpy and scikit-learn, the CSV file beside pandas. */
function evidenceRows(evidence: EvidenceBench): Row[] {
  const evalRows = fmt(evidence.rows);
  const np = evidence.numpy;
  return [
    {
      name: `fairness MetricFrame: selection rate, TPR, FPR for 4 groups, ${evalRows} rows (ms)`,
      value: fmt(evidence.frameMs, 1),
      baseline: np
        ? `${fmt(np.frameMs, 1)} ms numpy ${np.version} bincount${np.agrees ? '' : ' (RESULTS DIFFER)'}`
        : 'numpy not installed (apt-get install python3-numpy)',
      ratio: np ? evidence.frameMs / np.frameMs : NaN,
      goal: '<= 1.5',
    },
    {
      name: `ROC AUC, ${evalRows} rows (ms)`,
      value: fmt(evidence.aucMs, 0),
      baseline:
        np?.aucMs !== undefined
          ? `${fmt(np.aucMs, 0)} ms scikit-learn ${np.sklearn} roc_auc_score`
          : 'scikit-learn not installed (apt-get install python3-sklearn)',
      ratio: np?.aucMs !== undefined ? evidence.aucMs / np.aucMs : NaN,
      goal: '< 1',
    },
    {
      name: `evaluate a ${evalRows}-row CSV file (${fmt(evidence.file.bytes / 2 ** 20)} MiB) end to end, streamed: parse, profile, performance, fairness (s); peak RSS ${fmt(evidence.file.maxRssMiB)} MiB${evidence.file.spilled ? ', columns spilled to files' : ''}${evidence.file.pandas ? ` (pandas ${fmt(evidence.file.pandas.maxRssMiB)} MiB)` : ''}`,
      value: fmt(evidence.file.evaluateSeconds, 1),
      baseline: evidence.file.pandas
        ? `${fmt(evidence.file.pandas.seconds, 1)} s pandas ${evidence.file.pandas.version} read_csv + scikit-learn ${evidence.file.pandas.sklearn} AUC, accuracy, selection rates by group (csv-parse alone into records: ${fmt(evidence.file.csvParseSeconds, 1)} s; reading the bytes: ${fmt(evidence.file.readSeconds, 2)} s)`
        : `pandas not installed (apt-get install python3-pandas python3-sklearn); csv-parse alone into records: ${fmt(evidence.file.csvParseSeconds, 1)} s`,
      ratio: evidence.file.pandas
        ? evidence.file.evaluateSeconds / evidence.file.pandas.seconds
        : evidence.file.evaluateSeconds / evidence.file.csvParseSeconds,
      goal: '<= 1, RSS < 400 MiB',
    },
  ];
}
// `npm run bench -- evidence`: only the evidence engine's rows (BENCH_EVAL_ROWS, default 10,000,000).
if (process.argv[2] === 'evidence') {
  console.log('| measure | Steward | baseline (same run) | ratio | goal |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of evidenceRows(await evidenceBench(EVAL_ROWS)))
    console.log(`| ${r.name} | ${r.value} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.goal} |`);
  process.exit(0);
}
const MLFLOW_VERSIONS = (process.env.BENCH_MLFLOW_VERSIONS ?? '1,1000,100000').split(',').map(Number);
const REGISTRY_MODELS = Number(process.env.BENCH_REGISTRY_MODELS ?? 10_000);
const REGISTRY_VERSIONS = Number(process.env.BENCH_REGISTRY_VERSIONS ?? 10);
// The governed inventory rows: assessed use cases of five models each.
const GOVERNED_USE_CASES = Number(process.env.BENCH_GOVERNED_USE_CASES ?? 2_000);
// `npm run bench -- governed`: only the governed inventory rows.
if (process.argv[2] === 'governed') {
  console.log('| measure | Steward | baseline (same run) | ratio | goal |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of governedRows(await governedBench(GOVERNED_USE_CASES, 5, 100, TOKEN)))
    console.log(`| ${r.name} | ${r.value} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.goal} |`);
  process.exit(0);
}
// `npm run bench -- registry`: only the MLflow protocol and inventory page rows.
if (process.argv[2] === 'registry') {
  const only = [
    ...mlflowRows(await mlflowBench(TOKEN, SECONDS, MLFLOW_VERSIONS)),
    ...registryRows(
      await registryBench(REGISTRY_MODELS, REGISTRY_VERSIONS, 200, TOKEN),
      REGISTRY_MODELS,
      REGISTRY_VERSIONS,
    ),
    ...governedRows(await governedBench(GOVERNED_USE_CASES, 5, 100, TOKEN)),
  ];
  console.log('| measure | Steward | baseline (same run) | ratio | goal |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of only) console.log(`| ${r.name} | ${r.value} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.goal} |`);
  process.exit(0);
}

function check(r: LoadResult, what: string): LoadResult {
  if (r.errors > 0 || r.non2xx > 0) throw new Error(`${what}: ${r.errors} errors, ${r.non2xx} non-2xx responses`);
  return r;
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`seed ${url}: ${res.status} ${await res.text()}`);
}

const bare = await startChild('bare.ts');
const bareGet = check(await load({ url: `${bare.url}/hello`, seconds: SECONDS }), 'bare GET');
await bare.stop();

const steward = await startChild('steward.ts', { STEWARD_BENCH_TOKEN: TOKEN });
const api = `${steward.url}/api/v1`;
const auth = { authorization: `Bearer ${TOKEN}` };
await post(`${api}/teams`, { name: 'bench' }, auth);
await post(
  `${api}/use-cases`,
  {
    name: 'bench',
    objective: 'benchmark',
    ownerTeam: 'bench',
    consumers: 'internal-few',
    regions: ['EU'],
    sector: 'test',
    processesPersonalData: false,
  },
  auth,
);
const useCases = (await (await fetch(`${api}/use-cases`, { headers: auth })).json()) as { items: { id: string }[] };
await post(`${api}/models`, { name: 'bench-model', useCaseId: useCases.items[0]!.id, tags: { a: '1' } }, auth);
const versionBody = {
  artifactUri: 's3://bench/model.onnx',
  artifactDigest: `sha256:${'a'.repeat(64)}`,
  framework: 'onnx',
  metrics: { auc: 0.91, accuracy: 0.88 },
  params: { depth: 6 },
  code: { repository: 'https://git.example.org/bench', commit: 'abcdef1' },
  tags: { owner: 'bench' },
};
await post(`${api}/models/bench-model/versions`, versionBody, auth);

const versionGet = check(
  await load({ url: `${api}/models/bench-model/versions/1`, seconds: SECONDS, headers: auth }),
  'GET version',
);
const versionCreate = check(
  await load({
    url: `${api}/models/bench-model/versions`,
    method: 'POST',
    body: JSON.stringify(versionBody),
    seconds: SECONDS,
    headers: { 'content-type': 'application/json', ...auth },
  }),
  'POST version',
);
const cli = cliBench(steward.url, TOKEN);
await steward.stop();

// MLflow-protocol reads and creates beside /api/v1's, at 1, 1,000 and 100,000 versions per model.
const mlflow = await mlflowBench(TOKEN, SECONDS, MLFLOW_VERSIONS);

const raw = rawSingleRowTransactions(SECONDS);
const audit = await auditBench(AUDIT_EVENTS);
const evidence = await evidenceBench(EVAL_ROWS);
const drift = [driftBench(1_000_000, 3), driftBench(10_000_000, 1)];
const robust = robustnessBench(Number(process.env.BENCH_ROBUSTNESS_ROWS ?? 100_000), 5, 3);
const champion = championBench(Number(process.env.BENCH_CHAMPION_ROWS ?? 1_000_000));
const healthz = await healthzRuns(TOKEN, Number(process.env.BENCH_HEALTHZ_SECONDS ?? 20));
const discoveryRows = [...(await admissionBench(TOKEN, SECONDS)), ...(await discoveryBench(TOKEN, DISCOVERY_MODELS))];
const EXAM_EVENTS = Number(process.env.BENCH_EXAM_EVENTS ?? 1_000_000);
const exam = examinationBench(1_000, 10_000, EXAM_EVENTS);
const kpiRow = kpiBenchRow();
const documents = await documentBench(Number(process.env.BENCH_DOCUMENTS ?? 50));
const registry = await registryBench(REGISTRY_MODELS, REGISTRY_VERSIONS, 200, TOKEN);
const governed = await governedBench(GOVERNED_USE_CASES, 5, 100, TOKEN);

rows.push({
  name: 'GET /api/v1/models/{name}/versions/{v} (req/s, authenticated)',
  value: fmt(versionGet.rps),
  baseline: `${fmt(bareGet.rps)} bare Fastify hello-world GET`,
  ratio: versionGet.rps / bareGet.rps,
  goal: '>= 0.6',
});
rows.push({
  name: 'POST /api/v1/models/{name}/versions (req/s, durable, audited)',
  value: fmt(versionCreate.rps),
  baseline: `${fmt(raw.tps)} raw better-sqlite3 1-row txn/s`,
  ratio: versionCreate.rps / raw.tps,
  goal: '>= 0.3',
});
rows.push(...mlflowRows(mlflow));
rows.push(...cliRows(cli));
rows.push({
  name: 'audit append, 1 event per transaction, concurrent (events/s)',
  value: fmt(audit.singleAppendsPerSec),
  baseline: `${fmt(raw.tps)} raw better-sqlite3 1-row txn/s`,
  ratio: audit.singleAppendsPerSec / raw.tps,
  goal: '-',
});
rows.push({
  name: 'audit append, 1,000 events per transaction (events/s)',
  value: fmt(audit.bulkAppendsPerSec),
  baseline: `${fmt(raw.tps)} raw better-sqlite3 1-row txn/s`,
  ratio: audit.bulkAppendsPerSec / raw.tps,
  goal: '-',
});
rows.push({
  name: `steward audit verify, ${fmt(audit.events)} events, ${fmt(audit.checkpoints)} checkpoints (s)`,
  value: fmt(audit.verifySeconds, 2),
  baseline: `${fmt(audit.rawLeafHashSeconds, 2)} s raw SHA-256, one hash per event over the same ${fmt(audit.bytes / 2 ** 20)} MiB`,
  ratio: audit.verifySeconds / audit.rawLeafHashSeconds,
  goal: '<= 3',
});
rows.push({
  name: 'the same verify against one SHA-256 stream over all those bytes (s)',
  value: fmt(audit.verifySeconds, 2),
  baseline: `${fmt(audit.rawStreamHashSeconds, 2)} s raw SHA-256, one stream`,
  ratio: audit.verifySeconds / audit.rawStreamHashSeconds,
  goal: '-',
});

rows.push(...evidenceRows(evidence));

for (const d of drift) {
  rows.push({
    name: `drift of one numerical column, ${fmt(d.n)} vs ${fmt(d.n)} float64: sort, KS with p-value, PSI, Wasserstein (ms); peak RSS ${fmt(d.steward.maxRssMiB)} MiB`,
    value: fmt(d.steward.ms, 0),
    baseline: d.scipy
      ? `${fmt(d.scipy.ms, 0)} ms scipy ${d.scipy.version}: ${d.scipy.detail}`
      : 'scipy not installed (apt-get install python3-scipy)',
    ratio: d.scipy ? d.steward.ms / d.scipy.ms : NaN,
    goal: d.n <= 1_000_000 ? '<= 0.5' : 'RSS <= 300 MiB',
  });
}

rows.push({
  name: `robustness of a 20-feature ONNX model, ${fmt(robust.rows)} rows x ${robust.levels} noise levels: perturb, predict, score overall and per group (s); peak RSS ${fmt(robust.robustness.maxRssMiB)} MiB`,
  value: fmt(robust.robustness.seconds, 2),
  baseline: `${fmt(robust.evaluation.seconds, 2)} s plain evaluation of the same model on the same rows (one pass, performance and fairness; peak RSS ${fmt(robust.evaluation.maxRssMiB)} MiB)`,
  ratio: robust.robustness.seconds / robust.evaluation.seconds,
  goal: `<= ${robust.levels + 2}`,
});
rows.push({
  name: `champion/challenger, ${fmt(champion.n)} jointly labelled records: both accuracies, McNemar's test (ms)`,
  value: fmt(champion.mcnemarMs, 0),
  baseline: `${fmt(champion.evaluateMs, 0)} ms plain evaluation (every binary metric) of each version on the same rows`,
  ratio: champion.mcnemarMs / champion.evaluateMs,
  goal: '<= 1',
});
rows.push({
  name: `the same plus ROC AUC with a seeded paired bootstrap, ${champion.resamples} resamples (ms)`,
  value: fmt(champion.fullMs, 0),
  baseline: `${fmt(champion.evaluateMs, 0)} ms the same plain evaluations`,
  ratio: champion.fullMs / champion.evaluateMs,
  goal: '-',
});

rows.push(...registryRows(registry, REGISTRY_MODELS, REGISTRY_VERSIONS));
rows.push(...governedRows(governed));

rows.push(...healthzRows(healthz));
rows.push(...discoveryRows);
rows.push({
  name: `examination pack, whole organisation: 1,000 use cases, 10,000 versions, ${fmt(exam.events)} audit events (s); peak RSS ${fmt(exam.pack.maxRssMiB)} MiB, ${fmt((exam.pack.bytes ?? 0) / 2 ** 20)} MiB ZIP`,
  value: fmt(exam.pack.seconds, 1),
  baseline: `${fmt(exam.exported.seconds, 1)} s steward audit export of the same store (peak RSS ${fmt(exam.exported.maxRssMiB)} MiB)`,
  ratio: exam.pack.seconds / exam.exported.seconds,
  goal: '-',
});
rows.push(kpiRow);
rows.push({
  name: 'model card as PDF (embedded fonts, charts, 12 signatures, 4 evaluations), per version (ms)',
  value: fmt(documents.pdfMs, 1),
  baseline: `${fmt(documents.htmlMs, 2)} ms the same document as HTML`,
  ratio: documents.pdfMs / documents.htmlMs,
  goal: '-',
});

const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(
  `\nSteward benchmark (median of 3 loads of ${SECONDS}s after a 2s warm-up, 32 connections, autocannon in its own process; SQLite WAL synchronous=FULL) on ${machine}\n`,
);
console.log('| measure | Steward | baseline (same run) | ratio | goal |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.name} | ${r.value} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.goal} |`);
console.log(
  `\nlatency p50/p99 ms: bare GET ${bareGet.p50}/${bareGet.p99}, version GET ${versionGet.p50}/${versionGet.p99}, version POST ${versionCreate.p50}/${versionCreate.p99}`,
);
mkdirSync(new URL('./.results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./.results/latest.json', import.meta.url),
  JSON.stringify({ machine, seconds: SECONDS, rows, at: new Date().toISOString() }, null, 2),
);
