/** Tables of the governance programme: KPI history and the alerts raised on missed targets. */
export interface GovernanceTables {
  governance_kpi_snapshots: KpiSnapshotTable;
  governance_kpi_alerts: KpiAlertTable;
  regulatory_watch: RegulatoryWatchTable;
}

/** How far the regulatory change watch has acted, per policy pack. */
export interface RegulatoryWatchTable {
  pack_id: string;
  through_day: string;
  updated_at: string;
}

export interface KpiSnapshotTable {
  /** The UTC day (YYYY-MM-DD) the snapshot stands for. */
  day: string;
  kpi: string;
  /** '*' for the whole organisation, else a team id. */
  team: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  /** JSON: the KPI's breakdown (per tier, severity, consideration). */
  detail: string;
  taken_at: string;
  /** `computed` by a snapshot, or `imported` from the organisation's earlier reporting. */
  source: 'computed' | 'imported';
}

export interface KpiAlertTable {
  id: string;
  kpi: string;
  state: 'open' | 'resolved';
  value: number | null;
  comparator: string;
  target: number;
  owner_team: string;
  owner_role: string;
  opened_day: string;
  opened_at: string;
  resolved_at: string | null;
  open_key: string | null;
}
