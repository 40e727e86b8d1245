import { sql } from 'kysely';
import type { Executor, Tx } from '../../db/database.ts';
import { parseAuditLeaf, type AuditEventRecord } from '../../domain/audit-event.ts';
import { likeLiteral } from '../../db/like.ts';
import { prepared, preparedInsert } from '../../db/prepared.ts';

export interface EventFilter {
  subjectType?: string;
  subjectId?: string;
  actorId?: string;
  action?: string;
  /** LIKE patterns (escaped with '\\') over the action code: any of them matches. */
  actionLike?: string[];
  /** Text in the actor's display name or username ("Steward" is the system). */
  actorText?: string;
  /** Text in the subject's name (use case, model, dataset, user, team, policy pack), and a version. */
  subjectText?: { text: string; version?: number };
  from?: string;
  to?: string;
  /** Events after this seq (ascending order) or before it (descending order). */
  afterSeq?: number;
  order?: 'asc' | 'desc';
  /** Only events up to this seq (an export's snapshot of the log). */
  maxSeq?: number;
  limit: number;
}

/** What a subject is called, for people reading the log. */
export interface SubjectName {
  name: string;
  /** For models and their versions: the model's name and the version number, to link them. */
  model?: string;
  version?: number;
}

// The statements of an append, built once (see `prepared`).
const claim = prepared((tx, p: { n: number }) =>
  tx
    .updateTable('audit_head')
    .set({ size: sql<number>`size + ${p.n}` })
    .where('id', '=', 1)
    .returning(['size', 'frontier']),
);
const insertEvents = preparedInsert('audit_events', ['seq', 'leaf']);
const insertNodes = preparedInsert('audit_nodes', ['level', 'idx', 'hash']);
const setFrontier = prepared((tx, p: { frontier: string }) =>
  tx.updateTable('audit_head').set({ frontier: p.frontier }).where('id', '=', 1),
);
// Read and written once a commit, to sign its checkpoint.
const headRow = prepared((db) =>
  db.selectFrom('audit_head').select(['size', 'frontier', 'checkpoint_size']).where('id', '=', 1),
);
const latestCheckpointRow = prepared((db) =>
  db.selectFrom('audit_checkpoints').selectAll().orderBy('tree_size', 'desc').limit(1),
);
const insertCheckpoint = prepared((tx, c: { treeSize: number; rootHash: string; note: string; createdAt: string }) =>
  tx
    .insertInto('audit_checkpoints')
    .values({ tree_size: c.treeSize, root_hash: c.rootHash, note: c.note, created_at: c.createdAt }),
);
const setCheckpointSize = prepared((tx, p: { treeSize: number }) =>
  tx.updateTable('audit_head').set({ checkpoint_size: p.treeSize }).where('id', '=', 1),
);

export const auditRepo = {
  /**
   * Claims the next `n` sequence numbers (the last one is returned) and the frontier before them;
   * the row lock serialises appends until commit (gapless, commit-ordered).
   */
  async claimSeqs(tx: Tx, n: number): Promise<{ last: number; frontier: string }> {
    const row = (await claim(tx, { n })).rows[0];
    if (!row) throw new Error('the audit head row is missing');
    return { last: Number(row.size), frontier: row.frontier };
  },

  /** Stores appended events, the tree nodes they completed and the new frontier, a few statements for any number. */
  async storeAppends(
    tx: Tx,
    events: { seq: number; leaf: string }[],
    frontier: string,
    nodes: { level: number; idx: number; hash: string }[],
  ): Promise<void> {
    await insertEvents(tx, events);
    await insertNodes(tx, nodes);
    await setFrontier(tx, { frontier });
  },

  async head(db: Executor): Promise<{ size: number; frontier: string; checkpointSize: number }> {
    const row = (await headRow(db, {})).rows[0];
    if (!row) throw new Error('the audit head row is missing');
    return { size: Number(row.size), frontier: row.frontier, checkpointSize: Number(row.checkpoint_size) };
  },

  async storeCheckpoint(
    tx: Tx,
    c: { treeSize: number; rootHash: string; note: string; createdAt: string },
  ): Promise<void> {
    await insertCheckpoint(tx, c);
    await setCheckpointSize(tx, { treeSize: c.treeSize });
  },

  async latestCheckpoint(
    db: Executor,
  ): Promise<{ treeSize: number; rootHash: string; note: string; createdAt: string } | undefined> {
    const row = (await latestCheckpointRow(db, {})).rows[0];
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
    const desc = f.order === 'desc';
    let q = db
      .selectFrom('audit_events')
      .select(['seq', 'leaf'])
      .orderBy('seq', desc ? 'desc' : 'asc')
      .limit(f.limit);
    if (f.afterSeq !== undefined) q = q.where('seq', desc ? '<' : '>', f.afterSeq);
    if (f.maxSeq !== undefined) q = q.where('seq', '<=', f.maxSeq);
    if (f.subjectType) q = q.where('subject_type', '=', f.subjectType);
    if (f.subjectId) q = q.where('subject_id', '=', f.subjectId);
    if (f.actorId) q = q.where('actor_id', '=', f.actorId);
    if (f.action) q = q.where('action', '=', f.action);
    if (f.actionLike?.length) {
      const any = f.actionLike.map((p) => sql<boolean>`lower(action) like ${p} escape '\\'`);
      q = q.where(sql<boolean>`(${sql.join(any, sql` or `)})`);
    }
    if (f.actorText) {
      const p = likeLiteral(f.actorText);
      const users = db
        .selectFrom('users')
        .select('id')
        .where(sql<boolean>`(lower(display_name) like ${p} escape '\\' or lower(username) like ${p} escape '\\')`);
      const system = 'steward'.includes(f.actorText.trim().toLowerCase());
      q = q.where((eb) =>
        system ? eb.or([eb('actor_id', 'in', users), eb('actor_id', 'is', null)]) : eb('actor_id', 'in', users),
      );
    }
    if (f.subjectText) {
      const { text, version } = f.subjectText;
      const p = likeLiteral(text);
      const named = (col: string) => sql<boolean>`lower(${sql.ref(col)}) like ${p} escape '\\'`;
      const versions = db
        .selectFrom('model_versions as mv')
        .innerJoin('models as m', 'm.id', 'mv.model_id')
        .select('mv.id')
        .where(named('m.name'));
      q = q.where((eb) => {
        if (version !== undefined)
          return eb.and([
            eb('subject_type', '=', 'model-version'),
            eb('subject_id', 'in', versions.where('mv.version', '=', version)),
          ]);
        const of = (type: string, ids: Parameters<typeof eb.exists>[0]) =>
          eb.and([eb('subject_type', '=', type), eb('subject_id', 'in', ids as never)]);
        return eb.or([
          of('use-case', db.selectFrom('use_cases').select('id').where(named('name'))),
          of('model', db.selectFrom('models').select('id').where(named('name'))),
          of('model-version', versions),
          of('dataset', db.selectFrom('datasets').select('id').where(named('name'))),
          of('user', db.selectFrom('users').select('id').where(named('display_name'))),
          of('policy-pack', db.selectFrom('policy_packs').select('id').where(named('name'))),
          eb.and([eb('subject_type', '=', 'team'), sql<boolean>`lower(subject_id) like ${p} escape '\\'`]),
        ]);
      });
    }
    if (f.from) q = q.where('time', '>=', f.from);
    if (f.to) q = q.where('time', '<', f.to);
    return (await q.execute()).map((r) => parseAuditLeaf(r.leaf));
  },

  /**
   * The names of subjects, by `type:id`: use cases, models and versions (as `model vN`), datasets
   * and their versions, users, teams and policy packs. Others (documents, alerts, tasks) keep
   * no name here and are shown by their type.
   */
  async subjectNames(db: Executor, subjects: { type: string; id: string }[]): Promise<Map<string, SubjectName>> {
    const ids = (type: string) => [...new Set(subjects.filter((s) => s.type === type).map((s) => s.id))];
    const out = new Map<string, SubjectName>();
    const [useCases, models, versions, datasets, datasetVersions, users, teams, packs] = await Promise.all([
      ids('use-case').length
        ? db.selectFrom('use_cases').select(['id', 'name']).where('id', 'in', ids('use-case')).execute()
        : [],
      ids('model').length
        ? db.selectFrom('models').select(['id', 'name']).where('id', 'in', ids('model')).execute()
        : [],
      ids('model-version').length
        ? db
            .selectFrom('model_versions as mv')
            .innerJoin('models as m', 'm.id', 'mv.model_id')
            .select(['mv.id', 'm.name', 'mv.version'])
            .where('mv.id', 'in', ids('model-version'))
            .execute()
        : [],
      ids('dataset').length
        ? db.selectFrom('datasets').select(['id', 'name']).where('id', 'in', ids('dataset')).execute()
        : [],
      ids('dataset-version').length
        ? db
            .selectFrom('dataset_versions as dv')
            .innerJoin('datasets as d', 'd.id', 'dv.dataset_id')
            .select(['dv.id', 'd.name', 'dv.version'])
            .where('dv.id', 'in', ids('dataset-version'))
            .execute()
        : [],
      ids('user').length
        ? db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', ids('user')).execute()
        : [],
      ids('team').length
        ? db.selectFrom('teams').select(['name', 'display_name']).where('name', 'in', ids('team')).execute()
        : [],
      ids('policy-pack').length
        ? db
            .selectFrom('policy_packs')
            .select(['id', 'name', 'version'])
            .where('id', 'in', ids('policy-pack'))
            .execute()
        : [],
    ]);
    for (const r of useCases) out.set(`use-case:${r.id}`, { name: r.name });
    for (const r of models) out.set(`model:${r.id}`, { name: r.name, model: r.name });
    for (const r of versions)
      out.set(`model-version:${r.id}`, { name: `${r.name} v${r.version}`, model: r.name, version: Number(r.version) });
    for (const r of datasets) out.set(`dataset:${r.id}`, { name: r.name });
    for (const r of datasetVersions) out.set(`dataset-version:${r.id}`, { name: `${r.name} v${r.version}` });
    for (const r of users) out.set(`user:${r.id}`, { name: r.display_name });
    for (const r of teams) out.set(`team:${r.name}`, { name: r.display_name || r.name });
    for (const r of packs) out.set(`policy-pack:${r.id}`, { name: `${r.name} ${r.version}` });
    return out;
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
