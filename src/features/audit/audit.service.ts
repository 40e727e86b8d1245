import type { Clock } from '../../clock.ts';
import type { RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { auditLeafText, canonicalState, type AuditEventRecord } from '../../domain/audit-event.ts';
import { DomainError } from '../../errors.ts';
import {
  appendLeaf,
  consistencyProof,
  frontierRoot,
  inclusionProof,
  leafHashOfText,
  rangeHash,
  type Frontier,
  type Hash,
  type PerfectNode,
} from '../../domain/merkle.ts';
import type { AuditRepo, EventFilter } from './audit.repo.ts';
import type { AuditSigner } from './signing-key.ts';

export interface AuditEntry {
  action: string;
  subject: { type: string; id: string };
  before?: unknown;
  after?: unknown;
}

/** What services need to record their changes: one call, inside their transaction. */
export interface AuditAppender {
  append(tx: Tx, ctx: RequestContext, entry: AuditEntry): Promise<number>;
  /** Several events at once, in order, exactly as that many `append` calls would record them. */
  appendAll(tx: Tx, items: { ctx: RequestContext; entry: AuditEntry }[]): Promise<number[]>;
}

const toFrontier = (size: number, json: string): Frontier => ({
  size,
  nodes: (JSON.parse(json) as [number, string][]).map(([level, hex]) => [level, Buffer.from(hex, 'hex')]),
});
const fromFrontier = (f: Frontier): string =>
  JSON.stringify(f.nodes.map(([level, hash]) => [level, hash.toString('hex')]));

export function createAuditLog({ repo, signer, clock }: { repo: AuditRepo; signer: AuditSigner; clock: Clock }) {
  // Appends per open transaction (an upper bound: a command rolled back to its savepoint still counts).
  const appendsIn = new WeakMap<Tx, number>();
  // Run inside the appending transaction (a transactional outbox): a subscriber's rows commit or roll back with the event.
  const listeners: ((tx: Tx, event: AuditEventRecord) => Promise<void>)[] = [];
  // The last frontier this process stored, parsed: the next append usually reads it back unchanged
  // (one writer on SQLite), and then need not parse it again. Compared by content, so a frontier
  // another process stored, or one a rollback restored, is parsed as before.
  let stored: { size: number; json: string; frontier: Frontier } | undefined;
  const frontierAt = (size: number, json: string): Frontier =>
    stored && stored.size === size && stored.json === json ? stored.frontier : toFrontier(size, json);

  /** Runs a proof builder against stored nodes: a first pass records which nodes it needs, a second uses them. */
  async function withStoredNodes<T>(db: Executor, build: (perfect: PerfectNode) => T): Promise<T> {
    const wanted: { level: number; idx: number }[] = [];
    const zero = Buffer.alloc(32);
    build((level, idx) => {
      wanted.push({ level, idx });
      return zero;
    });
    const found = await repo.nodes(db, wanted);
    return build((level, idx) => {
      const hex = found.get(`${level}:${idx}`);
      if (!hex) throw new Error(`audit tree node ${level}:${idx} is missing`);
      return Buffer.from(hex, 'hex');
    });
  }

  async function requireSize(db: Executor, size: number, what: string): Promise<void> {
    const head = await repo.head(db);
    if (size > head.size) {
      throw new DomainError('validation_failed', `${what} ${size} is beyond the log's size ${head.size}`, {
        errors: [{ pointer: `/${what}`, message: `must be at most ${head.size}` }],
      });
    }
  }

  /**
   * Appends events in order, as many calls to `append` would, with one claim of their sequence
   * numbers and a few statements for all of them (writes batched into one transaction).
   */
  async function appendAll(tx: Tx, items: { ctx: RequestContext; entry: AuditEntry }[]): Promise<number[]> {
    if (items.length === 0) return [];
    appendsIn.set(tx, (appendsIn.get(tx) ?? 0) + items.length);
    const { last, frontier } = await repo.claimSeqs(tx, items.length);
    const first = last - items.length + 1;
    let tree = frontierAt(first - 1, frontier);
    const time = clock.now().toISOString();
    const leaves: { seq: number; leaf: string }[] = [];
    const nodes: { level: number; idx: number; hash: string }[] = [];
    const events: AuditEventRecord[] = [];
    for (const [i, { ctx, entry }] of items.entries()) {
      const p = ctx.principal;
      const event: AuditEventRecord = {
        seq: first + i,
        time,
        actor: p
          ? { kind: 'user', id: p.userId, name: p.displayName, token: p.tokenId }
          : { kind: 'system', id: null, name: 'Steward', token: null },
        action: entry.action,
        subject: entry.subject,
        before: canonicalState(entry.before),
        after: canonicalState(entry.after),
        reason: ctx.reason,
        requestId: ctx.requestId,
        source: ctx.source,
      };
      const leaf = auditLeafText(event);
      const { frontier: next, completed } = appendLeaf(tree, leafHashOfText(leaf));
      tree = next;
      leaves.push({ seq: event.seq, leaf });
      for (const c of completed) nodes.push({ level: c.level, idx: c.index, hash: c.hash.toString('hex') });
      events.push(event);
    }
    const json = fromFrontier(tree);
    await repo.storeAppends(tx, leaves, json, nodes);
    stored = { size: tree.size, json, frontier: tree };
    for (const event of events) for (const listen of listeners) await listen(tx, event);
    return events.map((e) => e.seq);
  }

  return {
    signer,

    async append(tx: Tx, ctx: RequestContext, entry: AuditEntry): Promise<number> {
      return (await appendAll(tx, [{ ctx, entry }]))[0]!;
    },

    appendAll,

    /** Publishes every appended event to `listener`, in the transaction that appends it. */
    onAppend(listener: (tx: Tx, event: AuditEventRecord) => Promise<void>): void {
      listeners.push(listener);
    },

    /**
     * Signs a checkpoint of the tree when the transaction grew it; run just before commit. It signs
     * only growth this transaction made: events that appeared since the last signed checkpoint
     * without passing through `append` mean someone wrote to the log behind Steward's back, and
     * signing would vouch for them, so the write fails instead.
     */
    async checkpointIfGrown(tx: Tx): Promise<void> {
      const head = await repo.head(tx);
      if (head.size === head.checkpointSize) return;
      const signed = (await repo.latestCheckpoint(tx))?.treeSize ?? 0;
      const appended = appendsIn.get(tx) ?? 0;
      if (head.size - signed > appended) {
        throw new Error(
          `audit log integrity: ${head.size - signed} events since the last signed checkpoint (size ${signed}) but this transaction appended ${appended}; refusing to sign. Run 'steward audit verify'.`,
        );
      }
      const root = frontierRoot(frontierAt(head.size, head.frontier));
      await repo.storeCheckpoint(tx, {
        treeSize: head.size,
        rootHash: root.toString('hex'),
        note: signer.sign({ treeSize: head.size, rootHash: root }),
        createdAt: clock.now().toISOString(),
      });
    },

    events: (db: Executor, filter: EventFilter) => repo.events(db, filter),
    latestCheckpoint: (db: Executor) => repo.latestCheckpoint(db),

    async inclusion(
      db: Executor,
      seq: number,
      treeSize: number,
    ): Promise<{ leafHash: Hash; rootHash: Hash; proof: Hash[] }> {
      if (seq > treeSize)
        throw new DomainError('validation_failed', `seq ${seq} is not in a tree of size ${treeSize}`, {
          errors: [{ pointer: '/seq', message: 'must be at most treeSize' }],
        });
      await requireSize(db, treeSize, 'treeSize');
      return withStoredNodes(db, (perfect) => ({
        leafHash: perfect(0, seq - 1),
        rootHash: rangeHash(0, treeSize, perfect),
        proof: inclusionProof(seq - 1, treeSize, perfect),
      }));
    },

    async consistency(
      db: Executor,
      from: number,
      to: number,
    ): Promise<{ fromRoot: Hash; toRoot: Hash; proof: Hash[] }> {
      if (from > to)
        throw new DomainError('validation_failed', `from ${from} is larger than to ${to}`, {
          errors: [{ pointer: '/from', message: 'must be at most to' }],
        });
      await requireSize(db, to, 'to');
      return withStoredNodes(db, (perfect) => ({
        fromRoot: rangeHash(0, from, perfect),
        toRoot: rangeHash(0, to, perfect),
        proof: consistencyProof(from, to, perfect),
      }));
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
