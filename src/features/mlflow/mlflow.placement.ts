// Which use case a model registered through the MLflow protocol belongs to: the one its
// steward.use_case tag names, the configured default, or (unless a tag is required) the intake use
// case of the caller's team, whose models await triage in the discovery inbox.

import type { RequestContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { can } from '../../domain/authz.ts';
import { DomainError } from '../../errors.ts';
import type { Inventory } from '../inventory.ts';
import { mlflowRepo as repo } from './mlflow.repo.ts';
import type { MlflowConfig } from './mlflow.service.ts';
import { invalid, shown } from './mlflow.wire.ts';

/** Intake use cases are named by this prefix and the team that owns them. */
export const INTAKE_PREFIX = 'intake-';

export function createPlacement({
  db,
  inventory,
  config,
  systemContext,
}: {
  db: Executor;
  inventory: { useCases: Pick<Inventory['useCases'], 'get' | 'create'> };
  config: MlflowConfig;
  systemContext: (id: string) => RequestContext;
}) {
  async function useCaseFor(tags: Record<string, string>): Promise<string> {
    const ref = tags['steward.use_case'] ?? config.defaultUseCase;
    if (!ref)
      throw invalid(
        "No use case for this model: set the tag 'steward.use_case' to a use case id or name, or configure STEWARD_MLFLOW_USE_CASE",
      );
    if (/^[0-9a-f-]{36}$/.test(ref)) {
      const byId = await inventory.useCases.get(ref).catch((err: unknown) => {
        if (err instanceof DomainError && err.code === 'not_found') return undefined;
        throw err;
      });
      if (byId) return byId.id;
    }
    const byName = await repo.useCaseByName(db, ref);
    if (!byName) throw invalid(`Use case '${shown(ref)}' does not exist`);
    return byName;
  }

  /**
   * Where a model registered without a use case goes: unless the administrator requires the tag, the
   * intake use case of the caller's team (the first team, by name, in which it may write models),
   * created on first need. Its models await triage in the discovery inbox.
   */
  async function placementFor(
    ctx: RequestContext,
    tags: Record<string, string>,
  ): Promise<{ id: string; intake: boolean }> {
    if (tags['steward.use_case'] !== undefined || config.defaultUseCase || config.requireUseCase)
      return { id: await useCaseFor(tags), intake: false };
    const p = ctx.principal;
    const team = p?.roles
      .map((r) => r.scope)
      .filter((scope) => scope !== '*' && can(p, 'model:write', scope))
      .sort()[0];
    if (!team)
      throw invalid(
        "No use case for this model: set the tag 'steward.use_case' to a use case id or name (a caller without a team's model:write role has no intake use case)",
      );
    const name = `${INTAKE_PREFIX}${team}`;
    const existing = await repo.useCaseByName(db, name);
    if (existing) return { id: existing, intake: true };
    const created = await inventory.useCases
      .create(systemContext('mlflow-intake'), {
        name,
        objective: `Models registered by team ${team} through the MLflow protocol without a use case, awaiting triage in the discovery inbox`,
        ownerTeam: team,
        consumers: 'internal-few',
        regions: ['GLOBAL'],
        sector: 'unclassified',
        processesPersonalData: false,
      })
      .catch(async (err: unknown) => {
        // Created by a concurrent registration meanwhile.
        if (err instanceof DomainError && err.code === 'conflict') return { id: await repo.useCaseByName(db, name) };
        throw err;
      });
    if (!created.id) throw invalid(`The intake use case ${name} could not be created`);
    return { id: created.id, intake: true };
  }

  return { useCaseFor, placementFor };
}
