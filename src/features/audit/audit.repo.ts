import { sql } from 'kysely';
import type { Executor, Tx } from '../../db/database.ts';
import { parseAuditLeaf, type AuditEventRecord } from '../../domain/audit-event.ts';

export interface EventFilter {
  subjectType?: string;
  subjectId?: string;
  actorId?: string;
  action?: string;
  from?: string;
  to?: string;
  afterSeq?: number;
  limit: number;
}

export const auditRepo = {
  /** Claims the next sequence number; the row lock serialises appends until commit (gapless, commit-ordered). */
  async claimSeq(tx: Tx): Promise<{ seq: number; frontier: string }> {
    const row = await tx
      .updateTable('audit_head')
      .set({ size: sql<number>`size + 1` })
      .where('id', '=', 1)
      .returning(['size', 'frontier'])
      .executeTakeFirstOrThrow();
    return { seq: Number(row.size), frontier: row.frontier };
  },

  async storeAppend(
    tx: Tx,
    seq: number,
    leaf: string,
    frontier: string,
    nodes: { level: number; idx: number; hash: string }[],
  ): Promise<void> {
    await tx.insertInto('audit_events').values({ seq, leaf }).execute();
    await tx.insertInto('audit_nodes').values(nodes).execute();
    await tx.updateTable('audit_head').set({ frontier }).where('id', '=', 1).execute();
  },

  async head(db: Executor): Promise<{ size: number; frontier: string; checkpointSize: number }> {
    const row = await db
      .selectFrom('audit_head')
      .select(['size', 'frontier', 'checkpoint_size'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    return { size: Number(row.size), frontier: row.frontier, checkpointSize: Number(row.checkpoint_size) };
  },

  async storeCheckpoint(
    tx: Tx,
    c: { treeSize: number; rootHash: string; note: string; createdAt: string },
  ): Promise<void> {
    await tx
      .insertInto('audit_checkpoints')
      .values({ tree_size: c.treeSize, root_hash: c.rootHash, note: c.note, created_at: c.createdAt })
      .execute();
    await tx.updateTable('audit_head').set({ checkpoint_size: c.treeSize }).where('id', '=', 1).execute();
  },

  async latestCheckpoint(
    db: Executor,
  ): Promise<{ treeSize: number; rootHash: string; note: string; createdAt: string } | undefined> {
    const row = await db
      .selectFrom('audit_checkpoints')
      .selectAll()
      .orderBy('tree_size', 'desc')
      .limit(1)
      .executeTakeFirst();
    return (
      row && { treeSize: Number(row.tree_size), rootHash: row.root_hash, note: row.note, createdAt: row.created_at }
    );
  },

  async checkpointRoots(db: Executor): Promise<{ treeSize: number; rootHash: string; note: string }[]> {
    const rows = await db
      .selectFrom('audit_checkpoints')
      .select(['tree_size', 'root_hash', 'note'])
      .orderBy('tree_size')
      .execute();
    return rows.map((r) => ({ treeSize: Number(r.tree_size), rootHash: r.root_hash, note: r.note }));
  },

  /** Every checkpoint with the time it was signed, oldest first. */
  async checkpointTimes(db: Executor): Promise<{ treeSize: number; note: string; createdAt: string }[]> {
    const rows = await db
      .selectFrom('audit_checkpoints')
      .select(['tree_size', 'note', 'created_at'])
      .orderBy('tree_size')
      .execute();
    return rows.map((r) => ({ treeSize: Number(r.tree_size), note: r.note, createdAt: r.created_at }));
  },

  async allCheckpoints(db: Executor): Promise<{ treeSize: number; note: string }[]> {
    const rows = await db.selectFrom('audit_checkpoints').select(['tree_size', 'note']).orderBy('tree_size').execute();
    return rows.map((r) => ({ treeSize: Number(r.tree_size), note: r.note }));
  },

  async events(db: Executor, f: EventFilter): Promise<AuditEventRecord[]> {
    let q = db.selectFrom('audit_events').select(['seq', 'leaf']).orderBy('seq').limit(f.limit);
    if (f.afterSeq !== undefined) q = q.where('seq', '>', f.afterSeq);
    if (f.subjectType) q = q.where('subject_type', '=', f.subjectType);
    if (f.subjectId) q = q.where('subject_id', '=', f.subjectId);
    if (f.actorId) q = q.where('actor_id', '=', f.actorId);
    if (f.action) q = q.where('action', '=', f.action);
    if (f.from) q = q.where('time', '>=', f.from);
    if (f.to) q = q.where('time', '<', f.to);
    return (await q.execute()).map((r) => parseAuditLeaf(r.leaf));
  },

  /** The stored leaves (seq, canonical text) after `afterSeq`, in seq order: what verification reads. */
  async leaves(db: Executor, afterSeq: number, limit: number): Promise<{ seq: number; leaf: string }[]> {
    const rows = await db
      .selectFrom('audit_events')
      .select(['seq', 'leaf'])
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ seq: Number(r.seq), leaf: r.leaf }));
  },

  /** Stored leaves with the leaf hash recorded at append time (level-0 node). */
  async leavesWithHashes(
    db: Executor,
    afterSeq: number,
    limit: number,
  ): Promise<{ seq: number; leaf: string; storedHash: string | null }[]> {
    const rows = await db
      .selectFrom('audit_events as e')
      .leftJoin('audit_nodes as n', (j) => j.on('n.level', '=', 0).on('n.idx', '=', sql<number>`e.seq - 1`))
      .select(['e.seq', 'e.leaf', 'n.hash'])
      .where('e.seq', '>', afterSeq)
      .orderBy('e.seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ seq: Number(r.seq), leaf: r.leaf, storedHash: r.hash }));
  },

  async nodes(db: Executor, keys: { level: number; idx: number }[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < keys.length; i += 200) {
      const chunk = keys.slice(i, i + 200);
      const rows = await db
        .selectFrom('audit_nodes')
        .select(['level', 'idx', 'hash'])
        .where((eb) => eb.or(chunk.map((k) => eb.and([eb('level', '=', k.level), eb('idx', '=', k.idx)]))))
        .execute();
      for (const r of rows) out.set(`${r.level}:${Number(r.idx)}`, r.hash);
    }
    return out;
  },
};

export type AuditRepo = typeof auditRepo;
