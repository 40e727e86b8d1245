import { Type } from 'typebox';
import type { Clock } from '../../clock.ts';
import type { Executor } from '../../db/database.ts';
import type { App } from '../../http/app-types.ts';
import type { ModelHealth } from '../models/models.routes.ts';
import type { SubjectStatus } from '../../domain/lifecycle/next-actions.ts';
import type { InventoryAttestation } from '../../domain/attestations.ts';
import { overviewRepo, type OverviewFilter, type OverviewRow } from './overview.repo.ts';
import { overviewSummaryRepo } from './overview-summary.repo.ts';
import { OverviewPage, OverviewQuery, OverviewSummary } from './overview.schema.ts';

/** `GET /overview`: the inventory at a glance (the console's home), one page at a time. */
/** Each model's one status by `useCaseId/model` (the same value its version and use-case pages show). */
export type StatusReader = (modelIds: string[]) => Promise<Map<string, SubjectStatus>>;
/** Each use case's attestation standing by use case id (from the attestation campaigns). */
export type AttestationReader = (useCaseIds: string[]) => Promise<Map<string, InventoryAttestation>>;

export function overviewRoutes(
  app: App,
  deps: {
    db: Executor;
    clock: Clock;
    health: ModelHealth;
    /** One page of rows and the filter's total (the feature's service). */
    page: (filter: OverviewFilter) => Promise<{ rows: OverviewRow[]; total: number }>;
    status?: StatusReader;
    attestation?: AttestationReader;
  },
): void {
  app.get(
    '/overview',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: ['inventory'],
        summary:
          'Every use case and model with tier, EU AI Act category, lifecycle step, latest promotion, production version, health, open alerts and overdue reviews; filtered, searched, sorted and paged',
        querystring: OverviewQuery,
        response: { 200: OverviewPage },
      },
    },
    async (request) => {
      const query = request.query;
      const now = deps.clock.now().toISOString();
      const { rows, total } = await deps.page({ ...query, now });
      const modelIds = rows.flatMap((r) => (r.model_id ? [r.model_id] : []));
      const versionIds = rows.flatMap((r) => (r.latest_version_id ? [r.latest_version_id] : []));
      const [details, health, status, attestations] = await Promise.all([
        overviewRepo.details(deps.db, modelIds, versionIds),
        deps.health(modelIds),
        deps.status?.(modelIds),
        deps.attestation?.([...new Set(rows.map((r) => r.use_case_id))]),
      ]);
      return {
        total,
        offset: query.offset,
        limit: query.limit,
        items: rows.map((r) => ({
          useCase: {
            id: r.use_case_id,
            name: r.use_case_name,
            ownerTeam: r.owner_team,
            step: r.use_case_step,
            attestation: attestations?.get(r.use_case_id) ?? null,
          },
          tier: r.tier,
          euAiAct: r.eu_ai_act,
          reviewBy: r.review_by,
          reviewOverdue: r.review_by !== null && r.review_by < now,
          model:
            r.model_id === null
              ? null
              : {
                  name: r.model_name!,
                  latestVersion: r.latest_version ? r.latest_version : null,
                  step: r.version_step,
                  productionVersion: details.production.get(r.model_id) ?? null,
                  promotion: (r.latest_version_id && details.promotions.get(r.latest_version_id)) || null,
                  health: health.get(r.model_id) ?? 'no-data',
                  openAlerts: details.alerts.get(r.model_id) ?? 0,
                  ...(status?.has(`${r.use_case_id}/${r.model_name}`)
                    ? { status: status.get(`${r.use_case_id}/${r.model_name}`) }
                    : {}),
                },
          updatedAt: r.updated_at,
        })),
      };
    },
  );

  app.get(
    '/overview/summary',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: ['inventory'],
        summary:
          'The home dashboard: use cases by tier and step, versions by step, production versions, open alerts and incidents, overdue reviews, stale approvals, and a board of use cases by step',
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: OverviewSummary },
      },
    },
    async () => {
      const s = await overviewSummaryRepo.summary(deps.db, deps.clock.now().toISOString());
      const columns = new Map<string | null, { id: string; name: string; tier: number | null; ownerTeam: string }[]>();
      for (const { step, ...uc } of s.board) columns.set(step, [...(columns.get(step) ?? []), uc]);
      return {
        ...s,
        production: s.production.map(({ useCaseId, useCaseName, ...p }) => ({
          ...p,
          useCase: { id: useCaseId, name: useCaseName },
        })),
        board: s.byStep.map(({ step, count }) => ({ step, useCases: columns.get(step) ?? [], total: count })),
      };
    },
  );
}
