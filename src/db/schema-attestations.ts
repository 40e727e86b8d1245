/** Attestation and revalidation campaigns (the attestations feature). */
export interface AttestationTables {
  attestations: AttestationTable;
}

export interface AttestationTable {
  id: string;
  use_case_id: string;
  /** The use case's owning team when the campaign opened (who attests, who is escalated to). */
  team: string;
  /** owner | validator */
  kind: string;
  /** The tier in force when the campaign opened (its cadence). */
  tier: number;
  /** YYYY-MM-DD: the day the attestation is due; with the use case and kind, the campaign's key. */
  due_on: string;
  /** open | decided */
  status: string;
  /** still-accurate | retire | description-changed (owner); revalidated | not-revalidated (validator) */
  decision: string | null;
  comment: string | null;
  decided_by: string | null;
  decided_at: string | null;
  /** JSON: the sealed signature manifest. */
  signature: string | null;
  /** The campaign task asking for the attestation. */
  task_id: string | null;
  /** The task a decision opened (re-assessment, retirement), if any. */
  follow_up_task_id: string | null;
  reminded_at: string | null;
  escalated_at: string | null;
  escalation_task_id: string | null;
  opened_at: string;
}
