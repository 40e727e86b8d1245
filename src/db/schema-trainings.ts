/** Tables of the trainings feature: completions and policy acknowledgements. */
export interface TrainingsTables {
  training_completions: TrainingCompletionTable;
  policy_acknowledgements: PolicyAcknowledgementTable;
}

/** A training completion (see migration 0018); the latest completed_on of a training counts. */
export interface TrainingCompletionTable {
  id: string;
  user_id: string;
  training_id: string;
  /** YYYY-MM-DD */
  completed_on: string;
  certificate: string | null;
  /** self | admin | import */
  source: string;
  recorded_at: string;
  recorded_by: string | null;
}

/** A user's e-signed acknowledgement of a policy pack version. */
export interface PolicyAcknowledgementTable {
  id: string;
  user_id: string;
  pack_id: string;
  signed_at: string;
  /** The SignedRecord (manifest, digest, server signature) as JSON. */
  signature: string;
}
