// The rows of the MLflow protocol and of the console's inventory page, each beside its baseline.
import type { MlflowBench } from './mlflow-bench.ts';
import type { GovernedResults } from './governed-bench.ts';
import type { RegistryResults } from './registry-bench.ts';

export interface Row {
  name: string;
  value: string;
  baseline: string;
  ratio: number;
  goal: string;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function mlflowRows(mlflow: MlflowBench): Row[] {
  const rows: Row[] = [];
  for (const r of mlflow.reads)
    rows.push({
      name: `GET /api/2.0/mlflow/model-versions/get, ${fmt(r.versions)} version${r.versions === 1 ? '' : 's'} in the model (req/s)`,
      value: fmt(r.mlflow.rps),
      baseline: `${fmt(r.v1.rps)} GET /api/v1/models/{name}/versions/{v}, same model and version`,
      ratio: r.ratio,
      goal: '>= 0.8',
    });
  rows.push({
    name: 'POST /api/2.0/mlflow/model-versions/create (req/s, durable, audited)',
    value: fmt(mlflow.create.mlflow.rps),
    baseline: `${fmt(mlflow.create.v1.rps)} POST /api/v1/models/{name}/versions`,
    ratio: mlflow.create.ratio,
    goal: '-',
  });
  const big = mlflow.createLargest;
  rows.push({
    name: `POST /api/2.0/mlflow/model-versions/create into the model of ${fmt(big.versions)} versions (req/s)`,
    value: fmt(big.mlflow.rps),
    baseline: `${fmt(big.v1.rps)} the same into a new model`,
    ratio: big.ratio,
    goal: 'flat (>= 0.8)',
  });
  return rows;
}

export function registryRows(registry: RegistryResults, REGISTRY_MODELS: number, REGISTRY_VERSIONS: number): Row[] {
  const rows: Row[] = [];
  for (const r of registry.overview) {
    rows.push({
      name: `console inventory page (GET /api/v1/overview, 50 rows), ${r.name}, ${fmt(REGISTRY_MODELS)} models (p50 / p95 ms)`,
      value: `${fmt(r.overview.p50, 1)} / ${fmt(r.overview.p95, 1)}`,
      baseline: `${fmt(r.modelList.p50, 1)} / ${fmt(r.modelList.p95, 1)} ms a 50-model page of GET /api/v1/models (text search)`,
      ratio: r.overview.p50 / r.modelList.p50,
      goal: 'p95 <= 20 ms',
    });
  }

  for (const r of registry.mlflow) {
    rows.push({
      name: `MLflow protocol: ${r.name}, ${fmt(REGISTRY_MODELS)} models / ${fmt(REGISTRY_MODELS * REGISTRY_VERSIONS)} versions (p50 / p95 ms)`,
      value: `${fmt(r.mlflow.p50, 1)} / ${fmt(r.mlflow.p95, 1)}`,
      baseline: `${fmt(r.v1.p50, 1)} / ${fmt(r.v1.p95, 1)} ms the same through /api/v1`,
      ratio: r.mlflow.p50 / r.v1.p50,
      goal: '-',
    });
  }

  return rows;
}

export function governedRows(g: GovernedResults): Row[] {
  return g.pages.map((p) => ({
    name: `console inventory page (GET /api/v1/overview, 50 rows) over ${fmt(g.models)} governed models (${fmt(g.useCases)} assessed use cases), ${p.name} (p50 / p95 ms)`,
    value: `${fmt(p.p50, 1)} / ${fmt(p.p95, 1)}`,
    baseline: `${fmt(g.modelList.p50, 1)} / ${fmt(g.modelList.p95, 1)} ms a 50-model page of GET /api/v1/models (the same text searches)`,
    ratio: p.p50 / g.modelList.p50,
    goal: 'p95 <= 20 ms',
  }));
}
