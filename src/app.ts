import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/database.ts';
import { createTransact } from './db/transact.ts';
import { createFailureLimiter } from './domain/rate-limit.ts';
import { auditRepo } from './features/audit/audit.repo.ts';
import { auditRoutes } from './features/audit/audit.routes.ts';
import { createAuditLog } from './features/audit/audit.service.ts';
import type { AuditSigner } from './features/audit/signing-key.ts';
import { healthRoutes } from './features/health/health.routes.ts';
import { createAccessService } from './features/identity/access.service.ts';
import { createAuthenticator } from './features/identity/authenticate.ts';
import { ensureBootstrapAdmin, type BootstrapResult } from './features/identity/bootstrap.ts';
import { identityRepo } from './features/identity/identity.repo.ts';
import { identityRoutes } from './features/identity/identity.routes.ts';
import { createUserService } from './features/identity/users.service.ts';
import { createInventory, inventoryRoutes } from './features/inventory.ts';
import { overviewRoutes } from './features/overview/overview.routes.ts';
import { createPolicyFeature, policyFeatureRoutes } from './features/policy/index.ts';
import { evidenceRepo } from './features/evidence/evidence.repo.ts';
import { datasetRepo } from './features/datasets/datasets.repo.ts';
import { versionRepo } from './features/versions/versions.repo.ts';
import { evidenceRoutes } from './features/evidence/evidence.routes.ts';
import { createEvidenceService } from './features/evidence/evidence.service.ts';
import { createLifecycleFeature } from './features/lifecycle/index.ts';
import { createDispatcher, DEFAULT_DISPATCH, type DispatcherOptions } from './features/webhooks/dispatcher.ts';
import { webhookRepo } from './features/webhooks/webhooks.repo.ts';
import { webhookRoutes } from './features/webhooks/webhooks.routes.ts';
import { createWebhookService } from './features/webhooks/webhooks.service.ts';
import type { VersionGovernance } from './features/versions/versions.service.ts';
import { createMonitoringFeature } from './features/monitoring/index.ts';
import { MLFLOW_PREFIXES, mlflowRoutes } from './features/mlflow/mlflow.routes.ts';
import { createMlflowService } from './features/mlflow/mlflow.service.ts';
import { systemContext } from './context.ts';
import { createLocalQueue, createPgBossQueue } from './jobs/queue.ts';
import type { App } from './http/app-types.ts';
import { installAuth } from './http/auth.ts';
import { createPasswordGuard, DEFAULT_AUTH_LIMITS, type AuthLimits } from './features/identity/password-guard.ts';
import { registerConsole } from './http/console.ts';
import { registerDocs } from './http/docs.ts';
import { randomIds, type IdSource } from './lib/ids.ts';
import { installProblemHandlers } from './http/problem.ts';
import { checkJsonBody } from './http/body-checks.ts';
import { compileSchema } from './lib/json-schema.ts';
import { VERSION } from './version.ts';

export interface AppOptions {
  config: Pick<Config, 'bodyLimit' | 'logLevel' | 'session'> &
    Partial<Pick<Config, 'evaluationLimit' | 'artifacts' | 'mlflow' | 'consoleDir'>>;
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
  /** Create the first administrator when the (migrated) database has no users. */
  bootstrap?: { token?: string; onResult?: (result: BootstrapResult) => void };
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Builds the HTTP application over an open, migrated database. */
export async function buildApp(opts: AppOptions): Promise<App> {
  const app = Fastify({
    logger: opts.logger ?? { level: opts.config.logLevel },
    bodyLimit: opts.config.bodyLimit,
    // Honour a caller's correlation id when it is sane, otherwise mint one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    routerOptions: { maxParamLength: 512 },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

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

  const { db, dialect } = opts.database;
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  // Only an embedded database guarantees that this process sees every write, which caches rely on.
  const singleProcess = dialect === 'sqlite';
  const audit = createAuditLog({ repo: auditRepo, signer: opts.signer, clock });
  const transact = createTransact(db, dialect, { beforeCommit: (tx) => audit.checkpointIfGrown(tx) });
  // Every audited event is also published to webhook subscribers, from the event's own transaction.
  const webhooks = createWebhookService({ db, transact, audit, clock, ids, repo: webhookRepo, cache: singleProcess });
  audit.onAppend(webhooks.publish);

  const authn = createAuthenticator({
    db,
    transact,
    repo: identityRepo,
    clock,
    sessions: opts.config.session,
    cache: singleProcess,
    onBackgroundError: (err) => app.log.error({ err }, 'recording credential use failed'),
  });
  const limiter = createFailureLimiter(() => clock.now().getTime());
  const limits = opts.authLimits ?? DEFAULT_AUTH_LIMITS;
  const identityDeps = { db, transact, repo: identityRepo, audit, clock, ids };
  const userService = createUserService({ ...identityDeps, identityChanged: authn.identityChanged });
  const access = createAccessService({ ...identityDeps, authn, sessions: opts.config.session });
  // Bound once the lifecycle exists (it reads the inventory's repositories, the inventory calls it back).
  const governance: VersionGovernance = { versionCreated: async () => undefined, aliasMove: async () => undefined };
  const inventory = createInventory({ db, transact, audit, clock, ids, versionCache: singleProcess, governance });
  const evaluationLimit = opts.config.evaluationLimit ?? 512 * 1024 * 1024;
  // Bound once the lifecycle exists: new evidence can make signatures stale.
  let evidenceChanged: NonNullable<Parameters<typeof createEvidenceService>[0]['changed']> = async () => undefined;
  const evidence = createEvidenceService({
    db,
    transact,
    audit,
    clock,
    ids,
    repo: evidenceRepo,
    datasets: datasetRepo,
    fetchPolicy: opts.config.artifacts ?? { roots: [], hosts: [] },
    maxBytes: evaluationLimit,
    changed: (tx, ctx, versionId) => evidenceChanged(tx, ctx, versionId),
    lock: (tx, model, version) => versionRepo.lock(tx, model, version),
  });
  const passwords = createPasswordGuard(limiter, limits);
  // Bound once monitoring exists: a suspended version may not run.
  let holds: (exec: typeof db, versionId: string) => Promise<string[]> = async () => [];
  const lifecycle = createLifecycleFeature({
    db,
    transact,
    audit,
    clock,
    ids,
    evaluationRecords: evidence.recordsFor,
    passwords,
    signDigest: opts.signer.signDigest,
    registrationChecks: evidence.recordRegistrationChecks,
    recordDocument: (tx, ctx, model, version, doc) => evidence.recordDocument(tx, ctx, model, version, doc),
    holds: (exec, id) => holds(exec, id),
    signed: async (model) => inventory.versions.invalidate((await inventory.models.get(model)).id),
  });
  evidenceChanged = lifecycle.lifecycle.evidenceChanged;
  governance.versionCreated = lifecycle.lifecycle.versionCreated;
  governance.aliasMove = lifecycle.lifecycle.aliasMove;
  const policy = createPolicyFeature({
    db,
    transact,
    audit,
    clock,
    ids,
    assessed: async (tx, ctx, id) => {
      await lifecycle.useCases.assessed(tx, ctx, id);
      await lifecycle.lifecycle.useCaseAssessed(tx, ctx, id);
    },
  });

  const queueOptions = {
    pollMs: opts.monitoring?.pollMs ?? 1000,
    concurrency: 2,
    onError: (err: unknown, name: string) => app.log.error({ err }, `background job ${name} failed`),
  };
  const queue =
    dialect === 'postgres' && opts.database.pool
      ? createPgBossQueue(opts.database.pool, { ...queueOptions, schema: 'steward_jobs' })
      : createLocalQueue(queueOptions);
  const monitoring = createMonitoringFeature({
    db,
    transact,
    audit,
    clock,
    ids,
    queue,
    fetchPolicy: opts.config.artifacts ?? { roots: [], hosts: [] },
    maxBytes: opts.monitoring?.maxBatchBytes ?? 64 * 1024 * 1024,
    policy: lifecycle.governance.policy,
    createTasks: lifecycle.createTasks,
    reauthenticate: lifecycle.reauthenticate,
    signDigest: opts.signer.signDigest,
    changed: (tx, ctx, id) => lifecycle.lifecycle.evidenceChanged(tx, ctx, id),
    ...(opts.monitoring?.sweepMs ? { sweepMs: opts.monitoring.sweepMs } : {}),
    onError: (err, what) => app.log.error({ err }, `${what} failed`),
  });
  holds = monitoring.oversight.holds;
  const mlflow = createMlflowService({
    db,
    dialect,
    inventory,
    lifecycle,
    config: opts.config.mlflow ?? {},
    transact,
    systemContext,
    schedule: (versionId) => queue.send('mlflow.registration', { versionId }, versionId),
  });
  queue.work('mlflow.registration', async (data) => mlflow.finishRegistration(String(data.versionId)));

  installAuth(app, { authn, limiter, limits, passwords });
  await registerDocs(app, VERSION);
  healthRoutes(app, opts.database);
  await app.register(
    async (api) => {
      const scope = api as App;
      inventoryRoutes(scope, inventory, { modelHealth: (ids) => monitoring.modelHealth(db, ids) });
      overviewRoutes(scope, { db, clock, health: (ids) => monitoring.modelHealth(db, ids) });
      identityRoutes(scope, { userService, access, passwords, session: opts.config.session });
      auditRoutes(scope, { audit, db });
      policyFeatureRoutes(scope, policy);
      lifecycle.routes(scope);
      webhookRoutes(scope, webhooks);
      await monitoring.routes(scope);
      await scope.register(async (uploads) => evidenceRoutes(uploads as App, { evidence, maxBytes: evaluationLimit }));
    },
    { prefix: '/api/v1' },
  );
  for (const prefix of MLFLOW_PREFIXES)
    await app.register(async (scope) => mlflowRoutes(scope as App, mlflow), { prefix });
  if (opts.config.consoleDir && !(await registerConsole(app, opts.config.consoleDir)))
    app.log.warn(`no web console build in ${opts.config.consoleDir} (npm run build:web)`);

  if (opts.webhooks?.dispatch !== false) {
    const { dispatch: _, ...timing } = opts.webhooks ?? {};
    const dispatcher = createDispatcher({
      db,
      repo: webhookRepo,
      clock,
      options: { ...DEFAULT_DISPATCH, ...timing },
      onError: (err) => app.log.error({ err }, 'webhook delivery failed unexpectedly'),
    });
    app.addHook('onReady', async () => dispatcher.start());
    app.addHook('onClose', async () => dispatcher.stop());
  }

  if (opts.monitoring?.jobs !== false) {
    app.addHook('onReady', async () => {
      await monitoring.start();
      await mlflow
        .resumeRegistrations()
        .catch((err) => app.log.error({ err }, 'resuming MLflow registration checks failed'));
    });
    app.addHook('onClose', async () => monitoring.stop());
  }

  if (opts.bootstrap) {
    const result = await ensureBootstrapAdmin({ ...identityDeps, bootstrapToken: opts.bootstrap.token });
    if (result.created) authn.identityChanged();
    await policy.installDefaultPack();
    opts.bootstrap.onResult?.(result);
  }
  return app;
}
