import { grouped } from '../../db/chunks.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { listRead } from '../../db/prepared.ts';
import type { EvidenceTable } from '../../db/schema.ts';

const evidenceOf = listRead((db, ids) =>
  db.selectFrom('evidence').selectAll().where('model_version_id', 'in', ids).orderBy('created_at').orderBy('id'),
);

export const evidenceRepo = {
  async insert(tx: Tx, row: EvidenceTable): Promise<void> {
    await tx.insertInto('evidence').values(row).execute();
  },

  /** The evidence of each of `versionIds`, oldest first. */
  async ofVersions(db: Executor, versionIds: string[]): Promise<Map<string, EvidenceTable[]>> {
    return grouped(
      versionIds,
      (ids) => evidenceOf(db, ids),
      (r) => r.model_version_id,
    );
  },

  async ofVersion(db: Executor, versionId: string): Promise<EvidenceTable[]> {
    return (await evidenceRepo.ofVersions(db, [versionId])).get(versionId)!;
  },

  /** A live version with the digest and owning team evidence needs. */
  async locateVersion(
    db: Executor,
    model: string,
    version: number,
  ): Promise<{ id: string; artifactDigest: string | null; artifactUri: string; team: string } | undefined> {
    const row = await db
      .selectFrom('model_versions as v')
      .innerJoin('models as m', 'm.id', 'v.model_id')
      .innerJoin('use_cases as u', 'u.id', 'm.use_case_id')
      .select(['v.id', 'v.artifact_digest', 'v.artifact_uri', 'u.owner_team'])
      .where('m.name', '=', model)
      .where('v.version', '=', version)
      .where('v.deleted_at', 'is', null)
      .executeTakeFirst();
    return (
      row && { id: row.id, artifactDigest: row.artifact_digest, artifactUri: row.artifact_uri, team: row.owner_team }
    );
  },
};

export type EvidenceRepo = typeof evidenceRepo;
