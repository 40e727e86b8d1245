/** Tables of the discovery feature. */
export interface DiscoveryTables {
  discovery_findings: DiscoveryFindingTable;
  discovery_scans: DiscoveryScanTable;
}

/** Models found outside the inventory, awaiting triage (the discovery feature). */
export interface DiscoveryFindingTable {
  id: string;
  /** `mlflow`, `admission`, `artifact-root` or `mlflow-intake`. */
  source: string;
  /** Stable within the source: a re-scan finding the same thing updates this row. */
  external_key: string;
  /** Where it was found (server URL without credentials, directory, namespace). */
  origin: string;
  name: string;
  /** JSON: what the source said about it. */
  details: string;
  /** `open`, `adopted` or `dismissed`. */
  status: string;
  model_id: string | null;
  reason: string | null;
  first_seen_at: string;
  last_seen_at: string;
  seen_count: number;
  decided_at: string | null;
  decided_by: string | null;
}

/** Discovery scans run (the discovery feature). */
export interface DiscoveryScanTable {
  id: string;
  trigger: string;
  /** `ok`, `partial` or `failed`. */
  status: string;
  /** JSON: the outcome of each source. */
  sources: string;
  started_at: string;
  finished_at: string;
  created_by: string | null;
}
