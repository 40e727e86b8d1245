// Tables of production monitoring (migration 0008).

export interface MonitoringTables {
  predictions: PredictionTable;
  ingest_batches: IngestBatchTable;
  monitor_profiles: MonitorProfileTable;
  monitor_references: MonitorReferenceTable;
  monitor_windows: MonitorWindowTable;
  monitor_challengers: MonitorChallengerTable;
  kpi_values: KpiValueTable;
  alerts: AlertTable;
  incidents: IncidentTable;
  suspensions: SuspensionTable;
}

export interface PredictionTable {
  model_version_id: string;
  record_id: string;
  ts_ms: number;
  /** JSON object of feature values. */
  features: string;
  /** JSON value of the prediction, when sent. */
  prediction: string | null;
  score: number | null;
  /** JSON value of the ground truth, once it arrived. */
  label: string | null;
  labelled_at: string | null;
  batch_id: string;
}

export interface IngestBatchTable {
  id: string;
  model_version_id: string | null;
  use_case_id: string | null;
  kind: string;
  format: string;
  digest: string;
  bytes: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** JSON array of the first rejected records with their reasons. */
  reasons: string;
  received_at: string;
  received_by: string | null;
}

export interface MonitorProfileTable {
  id: string;
  model_version_id: string;
  /** The producer's idempotency key for this profile. */
  profile_key: string;
  window_start_ms: number;
  window_end_ms: number;
  content_hash: string;
  profile: string;
  received_at: string;
  received_by: string | null;
}

export interface MonitorReferenceTable {
  model_version_id: string;
  config_id: string;
  column_name: string;
  column_type: string;
  n_raw: number;
  /** Numerical: base64 of the sorted float64 values; categorical: JSON value counts. */
  data: string;
}

export interface MonitorWindowTable {
  model_version_id: string;
  window_start_ms: number;
  window_end_ms: number;
  /** Raised by every new record or label; pending while above computed_generation. */
  generation: number;
  computed_generation: number;
  /** Until when a worker holds the window (epoch ms); null when free. */
  lease_until_ms: number | null;
  drift: string | null;
  performance: string | null;
  rows: number;
  labelled: number;
  computed_at: string | null;
  config_id: string | null;
  /** JSON: the champion/challenger comparison on the window's jointly labelled records, when a challenger is named. */
  comparison: string | null;
  /** How many jointly labelled records the comparison was computed on (0: none). */
  joint_labelled: number;
}

/** The challenger named by a champion's current monitor. */
export interface MonitorChallengerTable {
  champion_version_id: string;
  challenger_version_id: string;
  config_id: string;
}

export interface KpiValueTable {
  use_case_id: string;
  kpi: string;
  ts_ms: number;
  value: number;
  batch_id: string;
}

export interface AlertTable {
  id: string;
  use_case_id: string;
  model_version_id: string | null;
  rule_id: string;
  metric: string;
  comparator: string;
  threshold: number;
  severity: string;
  value: number | null;
  window_start_ms: number | null;
  state: string;
  opened_at: string;
  last_seen_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  note: string | null;
  open_key: string | null;
}

export interface IncidentTable {
  id: string;
  use_case_id: string;
  model_version_id: string | null;
  alert_id: string | null;
  title: string;
  description: string;
  severity: string;
  /** EU AI Act Art. 73 category, for high-risk use cases: standard, widespread, critical-infrastructure, death. */
  category: string | null;
  aware_at: string;
  report_due_at: string | null;
  reported_at: string | null;
  reported_by: string | null;
  report_reference: string | null;
  state: string;
  opened_at: string;
  opened_by: string | null;
  closed_at: string | null;
  closed_by: string | null;
}

export interface SuspensionTable {
  id: string;
  model_version_id: string;
  reason: string;
  /** JSON of the electronic signature (manifest, signer, server signature) that decided it. */
  signature: string;
  suspended_at: string;
  suspended_by: string;
  lifted_at: string | null;
  lifted_by: string | null;
  lift_signature: string | null;
  active_key: string | null;
}
