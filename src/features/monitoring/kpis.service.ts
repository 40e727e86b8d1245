import type { RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { effectiveRules, evaluateRules, type AlertRule } from '../../domain/monitoring/alerts.ts';
import type { PolicyContext } from '../policy/index.ts';
import type { UseCaseRecord } from '../use-cases/use-cases.repo.ts';
import type { AlertsService } from './alerts.service.ts';
import type { MonitoringRepo } from './monitoring.repo.ts';

export interface KpiRuleDeps {
  repo: Pick<MonitoringRepo, 'latestKpi'>;
  alerts: Pick<AlertsService, 'apply'>;
  policy: (exec: Executor, useCaseId: string) => Promise<PolicyContext | null>;
  useCase: (exec: Executor, id: string) => Promise<UseCaseRecord | undefined>;
}

/** The KPI alert rules: a recorded value that misses its target opens (or keeps open) an alert. */
export function createKpiRules(deps: KpiRuleDeps) {
  const { repo, alerts } = deps;
  /** A KPI value arrived: the use case's KPI rules run on its latest value. */
  return async (tx: Tx, ctx: RequestContext, useCaseId: string, kpi: string): Promise<void> => {
    const uc = await deps.useCase(tx, useCaseId);
    const latest = await repo.latestKpi(tx, useCaseId, kpi);
    const def = uc?.kpis.find((k) => k.name === kpi);
    const policy = await deps.policy(tx, useCaseId);
    if (!uc || !latest || !def || !policy) return;
    const missed = def.direction === 'at-least' ? latest.value < def.target : latest.value > def.target;
    const rules = effectiveRules((policy.pack.alertRules ?? []) as AlertRule[], policy.tier, []).filter((r) =>
      r.metric.startsWith('kpi.'),
    );
    await alerts.apply(
      tx,
      ctx,
      { useCaseId, team: uc.ownerTeam, versionId: null, label: `use case ${uc.name}` },
      evaluateRules(rules, { [`kpi.${kpi}`]: latest.value, [`kpi.${kpi}.missed`]: missed ? 1 : 0 }),
      latest.ts_ms,
    );
  };
}
