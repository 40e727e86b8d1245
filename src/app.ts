import { ORGANISATION } from './domain/authz.ts';
import { createHash, randomUUID } from 'node:crypto';
import type { Server as HttpsServer } from 'node:https';
import Fastify, { type FastifyHttpsOptions, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { systemContext } from './context.ts';
import { sqliteWriteGeneration, type DatabaseHandle } from './db/database.ts';
import { createTransact } from './db/transact.ts';
import { createDomainEventBus } from './events.ts';
import { createAdmissionFeature } from './features/admission/index.ts';
import {
  auditReaders,
  createAuditFeature,
  createAuditSearchFeature,
  createRefusalLog,
} from './features/audit/index.ts';
import { createDiscoveryFeature, discoveryCounts } from './features/discovery/index.ts';
import { createDsrFeature, dsrKpiSource } from './features/dsr/index.ts';
import { attestationReaders, attestationsKpiSource, createAttestationsFeature } from './features/attestations/index.ts';
import type { Retry } from './features/discovery/discovery.sources.ts';
import { createExaminationsFeature } from './features/examinations/index.ts';
import type { AuditSigner } from './features/audit/signing-key.ts';
import { createExportsFeature } from './features/exports/index.ts';
import { createGovernanceFeature } from './features/governance/index.ts';
import {
  createFindingsFeature,
  findingsGovernance,
  openFindingCounts,
  useCaseWaivers,
} from './features/findings/index.ts';
import { createEvidenceFeature } from './features/evidence/index.ts';
import type { Feature } from './features/feature.ts';
import { healthRoutes } from './features/health/health.routes.ts';
import type { BootstrapResult } from './features/identity/bootstrap.ts';
import { createIdentityFeature } from './features/identity/index.ts';
import { DEFAULT_AUTH_LIMITS, type AuthLimits } from './features/identity/password-guard.ts';
import { createInventoryFeature, inventoryReaders } from './features/inventory.ts';
import { createLifecycleFeature, useCaseEvidence } from './features/lifecycle/index.ts';
import { createLineageFeature } from './features/lineage/index.ts';
import { createMetricsFeature } from './features/metrics/index.ts';
import { createMlflowFeature } from './features/mlflow/index.ts';
import {
  createModelHealthReader,
  createMonitoringFeature,
  monitoringEvidenceOf,
  oversightHolds,
  suspendedVersions,
} from './features/monitoring/index.ts';
import { createOverviewFeature } from './features/overview/index.ts';
import { createNextActionsFeature } from './features/next-actions/index.ts';
import { createPolicyFeature, policyReaders } from './features/policy/index.ts';
import { gatedReauthentication } from './features/common/signing.ts';
import { createNotificationsFeature } from './features/notifications/index.ts';
import { createTrainingsFeature } from './features/trainings/index.ts';
import type { DispatcherOptions } from './features/webhooks/dispatcher.ts';
import { createWebhooksFeature } from './features/webhooks/index.ts';
import type { App } from './http/app-types.ts';
import { installAuth } from './http/auth.ts';
import { registerConsole } from './http/console.ts';
import { registerDocs } from './http/docs.ts';
import { installProblemHandlers } from './http/problem.ts';
import { installRequestMetrics } from './http/request-metrics.ts';
import { parseAllowList } from './domain/internal-addresses.ts';
import { checkJsonBody } from './http/body-checks.ts';
import { DEFAULT_BODY_TIMEOUT, installBodyTimeout } from './http/body-timeout.ts';
import { createLocalQueue, createPgBossQueue } from './jobs/queue.ts';
import { randomIds, type IdSource } from './lib/ids.ts';
import { createWorkerPool } from './lib/worker-pool.ts';
import { poolCompute } from './tabular/compute.ts';
import { defaultComputeThreads } from './config.ts';
import { compileSchema } from './lib/json-schema.ts';
import { VERSION } from './version.ts';

export interface AppOptions {
  config: Pick<Config, 'bodyLimit' | 'logLevel' | 'session'> &
    Partial<
      Pick<
        Config,
        | 'evaluationLimit'
        | 'evaluationMemory'
        | 'evaluations'
        | 'computeThreads'
        | 'bodyTimeout'
        | 'artifacts'
        | 'mlflow'
        | 'consoleDir'
        | 'webhookAllowHosts'
        | 'signTokenMaxHours'
        | 'metrics'
        | 'admission'
        | 'governance'
        | 'oidc'
        | 'localPasswords'
        | 'discovery'
        | 'notifications'
      >
    >;
  database: DatabaseHandle;
  signer: AuditSigner;
  clock?: Clock;
  ids?: IdSource;
  /** Overrides Fastify's logger (tests pass false). */
  logger?: FastifyServerOptions['logger'];
  authLimits?: AuthLimits;
  /** Webhook dispatch timing (tests shorten it); `dispatch: false` leaves deliveries queued. */
  webhooks?: Partial<DispatcherOptions> & { dispatch?: boolean };
  /** Monitoring jobs: how often workers poll (pg-boss) and dirty windows are swept; `jobs: false` runs none. */
  monitoring?: { pollMs?: number; sweepMs?: number; maxBatchBytes?: number; jobs?: boolean };
  /** How often the expiry of exceptions is checked (tests shorten it). */
  findings?: { sweepMs?: number };
  /** How a failing discovery source is retried within a scan (tests shorten it). */
  discovery?: { retry?: Retry };
  /** Serve HTTPS with this PEM certificate chain and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Create the first administrator when the (migrated) database has no users. */
  bootstrap?: { token?: string; onResult?: (result: BootstrapResult) => void };
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Builds the HTTP application over an open, migrated database. */
export async function buildApp(opts: AppOptions): Promise<App> {
  const options: FastifyServerOptions = {
    logger: opts.logger ?? { level: opts.config.logLevel },
    bodyLimit: opts.config.bodyLimit,
    // Honour a caller's correlation id when it is sane, otherwise mint one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    routerOptions: { maxParamLength: 512 },
  };
  // With a certificate the same routes are served over HTTPS (a Kubernetes admission webhook must
  // be); the instance is typed as the plain HTTP one, which is all the routes see.
  const app = (opts.tls
    ? Fastify({ ...(options as FastifyHttpsOptions<HttpsServer>), https: opts.tls })
    : Fastify(options)
  ).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  // The API speaks JSON only; Fastify's default text/plain parser would let strings reach validation.
  app.removeContentTypeParser('text/plain');
  // PATCH bodies are JSON merge patches (RFC 7396); accept their registered media type too.
  app.addContentTypeParser(
    'application/merge-patch+json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );
  app.addHook('preValidation', (request, _reply, done) =>
    done((request.body === undefined ? null : checkJsonBody(request.body)) ?? undefined),
  );
  app.setValidatorCompiler(({ schema, httpPart }) => compileSchema(schema, (httpPart ?? 'body') as 'body'));
  installProblemHandlers(app);
  installBodyTimeout(app, opts.config.bodyTimeout ?? DEFAULT_BODY_TIMEOUT);

  const { db, dialect } = opts.database;
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  const logError = (what: string) => (err: unknown) => app.log.error({ err }, what);
  // Only an embedded database guarantees that this process sees every write, which caches rely on.
  const singleProcess = dialect === 'sqlite';
  const fetchPolicy = opts.config.artifacts ?? { roots: [], hosts: [] };
  const evaluationLimit = opts.config.evaluationLimit ?? 512 * 1024 * 1024;
  // Evaluations, explanations and window statistics run on these threads, never on the event loop.
  const pool = createWorkerPool({ size: opts.config.computeThreads ?? defaultComputeThreads() });
  app.addHook('onClose', async () => pool.close());

  const auditFeature = createAuditFeature({ db, signer: opts.signer, clock });
  const { audit } = auditFeature.services;
  const transact = createTransact(db, dialect, {
    beforeCommit: (tx) => audit.checkpointIfGrown(tx),
    afterCommitError: logError('after-commit reaction failed'),
  });
  const events = createDomainEventBus(transact);
  const auditSearch = createAuditSearchFeature({ db, transact, audit });
  // Refused actions (failed sign-ins, lockouts, failed re-authentication, separation of duties) are
  // audited in transactions of their own: the refused command's rollback must not take them along.
  const refusals = createRefusalLog({ transact, audit, clock, onError: logError('recording a refused action failed') });
  app.addHook('onClose', async () => refusals.close());
  const base = { db, transact, audit, clock, ids, events };
  const queue =
    dialect === 'postgres' && opts.database.pool
      ? createPgBossQueue(opts.database.pool, { ...jobOptions(opts, app), schema: 'steward_jobs' })
      : createLocalQueue(jobOptions(opts, app));

  // Features in dependency order: each is given narrowed services of those before it, and reacts
  // to later ones only through domain events.
  const webhooks = createWebhooksFeature({
    ...base,
    cache: singleProcess,
    allowHosts: opts.config.webhookAllowHosts ?? [],
    dispatch: opts.webhooks,
    onError: logError('webhook delivery failed unexpectedly'),
  });
  const identity = createIdentityFeature({
    ...base,
    sessions: opts.config.session,
    limits: opts.authLimits ?? DEFAULT_AUTH_LIMITS,
    cache: singleProcess,
    signTokenMaxHours: opts.config.signTokenMaxHours ?? 24,
    independentRoles: policyReaders.independentRoles,
    refused: refusals.record,
    onBackgroundError: logError('recording credential use failed'),
    sso: opts.config.oidc,
    localPasswords: opts.config.localPasswords ?? 'all',
  });
  const trainings = createTrainingsFeature({
    ...base,
    packs: { active: policyReaders.activePack, byId: policyReaders.pack },
    users: {
      byId: identity.services.userById,
      byName: identity.services.userByName,
      members: identity.services.teamMembers,
      teamExists: identity.services.teamExists,
    },
    signing: { reauthenticate: identity.services.reauthenticate, signDigest: opts.signer.signDigest },
  });
  // Every e-signature passes the training gate first: a role that requires a training signs only while it is current.
  const reauthenticate = gatedReauthentication(trainings.services.gate, identity.services.reauthenticate);
  const policy = createPolicyFeature({
    ...base,
    useCases: inventoryReaders.useCases,
    useCaseEvidence,
    signing: { reauthenticate, signDigest: opts.signer.signDigest, gate: trainings.services.gate },
    refused: refusals.record,
    waivers: (exec, useCaseId) => useCaseWaivers(exec, useCaseId, clock),
  });
  const modelHealth = createModelHealthReader(clock);
  const inventory = createInventoryFeature({
    ...base,
    versionCache: singleProcess,
    teams: { exists: identity.services.teamExists },
    modelHealth: (modelIds) => modelHealth(db, modelIds),
  });
  const evidence = createEvidenceFeature({
    ...base,
    datasets: inventoryReaders.datasets,
    fetchPolicy,
    maxBytes: evaluationLimit,
    ...(opts.config.evaluationMemory !== undefined ? { spillAfterBytes: opts.config.evaluationMemory } : {}),
    concurrency: opts.config.evaluations ?? { perServer: 4, perUser: 2 },
    lock: inventoryReaders.lockVersion,
    compute: poolCompute(pool),
  });
  const lifecycle = createLifecycleFeature({
    ...base,
    policy: policy.services.context,
    policies: policy.services.contexts,
    versions: inventoryReaders.versions,
    lock: inventoryReaders.lockVersion,
    evidence: {
      rows: evidence.services.rows,
      // Monitoring evidence is what the versions' monitoring computed, read at the moment of asking.
      records: async (exec, rows) => {
        const monitoring = await monitoringEvidenceOf(exec, [...rows.keys()], clock.now().getTime());
        return new Map(
          [...rows].map(([id, r]) => [id, [...evidence.services.evidence.recordsOf(r), ...(monitoring.get(id) ?? [])]]),
        );
      },
    },
    alignment: policy.services.alignment,
    alignments: policy.services.alignments,
    datasetRegions: inventoryReaders.datasets.regionsByDigest,
    reauthenticate,
    grantorsOf: identity.services.grantorsOf,
    trainingGate: trainings.services.gate,
    roleHolders: identity.services.roleHolders,
    signDigest: opts.signer.signDigest,
    registrationChecks: evidence.services.evidence.recordRegistrationChecks,
    recordDocument: (tx, ctx, model, version, doc) =>
      evidence.services.evidence.recordDocument(tx, ctx, model, version, doc),
    holds: oversightHolds,
    outside: (exec, versions) => findingsGovernance(exec, versions, clock),
    useCaseWaivers: (exec, useCaseId) => useCaseWaivers(exec, useCaseId, clock),
    refused: refusals.record,
  });
  const monitoring = createMonitoringFeature({
    ...base,
    queue,
    fetchPolicy,
    maxBytes: opts.monitoring?.maxBatchBytes ?? 64 * 1024 * 1024,
    policy: policy.services.context,
    euAiAct: policy.services.euAiAct,
    evidence: evidence.services.store,
    datasets: inventoryReaders.datasets,
    useCase: inventoryReaders.useCases.get,
    owner: lifecycle.services.owner,
    names: lifecycle.services.names,
    createTasks: lifecycle.services.createTasks,
    reauthenticate,
    gate: trainings.services.gate,
    signDigest: opts.signer.signDigest,
    pool,
    ...(opts.monitoring?.sweepMs ? { sweepMs: opts.monitoring.sweepMs } : {}),
    onError: (err, what) => app.log.error({ err }, `${what} failed`),
  });
  const nextActions = createNextActionsFeature({
    db,
    lifecycle: lifecycle.services.lifecycle,
    useCases: lifecycle.services.useCases,
    pack: async (exec, useCaseId) => (await policy.services.context(exec, useCaseId))?.pack ?? null,
    useCase: inventoryReaders.useCases.get,
    versionsOf: inventoryReaders.useCases.versionsOf,
    ownedBy: inventoryReaders.useCases.ownedBy,
    // Besides each model's latest version, those deployed or suspended stand for it.
    notableVersions: async (exec, modelIds) => {
      const [deployed, suspended] = await Promise.all([
        lifecycle.services.deployedVersionsOf(exec, modelIds),
        suspendedVersions(exec, modelIds),
      ]);
      return new Set([...deployed, ...suspended]);
    },
    holders: identity.services.holders,
    user: identity.services.userById,
    // Statuses move with the data and, for dated evidence and reviews, with time: ten seconds at most.
    ...(singleProcess && {
      generation: async () => `${await sqliteWriteGeneration(db)}:${Math.floor(clock.now().getTime() / 10_000)}`,
    }),
  });
  const overview = createOverviewFeature({
    db,
    dialect,
    clock,
    health: (modelIds) => modelHealth(db, modelIds),
    status: nextActions.services.nextActions.statuses,
    attestation: (ids) => attestationReaders.standings(db, ids, clock.now().toISOString().slice(0, 10)),
    ...(singleProcess && { generation: () => sqliteWriteGeneration(db) }),
  });
  const mlflow = createMlflowFeature({
    db,
    dialect,
    inventory: inventory.services,
    lifecycle: lifecycle.services,
    governance: lifecycle.services,
    assessments: policy.services,
    config: opts.config.mlflow ?? {},
    events,
    transact,
    systemContext,
    queue,
    cache: singleProcess,
  });
  const { datasets } = inventory.services;
  const lineage = createLineageFeature({
    ...base,
    inventory: {
      dataset: datasets.getIn,
      findVersion: datasets.findVersion,
      createVersion: (tx, ctx, dataset, input) => datasets.createVersionIn(tx, ctx, dataset, input),
      version: inventoryReaders.version,
      byArtifactDigest: inventoryReaders.byArtifactDigest,
    },
  });
  const admission = createAdmissionFeature({
    db,
    transact,
    events,
    audit,
    decide: lifecycle.services.lifecycle.decide,
    deployable: inventoryReaders.deployable,
    namespaces: opts.config.admission?.namespaces ?? {},
  });
  const discovery = createDiscoveryFeature({
    ...base,
    models: inventory.services.models,
    governed: async (exec, digest) => (await inventoryReaders.byArtifactDigest(exec, digest)).length > 0,
    config: {
      mlflowUrls: opts.config.discovery?.mlflowUrls ?? [],
      mlflowToken: opts.config.discovery?.mlflowToken,
      artifactRoots: opts.config.discovery?.artifactRoots ?? [],
      retry: opts.discovery?.retry,
    },
    queue,
    everyMs: opts.config.discovery?.intervalMs ?? 0,
    onError: logError('queueing a discovery scan failed'),
  });
  const metrics = createMetricsFeature({
    db,
    clock,
    pool: opts.database.pool,
    jobs: () => queue.stats(),
    discovery: discoveryCounts,
    access: {
      token: opts.config.metrics?.token,
      allow: parseAllowList(opts.config.metrics?.allow ?? ['127.0.0.1', '::1']),
    },
  });

  const findings = createFindingsFeature({
    ...base,
    useCase: inventoryReaders.useCases.resolve,
    owner: lifecycle.services.owner,
    names: lifecycle.services.names,
    pack: async (exec, useCaseId) =>
      (await policy.services.context(exec, useCaseId))?.pack ?? (await policy.services.policies.active(exec)).pack,
    user: identity.services.user,
    signing: { reauthenticate, signDigest: opts.signer.signDigest, gate: trainings.services.gate },
    createTasks: lifecycle.services.createTasks,
    queue,
    refused: refusals.record,
    ...(opts.findings?.sweepMs ? { sweepMs: opts.findings.sweepMs } : {}),
    onError: (err, what) => app.log.error({ err }, `${what} failed`),
  });

  const exportsFeature = createExportsFeature({
    ...base,
    overview: overview.services.page,
    openFindings: (ids) => openFindingCounts(db, ids),
    gather: {
      ...inventory.services,
      assessments: policy.services.assessments,
      evidence: evidence.services.evidence,
      lifecycle: { status: lifecycle.services.lifecycle.status, useCaseStatus: lifecycle.services.useCases.status },
      useCaseDocuments: (id) => lifecycle.services.useCaseDocuments(db, id),
      alerts: monitoring.services.alerts,
      ethics: policy.services.ethics,
      findings: async (ids) =>
        (await findings.services.findings.of(ids)).map((f) => ({
          id: f.id,
          on: f.subject.label,
          severity: f.severity,
          title: f.title,
          status: f.status,
          owner: f.owner.username,
          dueDate: f.dueDate,
          remediation: f.remediation,
          closedAt: f.closed?.at ?? null,
        })),
    },
    templates: async (useCaseId) =>
      (
        (useCaseId ? await policy.services.context(db, useCaseId) : null)?.pack ??
        (await policy.services.policies.active()).pack
      ).documents,
    recordVersionDocument: (tx, ctx, model, version, doc) =>
      evidence.services.evidence.recordDocument(tx, ctx, model, version, doc),
    recordUseCaseDocument: (tx, ctx, id, doc) => lifecycle.services.useCases.recordDocument(tx, ctx, id, doc),
  });

  const examinations = createExaminationsFeature({
    ...base,
    signer: opts.signer,
    log: auditReaders,
    useCaseId: async (ref) => (await inventory.services.useCases.get(ref).catch(() => null))?.id ?? null,
    teamExists: (team) => identity.services.teamExists(db, team),
    evidence: (versionId) => evidence.services.store.ofVersion(db, versionId),
    useCaseDocuments: (id) => lifecycle.services.useCaseDocuments(db, id),
    templates: async (policyId) => (await policy.services.policies.get(policyId)).pack.documents,
  });

  const governance = createGovernanceFeature({
    ...base,
    queue,
    requirements: (versions) => lifecycle.services.lifecycle.requirementsOf(versions),
    activePack: async () => (await policy.services.policies.active().catch(() => null))?.pack ?? null,
    activePackRow: async () => {
      const active = await policy.services.policies.active().catch(() => null);
      return active && { id: active.row.id, activatedAt: active.row.activated_at, pack: active.pack };
    },
    createTasks: lifecycle.services.createTasks,
    kpiSources: [dsrKpiSource(db), attestationsKpiSource(db)],
    pseudonym: opts.config.governance?.pseudonyms
      ? // Keyed by the server's signing key: stable, and not reversible by hashing known user ids.
        (userId) =>
          `Person ${createHash('sha256')
            .update(opts.signer.signDigest(`leaderboard:${userId}`))
            .digest('hex')
            .slice(0, 6)
            .toUpperCase()}`
      : null,
    dailySnapshots: opts.config.governance?.dailySnapshots ?? false,
    teamExists: identity.services.teamExists,
    ...(opts.config.governance?.liveLimit !== undefined ? { liveLimit: opts.config.governance.liveLimit } : {}),
    onError: logError('governance KPI snapshot failed'),
  });

  const dsr = createDsrFeature({
    ...base,
    pack: async (exec, useCaseId) =>
      (await policy.services.context(exec, useCaseId))?.pack ??
      (await policy.services.policies.active(exec).catch(() => null))?.pack ??
      null,
    createTasks: lifecycle.services.createTasks,
    queue,
    // The daily overdue check runs where the daily KPI snapshot does (servers; tests call it).
    dailyChecks: opts.config.governance?.dailySnapshots ?? false,
    onError: logError('data-subject request overdue check failed'),
  });

  const attestations = createAttestationsFeature({
    ...base,
    signing: { reauthenticate, signDigest: opts.signer.signDigest, gate: trainings.services.gate },
    assessed: policyReaders.currentAssessments,
    pack: async (exec, useCaseId) => (await policy.services.context(exec, useCaseId))?.pack ?? null,
    useCase: inventoryReaders.useCases.resolve,
    createTasks: lifecycle.services.createTasks,
    closeTasks: lifecycle.services.closeTasks,
    refused: refusals.record,
    queue,
    // The daily campaign runs where the daily KPI snapshot does (servers; tests call it on demand).
    dailyCampaigns: opts.config.governance?.dailySnapshots ?? false,
    onError: logError('attestation campaign failed'),
  });
  const notifications = createNotificationsFeature({
    ...base,
    // A task for a role reaches its holders in the task's team and organisation-wide.
    roleHolders: (exec, role, team) => identity.services.roleHolders(exec, role, [...new Set([team, ORGANISATION])]),
    userByName: identity.services.userByName,
    tasks: lifecycle.services.tasks,
    recipient: identity.services.userById,
    smtp: opts.config.notifications?.smtp,
    publicUrl: opts.config.notifications?.publicUrl ?? null,
    deliverEveryMs: opts.config.notifications?.deliverEveryMs ?? 0,
    onError: logError('e-mail delivery failed'),
  });

  const features: Feature<unknown>[] = [
    auditFeature,
    auditSearch,
    webhooks,
    identity,
    trainings,
    policy,
    inventory,
    overview,
    nextActions,
    evidence,
    lifecycle,
    monitoring,
    mlflow,
    lineage,
    findings,
    admission,
    discovery,
    metrics,
    exportsFeature,
    examinations,
    governance,
    dsr,
    attestations,
    notifications,
  ];
  for (const f of features) f.on?.(events);
  events.seal();
  for (const f of features) for (const [name, handler] of Object.entries(f.jobs ?? {})) queue.work(name, handler);

  const { authn, limiter, limits, passwords } = identity.services;
  installAuth(app, { authn, limiter, limits, passwords });
  installRequestMetrics(app, metrics.services.metrics.observeRequest);
  await registerDocs(app, VERSION);
  for (const f of features) for (const schema of f.schemas ?? []) app.addSchema(schema);
  healthRoutes(app, opts.database);
  await app.register(
    async (api) => {
      for (const f of features) await f.routes?.(api as App);
    },
    { prefix: '/api/v1' },
  );
  for (const f of features) await f.rootRoutes?.(app);
  if (opts.config.consoleDir && !(await registerConsole(app, opts.config.consoleDir)))
    app.log.warn(`no web console build in ${opts.config.consoleDir} (npm run build:web)`);

  // Background work: webhook delivery always (unless disabled), the job queue's features unless
  // jobs are off (tests that drive windows by hand).
  const background = features.filter((f) => f !== monitoring || opts.monitoring?.jobs !== false);
  app.addHook('onReady', async () => {
    for (const f of background) await f.start?.();
    if (opts.monitoring?.jobs !== false)
      await mlflow.services.mlflow.resumeRegistrations().catch(logError('resuming MLflow registration checks failed'));
  });
  app.addHook('onClose', async () => {
    for (const f of [...background].reverse()) await f.stop?.();
  });

  if (opts.bootstrap) {
    const result = await identity.services.bootstrap(opts.bootstrap.token);
    await policy.services.installDefaultPack();
    opts.bootstrap.onResult?.(result);
  }
  return app;
}

function jobOptions(opts: AppOptions, app: App) {
  return {
    pollMs: opts.monitoring?.pollMs ?? 1000,
    concurrency: 2,
    onError: (err: unknown, name: string) => app.log.error({ err }, `background job ${name} failed`),
  };
}
