import type { FindingsTables } from './schema-findings.ts';
import type { GovernanceTables } from './schema-governance.ts';
import type { TrainingsTables } from './schema-trainings.ts';
import type { DiscoveryTables } from './schema-discovery.ts';
import type { DsrTables } from './schema-dsr.ts';
import type { AttestationTables } from './schema-attestations.ts';
import type { NotificationTables } from './schema-notifications.ts';
import type { MonitoringTables } from './schema-monitoring.ts';

export type * from './schema-governance.ts';
export type * from './schema-trainings.ts';
export type * from './schema-discovery.ts';
export type * from './schema-monitoring.ts';
import type { Generated } from 'kysely';

/**
 * Row types of every table, as Kysely sees them. Timestamps are UTC ISO-8601 text (sortable and
 * identical on SQLite and PostgreSQL); structured values are JSON text; booleans are 0/1 integers.
 */
export interface UseCaseTable {
  id: string;
  name: string;
  objective: string;
  kpis: string;
  owner_team: string;
  consumers: string;
  regions: string;
  sector: string;
  processes_personal_data: number;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  revision: number;
}

export interface ModelTable {
  id: string;
  name: string;
  use_case_id: string;
  description: string;
  /** Lower-cased name and description, for text search (0003; on SQLite also `models_search`, 0032). */
  search_text: string;
  last_version: number;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  revision: number;
  /** Set when the model was deleted (it then carries a name no client can use). */
  deleted_at?: string | null;
}

export interface ModelTagTable {
  model_id: string;
  key: string;
  value: string;
}

export interface ModelVersionTable {
  id: string;
  model_id: string;
  version: number;
  artifact_uri: string;
  /** Null only for versions registered through the MLflow protocol before a digest is supplied. */
  artifact_digest: string | null;
  framework: string | null;
  params: string;
  metrics: string;
  code_repository: string | null;
  code_commit: string | null;
  code_path: string | null;
  environment: string;
  documentation: string;
  description: string;
  stage: string;
  status: string;
  status_message: string | null;
  run_id: string | null;
  run_link: string | null;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  deleted_at: string | null;
  revision: number;
}

export interface VersionTagTable {
  model_version_id: string;
  key: string;
  value: string;
}

export interface VersionDatasetTable {
  model_version_id: string;
  dataset_version_id: string;
  role: string;
}

export interface ModelAliasTable {
  model_id: string;
  alias: string;
  version: number;
  updated_at: string;
}

export interface DatasetTable {
  id: string;
  name: string;
  description: string;
  owner_team: string;
  provenance: string;
  legal_region: string;
  last_version: number;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  revision: number;
}

export interface DatasetColumnTable {
  dataset_id: string;
  position: number;
  name: string;
  type: string | null;
  description: string;
  pii_kind: string;
  protected: number;
}

export interface DatasetVersionTable {
  id: string;
  dataset_id: string;
  version: number;
  digest: string;
  row_count: number;
  uri: string | null;
  schema: string;
  description: string;
  created_at: string;
  created_by: string | null;
  /** Where this version's data legally resides when not where its dataset's does (null: the dataset's). */
  legal_region?: string | null;
}

export interface DatasetLineageTable {
  dataset_version_id: string;
  source_dataset_version_id: string;
  columns: string;
}

/** OpenLineage runs received (the lineage feature). */
export interface LineageRunTable {
  id: string;
  run_id: string;
  event_type: string;
  event_time: string;
  job_namespace: string;
  job_name: string;
  producer: string;
  model_version_id: string | null;
  /** JSON: what the event recorded (dataset versions, unmapped datasets, the model version). */
  result: string;
  created_at: string;
  created_by: string | null;
}

export interface Database
  extends
    IdentityAuditTables,
    PolicyTables,
    LifecycleTables,
    WebhookTables,
    MonitoringTables,
    FindingsTables,
    GovernanceTables,
    TrainingsTables,
    DiscoveryTables,
    DsrTables,
    AttestationTables,
    NotificationTables {
  evidence: EvidenceTable;
  use_cases: UseCaseTable;
  models: ModelTable;
  model_tags: ModelTagTable;
  model_versions: ModelVersionTable;
  version_tags: VersionTagTable;
  version_datasets: VersionDatasetTable;
  model_aliases: ModelAliasTable;
  datasets: DatasetTable;
  dataset_columns: DatasetColumnTable;
  dataset_versions: DatasetVersionTable;
  dataset_lineage: DatasetLineageTable;
  lineage_runs: LineageRunTable;
}

export interface TeamTable {
  name: string;
  display_name: string;
  created_at: string;
  created_by: string | null;
}

export interface UserTable {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  status: string;
  password_hash: string | null;
  must_change_password: number;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  revision: number;
}

/** A role grant waiting for a second administrator (see migration 0010). */
export interface RoleGrantRequestTable {
  id: string;
  user_id: string;
  scope: string;
  role: string;
  /** pending | confirmed */
  status: string;
  requested_by: string | null;
  requested_at: string;
  decided_by: string | null;
  decided_at: string | null;
  /** `user:scope:role` while pending, null after. */
  open_key: string | null;
}

export interface RoleAssignmentTable {
  user_id: string;
  /** A team name, or `*` for the whole organisation. */
  scope: string;
  role: string;
  granted_at: string;
  granted_by: string | null;
}

export interface ApiTokenTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  scopes: string;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
  created_by: string | null;
  last_used_at: string | null;
}

export interface SessionTable {
  id: string;
  user_id: string;
  token_hash: string;
  csrf_hash: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  revoked_at: string | null;
  source: string | null;
}

/** An OpenID Connect authorization request, consumed by its callback (see migration 0019). */
export interface SsoLoginTable {
  id: string;
  state_hash: string;
  /** `sign-in` or `reauthentication`. */
  purpose: string;
  user_id: string | null;
  nonce: string;
  code_verifier: string;
  created_at: string;
  expires_at: string;
  consumed_at: string | null;
  session_id: string | null;
  id_token: string | null;
  auth_time: string | null;
  proof_hash: string | null;
  proof_expires_at: string | null;
  proof_used_at: string | null;
}

/** Which user an identity provider's subject is (see migration 0019). */
export interface SsoIdentityTable {
  issuer: string;
  subject: string;
  user_id: string;
  /** JSON array of `{ scope, role }` the claims mapping granted at the last sign-in. */
  mapped_roles: string;
  created_at: string;
  last_sign_in_at: string;
}

export interface AuditEventTable {
  seq: number;
  /** The event as canonical (RFC 8785) JSON: exactly the bytes of its Merkle leaf. */
  leaf: string;
  /** Generated from `leaf` by the database, for filtering only. */
  time: Generated<string>;
  actor_id: Generated<string | null>;
  action: Generated<string>;
  subject_type: Generated<string>;
  subject_id: Generated<string>;
}

export interface AuditNodeTable {
  level: number;
  idx: number;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  size: number;
  frontier: string;
  checkpoint_size: number;
}

export interface AuditCheckpointTable {
  tree_size: number;
  root_hash: string;
  note: string;
  created_at: string;
}

/** Failed sign-ins of one key (`acct:<username>` or `addr:<ip>`), shared by every replica. */
export interface SignInLimitTable {
  key: string;
  /** JSON array of epoch milliseconds, oldest first. */
  failures: string;
  last_pass: number | null;
  updated_at: number;
}

export interface IdentityAuditTables {
  teams: TeamTable;
  users: UserTable;
  role_assignments: RoleAssignmentTable;
  role_grant_requests: RoleGrantRequestTable;
  sign_in_limits: SignInLimitTable;
  api_tokens: ApiTokenTable;
  sessions: SessionTable;
  sso_logins: SsoLoginTable;
  sso_identities: SsoIdentityTable;
  audit_events: AuditEventTable;
  audit_nodes: AuditNodeTable;
  audit_head: AuditHeadTable;
  audit_checkpoints: AuditCheckpointTable;
}

export interface PolicyPackTable {
  id: string;
  name: string;
  version: string;
  digest: string;
  /** Canonical (RFC 8785) JSON of the pack. */
  content: string;
  status: string;
  created_at: string;
  created_by: string | null;
  activated_at: string | null;
  activated_by: string | null;
  /** JSON of the activation's signed record (manifest, digest, server signature); null before 0011 and for the shipped default. */
  activation_signature?: string | null;
}

export interface AssessmentTable {
  id: string;
  use_case_id: string;
  pack_id: string;
  answers: string;
  tier: number;
  tags: string;
  eu_ai_act: string;
  trace: string;
  review_by: string;
  current: number;
  reevaluate_under: string | null;
  override_tier: number | null;
  override_reason: string | null;
  override_requested_by: string | null;
  override_requested_at: string | null;
  override_confirmed_by: string | null;
  /** JSON of the signed record of the override's confirmation (null before 0011). */
  override_signature?: string | null;
  override_confirmed_at: string | null;
  pending_tier: number | null;
  pending_reason: string | null;
  pending_requested_by: string | null;
  pending_requested_at: string | null;
  created_at: string;
  created_by: string | null;
}

export interface EthicalPositionTable {
  version: number;
  content: string;
  created_at: string;
  created_by: string | null;
}

export interface EthicalAlignmentTable {
  use_case_id: string;
  position_version: number;
  statement: string;
  recorded_at: string;
  recorded_by: string | null;
}

export interface PolicyTables {
  policy_packs: PolicyPackTable;
  assessments: AssessmentTable;
  ethical_positions: EthicalPositionTable;
  ethical_alignments: EthicalAlignmentTable;
}

export interface EvidenceTable {
  id: string;
  model_version_id: string;
  kind: string;
  /** sha256 of the canonical JSON of the evidence (spec, result, digests, engine). */
  content_hash: string;
  /** The artefact digest of the version when the evidence was produced. */
  artifact_digest: string | null;
  data_digest: string | null;
  spec: string;
  engine: string;
  result: string;
  metrics: string;
  created_at: string;
  created_by: string | null;
}

export interface LifecycleTables {
  lifecycle_states: LifecycleStateTable;
  use_case_states: UseCaseStateTable;
  use_case_documents: UseCaseDocumentTable;
  document_reviews: DocumentReviewTable;
  signatures: SignatureTable;
  promotions: PromotionTable;
  deployments: DeploymentTable;
  tasks: TaskTable;
}

export interface LifecycleStateTable {
  model_version_id: string;
  process_id: string;
  step: string;
  entered_at: string;
  entered_by: string | null;
}

export interface UseCaseStateTable {
  use_case_id: string;
  process_id: string;
  step: string;
  entered_at: string;
  entered_by: string | null;
}

export interface UseCaseDocumentTable {
  id: string;
  use_case_id: string;
  kind: string;
  title: string;
  uri: string | null;
  digest: string | null;
  content: string | null;
  content_hash: string;
  created_at: string;
  created_by: string | null;
}

/** A review decision on one document revision (a version's document evidence or a use-case document). */
export interface DocumentReviewTable {
  id: string;
  document_id: string;
  subject_type: 'model-version' | 'use-case';
  subject_id: string;
  decision: 'accepted' | 'rejected';
  role: string;
  comment: string;
  reviewer_id: string;
  reviewer_name: string;
  /** JSON of the signed record: the manifest, its digest and the server's signature of it. */
  signature: string;
  created_at: string;
}

export interface SignatureTable {
  id: string;
  subject_type: 'model-version' | 'use-case';
  subject_id: string;
  signer_id: string;
  signer_name: string;
  role: string;
  meaning: string;
  comment: string;
  step: string;
  /** Canonical JSON of the SignatureManifest. */
  manifest: string;
  manifest_digest: string;
  /** Digest of the state the signature covers (not its time): one signature per signer, role, meaning and state. */
  covered_digest: string;
  /** Ed25519 signature of the manifest digest by the server's audit key (base64). */
  server_signature: string;
  audit_seq: number | null;
  created_at: string;
}

export interface PromotionTable {
  id: string;
  model_version_id: string;
  environment: string;
  reason: string;
  mode: string;
  status: string;
  blockers: string;
  requested_by: string | null;
  requested_at: string;
  decided_at: string | null;
  open_key: string | null;
}

export interface DeploymentTable {
  id: string;
  model_id: string;
  model_version_id: string;
  environment: string;
  mode: string;
  promotion_id: string;
  since: string;
  until: string | null;
  verified_by: string | null;
  verified_at: string | null;
  active_key: string | null;
}

export interface TaskTable {
  id: string;
  subject_type: 'model-version' | 'use-case';
  subject_id: string;
  kind: string;
  step: string;
  title: string;
  team: string;
  role: string;
  raci: string;
  details: string;
  status: string;
  due_at: string;
  created_at: string;
  closed_at: string | null;
  closed_by: string | null;
  /** The person it is assigned to (id and username), when assigned; see migration 0026. */
  assignee: string | null;
  assignee_name: string | null;
  assigned_at: string | null;
}

export interface WebhookTables {
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
}

export interface WebhookTable {
  id: string;
  url: string;
  /** The HMAC key receivers verify signatures with (shown once, when the webhook is created). */
  secret: string;
  /** JSON array of action patterns (`*`, `signature.*`, `promotion.complete`). */
  events: string;
  description: string;
  active: number;
  created_at: string;
  created_by: string | null;
}

export interface WebhookDeliveryTable {
  id: string;
  webhook_id: string;
  event_seq: number;
  action: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  replay_of: string | null;
}
