/** Findings raised by validators and exceptions (waivers) of measures (the findings feature). */
export interface FindingTable {
  id: string;
  /** use-case | model-version */
  subject_type: string;
  subject_id: string;
  /** The use case the subject belongs to (the subject itself for a use case). */
  use_case_id: string;
  team: string;
  severity: string;
  title: string;
  description: string;
  owner_id: string;
  /** YYYY-MM-DD */
  due_date: string;
  remediation: string;
  /** open | remediating | closed */
  status: string;
  raised_by: string;
  raised_at: string;
  updated_at: string;
  closed_at: string | null;
  closed_by: string | null;
  /** JSON: the sealed manifest of the closing signature. */
  close_signature: string | null;
  revision: number;
}

export interface MeasureExceptionTable {
  id: string;
  subject_type: string;
  subject_id: string;
  use_case_id: string;
  team: string;
  measure: string;
  reason: string;
  expires_at: string;
  /** requested | approved | rejected | expired */
  status: string;
  requested_by: string;
  requested_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_comment: string | null;
  /** JSON: the sealed manifest of the approval (or rejection). */
  signature: string | null;
  expired_at: string | null;
}

export interface FindingsTables {
  findings: FindingTable;
  measure_exceptions: MeasureExceptionTable;
}
