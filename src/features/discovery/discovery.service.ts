import { actorId, type RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { DiscoveryFindingTable, DiscoveryScanTable } from '../../db/schema.ts';
import type { DomainEvents } from '../../events.ts';
import { conflict, DomainError, notFound } from '../../errors.ts';
import { decodeCursor, toPage } from '../../lib/pagination.ts';
import { authorize } from '../common/authorize.ts';
import { NAME_PATTERN } from '../common/common.schema.ts';
import type { CommandDeps } from '../common/deps.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import type { ModelRecord } from '../models/models.repo.ts';
import type { ModelService } from '../models/models.service.ts';
import type { DiscoveryRepo, Seen } from './discovery.repo.ts';
import type { AdoptBody, DismissBody, Finding, FindingsQuery, Scan, SourceOutcome } from './discovery.schema.ts';
import { mlflowSource, scanArtifactRoot, scanMlflow, withRetry, type Retry } from './discovery.sources.ts';

export interface DiscoveryConfig {
  /** Base URLs of servers speaking the MLflow REST API (credentials may be in the URL). */
  mlflowUrls: string[];
  /** Bearer token for MLflow servers whose URL carries no credentials. */
  mlflowToken?: string | undefined;
  /** Directories searched for model artefacts. */
  artifactRoots: string[];
  /** How a failing source is retried within one scan. */
  retry?: Retry | undefined;
}

export interface DiscoveryDeps extends CommandDeps {
  repo: DiscoveryRepo;
  /** Adopting creates or links a model; the finding is decided inside the model's transaction. */
  models: Pick<ModelService, 'get'> & {
    create: (
      ctx: RequestContext,
      input: Parameters<ModelService['create']>[1],
      within: (tx: Tx, record: ModelRecord) => Promise<void>,
    ) => Promise<ModelRecord>;
    update: (
      ctx: RequestContext,
      name: string,
      patch: Parameters<ModelService['update']>[2],
      expectedRevision: undefined,
      within: (tx: Tx, record: ModelRecord) => Promise<void>,
    ) => Promise<ModelRecord>;
  };
  /** Whether a digest is a registered version's artefact (such files are governed already). */
  governed: (exec: Executor, digest: string) => Promise<boolean>;
  config: DiscoveryConfig;
}

const DEFAULT_RETRY: Retry = { attempts: 3, baseMs: 1000 };
const MODEL_NAME = new RegExp(`^${NAME_PATTERN}`);

const toFinding = (r: DiscoveryFindingTable): Finding => ({
  id: r.id,
  source: r.source as Finding['source'],
  externalKey: r.external_key,
  origin: r.origin,
  name: r.name,
  details: JSON.parse(r.details) as Record<string, unknown>,
  status: r.status as Finding['status'],
  modelId: r.model_id,
  reason: r.reason,
  firstSeenAt: r.first_seen_at,
  lastSeenAt: r.last_seen_at,
  seenCount: Number(r.seen_count),
  decidedAt: r.decided_at,
  decidedBy: r.decided_by,
});

const toScan = (r: DiscoveryScanTable): Scan => ({
  id: r.id,
  trigger: r.trigger as Scan['trigger'],
  status: r.status as Scan['status'],
  sources: JSON.parse(r.sources) as SourceOutcome[],
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  createdBy: r.created_by,
});

/** An error as one line for the scan record: fetch's own message hides the cause (refused, DNS). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 1000);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  const why = cause ? `: ${cause.code ?? cause.message ?? ''}` : '';
  return `${err.message}${why}`.slice(0, 1000);
}

/**
 * The discovery inbox: findings from the scanning connectors and the live streams (admission,
 * MLflow intake), adopted into the inventory or dismissed with a reason.
 */
export function createDiscoveryService(deps: DiscoveryDeps) {
  const { db, transact, repo, audit, clock, ids } = deps;
  const retry = deps.config.retry ?? DEFAULT_RETRY;
  let running: Promise<Scan> | null = null;

  async function open(id: string): Promise<DiscoveryFindingTable> {
    const f = await repo.get(db, id);
    if (!f) throw notFound('discovery finding', id);
    if (f.status !== 'open') throw conflict(`discovery finding ${id} is ${f.status} already`);
    return f;
  }

  async function runScan(ctx: RequestContext, trigger: Scan['trigger']): Promise<Scan> {
    const startedAt = clock.now().toISOString();
    const results: { outcome: SourceOutcome; seen: Seen[] }[] = [];
    const attempt = async (source: SourceOutcome['source'], origin: string, fn: () => Promise<Seen[]>) => {
      try {
        const { value, attempts } = await withRetry(retry, fn);
        results.push({
          outcome: { source, origin, status: 'ok', attempts, found: value.length, created: 0, error: null },
          seen: value,
        });
      } catch (err) {
        results.push({
          outcome: {
            source,
            origin,
            status: 'failed',
            attempts: retry.attempts,
            found: 0,
            created: 0,
            error: describe(err),
          },
          seen: [],
        });
      }
    };
    for (const url of deps.config.mlflowUrls) {
      let src;
      try {
        src = mlflowSource(url, deps.config.mlflowToken);
      } catch {
        results.push({
          outcome: {
            source: 'mlflow',
            origin: '(unparsable URL)',
            status: 'failed',
            attempts: 0,
            found: 0,
            created: 0,
            error: 'not a URL',
          },
          seen: [],
        });
        continue;
      }
      await attempt('mlflow', src.origin, () => scanMlflow(src));
    }
    for (const root of deps.config.artifactRoots)
      await attempt('artifact-root', root, () => scanArtifactRoot(root, (digest) => deps.governed(db, digest)));
    const failed = results.filter((r) => r.outcome.status === 'failed').length;
    const id = ids.next();
    return transact(async (tx) => {
      const now = clock.now().toISOString();
      for (const r of results) r.outcome.created = await repo.upsert(tx, r.seen, now, () => ids.next());
      const row: DiscoveryScanTable = {
        id,
        trigger,
        status: failed === 0 ? 'ok' : failed === results.length ? 'failed' : 'partial',
        sources: JSON.stringify(results.map((r) => r.outcome)),
        started_at: startedAt,
        finished_at: now,
        created_by: actorId(ctx),
      };
      await repo.insertScan(tx, row);
      const scan = toScan(row);
      await audit.append(tx, ctx, { action: 'discovery.scan', subject: { type: 'discovery-scan', id }, after: scan });
      return scan;
    });
  }

  return {
    /**
     * Scans every configured source once: each is retried with backoff and its outcome (or error)
     * recorded; one failing source never fails the scan. One scan runs at a time per process.
     */
    async scan(ctx: RequestContext, trigger: Scan['trigger']): Promise<Scan> {
      authorize(ctx, 'policy:admin', ORGANISATION);
      if (running) throw conflict('a discovery scan is running: try again when it finished');
      running = runScan(ctx, trigger);
      try {
        return await running;
      } finally {
        running = null;
      }
    },

    async scans(limit: number): Promise<Scan[]> {
      return (await repo.scans(db, limit)).map(toScan);
    },

    async list(q: FindingsQuery) {
      const after = decodeCursor(q.cursor, ['string', 'string']) as [string, string] | undefined;
      const rows = await repo.list(db, {
        ...(q.source ? { source: q.source } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(after ? { after } : {}),
        limit: q.limit + 1,
      });
      const page = toPage(rows, q.limit, (r) => [r.first_seen_at, r.id]);
      return { items: page.items.map(toFinding), nextCursor: page.nextCursor, counts: await repo.counts(db) };
    },

    async get(id: string): Promise<Finding> {
      const f = await repo.get(db, id);
      if (!f) throw notFound('discovery finding', id);
      return toFinding(f);
    },

    /**
     * Adopts an open finding: links the model of that name (placing it under the use case) or
     * creates it there, records where it was found as the model's `steward.discovery.*` tags, and
     * decides the finding, all in the model's transaction.
     */
    async adopt(ctx: RequestContext, id: string, body: AdoptBody): Promise<Finding> {
      const f = await open(id);
      const details = JSON.parse(f.details) as Record<string, unknown>;
      const name =
        body.model ?? (f.source === 'mlflow-intake' && typeof details.model === 'string' ? details.model : f.name);
      if (!MODEL_NAME.test(name) || name.length > 256)
        throw new DomainError('validation_failed', `'${name.slice(0, 100)}' cannot be a model name: give model`, {
          errors: [{ pointer: '/model', message: 'is required: the finding’s name is not a valid model name' }],
        });
      const tags = {
        'steward.discovery.source': f.source,
        'steward.discovery.origin': f.origin.slice(0, 2000),
        'steward.discovery.key': f.external_key.slice(0, 2000),
      };
      const within = async (tx: Tx, model: ModelRecord) => {
        const decided = await repo.decide(tx, id, {
          status: 'adopted',
          modelId: model.id,
          reason: null,
          at: clock.now().toISOString(),
          by: actorId(ctx),
        });
        if (!decided) throw conflict(`discovery finding ${id} was decided meanwhile`);
        await audit.append(tx, ctx, {
          action: 'discovery.adopt',
          subject: { type: 'discovery-finding', id },
          before: toFinding(f),
          after: { modelId: model.id, model: model.name, useCaseId: model.useCaseId },
        });
      };
      const existing = await deps.models.get(name).catch((err: unknown) => {
        if (err instanceof DomainError && err.code === 'not_found') return undefined;
        throw err;
      });
      if (existing)
        await deps.models.update(
          ctx,
          name,
          { useCase: body.useCase, tags, ...(body.description !== undefined ? { description: body.description } : {}) },
          undefined,
          within,
        );
      else
        await deps.models.create(
          ctx,
          {
            name,
            useCase: body.useCase,
            description: body.description ?? `Found by discovery (${f.source}) in ${f.origin}`,
            tags,
          },
          within,
        );
      return toFinding((await repo.get(db, id))!);
    },

    /** Dismisses an open finding with the reason it needs no governance; re-scans keep it dismissed. */
    async dismiss(ctx: RequestContext, id: string, body: DismissBody): Promise<Finding> {
      const f = await open(id);
      const reason = body.reason.trim();
      if (!reason)
        throw new DomainError('validation_failed', 'a dismissal needs a reason', {
          errors: [{ pointer: '/reason', message: 'is blank' }],
        });
      await transact(async (tx) => {
        const decided = await repo.decide(tx, id, {
          status: 'dismissed',
          modelId: null,
          reason,
          at: clock.now().toISOString(),
          by: actorId(ctx),
        });
        if (!decided) throw conflict(`discovery finding ${id} was decided meanwhile`);
        await audit.append(tx, ctx, {
          action: 'discovery.dismiss',
          subject: { type: 'discovery-finding', id },
          before: toFinding(f),
          after: { status: 'dismissed', reason },
        });
      });
      return toFinding((await repo.get(db, id))!);
    },

    /** A model placed in the intake use case becomes a finding, in its registration's transaction. */
    async intake(tx: Tx, e: DomainEvents['model.intake']): Promise<void> {
      await repo.upsert(
        tx,
        [
          {
            source: 'mlflow-intake',
            externalKey: e.modelId,
            origin: 'mlflow',
            name: e.name,
            details: { model: e.name, intakeUseCaseId: e.useCaseId },
          },
        ],
        clock.now().toISOString(),
        () => ids.next(),
      );
    },

    /** An intake model its registration placed under a use case is adopted there. */
    async placed(tx: Tx, e: DomainEvents['model.placed']): Promise<void> {
      const f = await repo.byKey(tx, 'mlflow-intake', e.modelId);
      if (!f || f.status !== 'open') return;
      await repo.decide(tx, f.id, {
        status: 'adopted',
        modelId: e.modelId,
        reason: null,
        at: clock.now().toISOString(),
        by: actorId(e.ctx),
      });
      await audit.append(tx, e.ctx, {
        action: 'discovery.adopt',
        subject: { type: 'discovery-finding', id: f.id },
        before: toFinding(f),
        after: { modelId: e.modelId, useCaseId: e.useCaseId, by: 'steward.use_case tag' },
      });
    },

    /** A workload admission could not tie to the inventory: its model, or each of its images. */
    async admission(tx: Tx, e: DomainEvents['admission.unidentified']): Promise<void> {
      const common = { workload: e.workload, allowed: e.allowed, reason: e.reason.slice(0, 2000) };
      const seen: Seen[] = e.model
        ? [
            {
              source: 'admission',
              externalKey: `model:${e.model.name}`,
              origin: e.namespace,
              name: e.model.name,
              details: { ...common, version: e.model.version, images: e.images.slice(0, 50) },
            },
          ]
        : e.images.slice(0, 50).map((image) => ({
            source: 'admission',
            externalKey: `image:${image}`,
            origin: e.namespace,
            name: image,
            details: { ...common, image },
          }));
      await repo.upsert(tx, seen, clock.now().toISOString(), () => ids.next());
    },

    /** Findings by status, for the governance KPIs. */
    counts: (exec: Executor = db) => repo.counts(exec),
  };
}

export type DiscoveryService = ReturnType<typeof createDiscoveryService>;
