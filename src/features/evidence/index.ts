import type { Executor, Tx } from '../../db/database.ts';
import type { EvidenceTable } from '../../db/schema.ts';
import type { App } from '../../http/app-types.ts';
import { createAdmission } from '../../lib/admission.ts';
import type { Feature, FeatureDeps } from '../feature.ts';
import type { DatasetRepo } from '../datasets/datasets.repo.ts';
import { evidenceRepo } from './evidence.repo.ts';
import { evidenceRoutes } from './evidence.routes.ts';
import { createEvidenceService } from './evidence.service.ts';
import type { FetchPolicy } from '../../tabular/sources.ts';
import type { TabularCompute } from '../../tabular/compute.ts';

export interface EvidenceFeatureDeps extends FeatureDeps {
  datasets: Pick<DatasetRepo, 'resolveVersion'>;
  fetchPolicy: FetchPolicy;
  /** Largest data stream or model file read, in bytes. */
  maxBytes: number;
  /** Bytes an evaluation may take in memory before it moves its columns to files (default SPILL_AFTER_BYTES). */
  spillAfterBytes?: number;
  /** Evaluations running at once, server-wide and per user. */
  concurrency: { perServer: number; perUser: number };
  /** Takes the version's row lock (from the inventory). */
  lock: (tx: Tx, model: string, version: number) => Promise<void>;
  /** Where evaluations compute (the server's worker pool); default: this thread. */
  compute?: TabularCompute;
}

/** The evidence engine's records: evaluations, documents, registration checks, explanations. */
export function createEvidenceFeature(deps: EvidenceFeatureDeps) {
  const { concurrency, ...rest } = deps;
  const admission = createAdmission('evaluations', {
    perServer: concurrency.perServer,
    perCaller: concurrency.perUser,
    retryAfterSeconds: 5,
  });
  const evidence = createEvidenceService({ ...rest, repo: evidenceRepo, admission });
  const services = {
    evidence,
    /** Each version's evidence rows, oldest first (for the lifecycle's manifests). */
    rows: (exec: Executor, versionIds: string[]) => evidenceRepo.ofVersions(exec, versionIds),
    /** Evidence other features record themselves (monitor configurations, monitoring alerts). */
    store: {
      insert: (tx: Tx, row: EvidenceTable) => evidenceRepo.insert(tx, row),
      ofVersion: (exec: Executor, versionId: string) => evidenceRepo.ofVersion(exec, versionId),
    },
  };
  return {
    services,
    // Uploads get a scope of their own: only there are data bodies streamed instead of parsed.
    routes: async (api: App) => {
      await api.register(async (uploads) => evidenceRoutes(uploads as App, { evidence, maxBytes: deps.maxBytes }));
    },
  } satisfies Feature<typeof services>;
}
