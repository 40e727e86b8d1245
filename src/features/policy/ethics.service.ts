import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import { DomainError, notFound } from '../../errors.ts';
import type { Emit } from '../../events.ts';
import { authorize } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { EvidenceRecord } from '../../domain/policy/status.ts';
import type { PolicyRepo } from './policy.repo.ts';

export interface EthicalPositionContent {
  wellbeingAspects: string[];
  psychologicalImpact: string;
  financialImpact: string;
  transparency: string;
  accountability: string;
  statement?: string;
}

export interface EthicalPosition extends EthicalPositionContent {
  version: number;
  createdAt: string;
  createdBy: string | null;
}

export interface EthicsServiceDeps extends CommandDeps {
  repo: PolicyRepo;
  events: Emit;
  useCases: { teamOf(db: Executor, id: string): Promise<string | undefined> };
  /** The tier in force for a use case (null before its first assessment). */
  tierOf(db: Executor, useCaseId: string): Promise<number | null>;
}

/** Use cases at this tier or above must record how they align with the current ethical position. */
export const ALIGNMENT_FROM_TIER = 3;

export function createEthicsService({ db, transact, audit, clock, repo, events, useCases, tierOf }: EthicsServiceDeps) {
  const toPosition = (r: {
    version: number;
    content: string;
    created_at: string;
    created_by: string | null;
  }): EthicalPosition => ({
    ...(JSON.parse(r.content) as EthicalPositionContent),
    version: r.version,
    createdAt: r.created_at,
    createdBy: r.created_by,
  });

  return {
    async current(): Promise<EthicalPosition | null> {
      const r = await repo.latestPosition(db);
      return r ? toPosition(r) : null;
    },

    async versions(): Promise<EthicalPosition[]> {
      return (await repo.positions(db)).map(toPosition);
    },

    /** Saves a new version (every version is kept); use cases aligned with older ones need review. */
    async publish(ctx: RequestContext, content: EthicalPositionContent): Promise<EthicalPosition> {
      return transact(async (tx) => {
        authorize(ctx, 'users:admin', ORGANISATION);
        const previous = await repo.latestPosition(tx);
        const row = {
          version: (previous?.version ?? 0) + 1,
          content: JSON.stringify(content),
          created_at: clock.now().toISOString(),
          created_by: actorId(ctx),
        };
        await repo.insertPosition(tx, row);
        const position = toPosition(row);
        await audit.append(tx, ctx, {
          action: 'ethical-position.publish',
          subject: { type: 'ethical-position', id: String(row.version) },
          before: previous ? toPosition(previous) : null,
          after: position,
        });
        return position;
      });
    },

    async align(ctx: RequestContext, useCaseId: string, statement: string) {
      await transact(async (tx) => {
        const team = await useCases.teamOf(tx, useCaseId);
        if (!team) throw notFound('use case', useCaseId);
        authorize(ctx, 'assessment:write', team);
        const position = await repo.latestPosition(tx);
        if (!position) throw new DomainError('conflict', 'no ethical position has been published yet');
        const row = {
          use_case_id: useCaseId,
          position_version: position.version,
          statement,
          recorded_at: clock.now().toISOString(),
          recorded_by: actorId(ctx),
        };
        const earlier = (await repo.alignments(tx, useCaseId)).find((a) => a.position_version === position.version);
        await repo.upsertAlignment(tx, row);
        await audit.append(tx, ctx, {
          action: 'ethical-alignment.record',
          subject: { type: 'use-case', id: useCaseId },
          before: earlier
            ? {
                positionVersion: earlier.position_version,
                statement: earlier.statement,
                recordedBy: earlier.recorded_by,
              }
            : null,
          after: { positionVersion: row.position_version, statement },
        });
        // Its versions' open promotions may pass now that ai-policy is met.
        await events.emit(tx, 'use-case.aligned', { ctx, useCaseId });
      });
      return this.alignment(useCaseId);
    },

    /** Use cases at tier 3 or above whose alignment is missing or predates the current position. */
    async pending(useCaseIds: string[]) {
      const out: { useCaseId: string; status: string }[] = [];
      for (const id of useCaseIds) {
        const a = await this.alignment(id);
        if (a.status === 'missing' || a.status === 'review') out.push({ useCaseId: id, status: a.status });
      }
      return out;
    },

    /** Whether the use case must align (tier >= 3) and whether it does with the current version. */
    async alignment(useCaseId: string) {
      if (!(await useCases.teamOf(db, useCaseId))) throw notFound('use case', useCaseId);
      const { required, status, position, alignments } = await alignmentState(
        repo,
        db,
        useCaseId,
        await tierOf(db, useCaseId),
      );
      return {
        required,
        status,
        currentVersion: position?.version ?? null,
        alignments: alignments.map((a) => ({
          positionVersion: a.position_version,
          statement: a.statement,
          recordedAt: a.recorded_at,
          recordedBy: a.recorded_by,
        })),
      };
    },
  };
}

export type EthicsService = ReturnType<typeof createEthicsService>;

export type AlignmentStatus = 'not-required' | 'no-position' | 'missing' | 'aligned' | 'review';

/** The use case's alignment with the current ethical position at the tier in force (read in `exec`). */
async function alignmentState(
  repo: Pick<PolicyRepo, 'latestPosition' | 'alignments'>,
  exec: Executor,
  useCaseId: string,
  tier: number | null,
) {
  const [position, alignments] = await Promise.all([repo.latestPosition(exec), repo.alignments(exec, useCaseId)]);
  return judgeAlignment(position, alignments, tier);
}

/** Where a use case at `tier` stands, given the current position and its alignments (oldest first). */
function judgeAlignment<P extends { version: number }, A extends { position_version: number }>(
  position: P | undefined,
  alignments: A[],
  tier: number | null,
) {
  const required = tier !== null && tier >= ALIGNMENT_FROM_TIER;
  const latest = alignments[alignments.length - 1];
  const status: AlignmentStatus = !required
    ? 'not-required'
    : !position
      ? 'no-position'
      : !latest
        ? 'missing'
        : latest.position_version === position.version
          ? 'aligned'
          : 'review';
  return { required, status, position, latest, alignments };
}

/** `alignmentRecord` of each use case at its tier, read together (the position once), by use case id. */
export async function alignmentRecords(
  repo: Pick<PolicyRepo, 'latestPosition' | 'alignmentsOf'>,
  exec: Executor,
  cases: { useCaseId: string; tier: number | null }[],
): Promise<Map<string, EvidenceRecord>> {
  const [position, alignments] = await Promise.all([
    repo.latestPosition(exec),
    repo.alignmentsOf(
      exec,
      cases.map((c) => c.useCaseId),
    ),
  ]);
  return new Map(
    cases.map(({ useCaseId, tier }) => {
      const a = judgeAlignment(position, alignments.get(useCaseId) ?? [], tier);
      const record: EvidenceRecord = {
        id: `use-case:${useCaseId}:alignment`,
        kind: 'alignment',
        alignment: a.status,
        alignedWith: a.latest?.position_version ?? null,
        currentPosition: a.position?.version ?? null,
      };
      return [useCaseId, record];
    }),
  );
}

/**
 * The use case's ethical alignment as an evidence record, for measures with an `ethical-alignment`
 * item (the shipped pack's `ai-policy`): a tier-3+ use case not aligned with the current position fails them.
 */
export async function alignmentRecord(
  repo: Pick<PolicyRepo, 'latestPosition' | 'alignmentsOf'>,
  exec: Executor,
  useCaseId: string,
  tier: number | null,
): Promise<EvidenceRecord> {
  return (await alignmentRecords(repo, exec, [{ useCaseId, tier }])).get(useCaseId)!;
}
