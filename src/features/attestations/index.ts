import type { Executor } from '../../db/database.ts';
import type { KpiValue } from '../../domain/governance/kpis.ts';
import { share } from '../../domain/governance/kpis.ts';
import { inventoryAttestation, type InventoryAttestation } from '../../domain/attestations.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { App } from '../../http/app-types.ts';
import type { Feature } from '../feature.ts';
import { createCampaignScheduler } from './attestations.jobs.ts';
import { attestationsRepo } from './attestations.repo.ts';
import { attestationsRoutes } from './attestations.routes.ts';
import { createAttestationsService, type AttestationsDeps } from './attestations.service.ts';

export { CAMPAIGN_JOB } from './attestations.jobs.ts';

export interface AttestationsFeatureDeps extends Omit<AttestationsDeps, 'repo'> {
  queue: Pick<JobQueue, 'send'>;
  /** Whether this process schedules the daily campaign (servers do; tests run it on demand). */
  dailyCampaigns: boolean;
  onError: (err: unknown) => void;
}

/** Periodic attestation and revalidation campaigns by tier cadence. */
export function createAttestationsFeature(deps: AttestationsFeatureDeps) {
  const { queue, dailyCampaigns, onError, ...rest } = deps;
  const attestations = createAttestationsService({ ...rest, repo: attestationsRepo });
  const scheduler = createCampaignScheduler({
    queue,
    attestations,
    today: () => deps.clock.now().toISOString().slice(0, 10),
    onError,
  });
  const services = { attestations };
  return {
    services,
    routes: (api: App) => attestationsRoutes(api, { attestations }),
    jobs: scheduler.jobs,
    ...(dailyCampaigns ? { start: scheduler.start, stop: scheduler.stop } : {}),
  } satisfies Feature<typeof services>;
}

/**
 * The governance programme's KPI over the campaigns: open attestations past their due day, with
 * the share of decided ones made on time (read by the governance feature, composed before this one).
 */
export const attestationsKpiSource =
  (db: Executor) =>
  async (now: Date): Promise<KpiValue[]> => {
    const { open, overdue, decided, onTime } = await attestationsRepo.counts(db, now.toISOString().slice(0, 10));
    return [
      {
        kpi: 'overdue-attestations',
        team: '*',
        value: overdue,
        numerator: overdue,
        denominator: open,
        detail: { open, decided, onTime, onTimeShare: share(onTime, decided) },
      },
    ];
  };

/** What other features may read of the campaigns (the inventory's attestation column). */
export const attestationReaders = {
  /** Each use case's attestation standing on `today`, by use case id (absent before its first campaign). */
  async standings(db: Executor, useCaseIds: string[], today: string): Promise<Map<string, InventoryAttestation>> {
    const grouped = new Map<string, Parameters<typeof inventoryAttestation>[0][number][]>();
    for (const r of await attestationsRepo.ofUseCases(db, useCaseIds))
      grouped.set(r.use_case_id, [...(grouped.get(r.use_case_id) ?? []), r]);
    const out = new Map<string, InventoryAttestation>();
    for (const [id, rows] of grouped) {
      const standing = inventoryAttestation(rows, today);
      if (standing) out.set(id, standing);
    }
    return out;
  },
};
