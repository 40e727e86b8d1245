import type { Executor, Tx } from '../../db/database.ts';
import type { DiscoveryFindingTable, DiscoveryScanTable } from '../../db/schema.ts';

export type FindingStatus = 'open' | 'adopted' | 'dismissed';

/** One thing a source reported, before it is stored. */
export interface Seen {
  source: string;
  externalKey: string;
  origin: string;
  name: string;
  details: Record<string, unknown>;
}

// Keeps each statement's parameter count well below SQLite's and PostgreSQL's limits.
const CHUNK = 200;

/** The discovery feature's tables: findings and scans. */
export const discoveryRepo = {
  /**
   * Records what a source reported: new keys become open findings, known ones are refreshed
   * (their status is left alone, so a dismissed finding stays dismissed). Returns how many were new.
   */
  async upsert(tx: Tx, seen: Seen[], now: string, nextId: () => string): Promise<number> {
    let created = 0;
    for (let i = 0; i < seen.length; i += CHUNK) {
      const chunk = seen.slice(i, i + CHUNK);
      const bySource = new Map<string, string[]>();
      for (const s of chunk) bySource.set(s.source, [...(bySource.get(s.source) ?? []), s.externalKey]);
      const known = new Set<string>();
      for (const [source, keys] of bySource) {
        const rows = await tx
          .selectFrom('discovery_findings')
          .select('external_key')
          .where('source', '=', source)
          .where('external_key', 'in', keys)
          .execute();
        for (const r of rows) known.add(`${source}\u0000${r.external_key}`);
      }
      // A source may report one key twice in a scan (a model listed on two pages): the last wins.
      const unique = [...new Map(chunk.map((s) => [`${s.source}\u0000${s.externalKey}`, s])).values()];
      created += unique.filter((s) => !known.has(`${s.source}\u0000${s.externalKey}`)).length;
      await tx
        .insertInto('discovery_findings')
        .values(
          unique.map((s) => ({
            id: nextId(),
            source: s.source,
            external_key: s.externalKey,
            origin: s.origin,
            name: s.name,
            details: JSON.stringify(s.details),
            status: 'open',
            model_id: null,
            reason: null,
            first_seen_at: now,
            last_seen_at: now,
            seen_count: 1,
            decided_at: null,
            decided_by: null,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['source', 'external_key']).doUpdateSet((eb) => ({
            origin: eb.ref('excluded.origin'),
            name: eb.ref('excluded.name'),
            details: eb.ref('excluded.details'),
            last_seen_at: eb.ref('excluded.last_seen_at'),
            seen_count: eb('discovery_findings.seen_count', '+', 1),
          })),
        )
        .execute();
    }
    return created;
  },

  async get(db: Executor, id: string): Promise<DiscoveryFindingTable | undefined> {
    return db.selectFrom('discovery_findings').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async byKey(db: Executor, source: string, externalKey: string): Promise<DiscoveryFindingTable | undefined> {
    return db
      .selectFrom('discovery_findings')
      .selectAll()
      .where('source', '=', source)
      .where('external_key', '=', externalKey)
      .executeTakeFirst();
  },

  /** Decides an open finding; false when it is no longer open (decided concurrently). */
  async decide(
    tx: Tx,
    id: string,
    decision: { status: FindingStatus; modelId: string | null; reason: string | null; at: string; by: string | null },
  ): Promise<boolean> {
    const r = await tx
      .updateTable('discovery_findings')
      .set({
        status: decision.status,
        model_id: decision.modelId,
        reason: decision.reason,
        decided_at: decision.at,
        decided_by: decision.by,
      })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  /** Findings, oldest first, after the cursor's (first seen, id). */
  async list(
    db: Executor,
    opts: { source?: string; status?: string; after?: [string, string]; limit: number },
  ): Promise<DiscoveryFindingTable[]> {
    let q = db.selectFrom('discovery_findings').selectAll();
    if (opts.source) q = q.where('source', '=', opts.source);
    if (opts.status) q = q.where('status', '=', opts.status);
    if (opts.after) {
      const [at, id] = opts.after;
      q = q.where((eb) =>
        eb.or([eb('first_seen_at', '>', at), eb.and([eb('first_seen_at', '=', at), eb('id', '>', id)])]),
      );
    }
    return q.orderBy('first_seen_at').orderBy('id').limit(opts.limit).execute();
  },

  /** How many findings are in each status (the governance KPIs count open ones). */
  async counts(db: Executor): Promise<Record<FindingStatus, number>> {
    const rows = await db
      .selectFrom('discovery_findings')
      .select(['status', (eb) => eb.fn.countAll<string | number>().as('n')])
      .groupBy('status')
      .execute();
    const counts: Record<FindingStatus, number> = { open: 0, adopted: 0, dismissed: 0 };
    for (const r of rows) if (r.status in counts) counts[r.status as FindingStatus] = Number(r.n);
    return counts;
  },

  async insertScan(tx: Tx, row: DiscoveryScanTable): Promise<void> {
    await tx.insertInto('discovery_scans').values(row).execute();
  },

  async scans(db: Executor, limit: number): Promise<DiscoveryScanTable[]> {
    return db
      .selectFrom('discovery_scans')
      .selectAll()
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  },
};

export type DiscoveryRepo = typeof discoveryRepo;
