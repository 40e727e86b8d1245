/** Data-subject requests (the dsr feature). */
export interface DsrTables {
  data_subject_requests: DataSubjectRequestTable;
}

export interface DataSubjectRequestTable {
  id: string;
  /** Opaque reference to the person (a ticket or customer number; never required to be a name). */
  subject_ref: string;
  type: string;
  /** The personal-data category concerned: a column PII kind, `personal-data`, or free text. */
  category: string;
  /** YYYY-MM-DD */
  received_on: string;
  /** YYYY-MM-DD: one calendar month after receipt, later once extended. */
  due_on: string;
  extension_reason: string | null;
  extended_at: string | null;
  /** received | in-progress | completed | refused */
  status: string;
  close_reason: string | null;
  closed_at: string | null;
  closed_by: string | null;
  /** JSON: the dataset versions, model versions and tasks traced when the request was recorded. */
  trace: string;
  notes: string;
  overdue_noted_at: string | null;
  created_at: string;
  created_by: string | null;
}
