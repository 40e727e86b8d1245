import { generateKeyPairSync } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/context.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createTransact } from '../../src/db/transact.ts';
import { verifyDatabase } from '../../src/features/audit/audit-export.ts';
import { auditRepo } from '../../src/features/audit/audit.repo.ts';
import { createAuditLog, type AuditEntry } from '../../src/features/audit/audit.service.ts';
import { signerFor } from '../../src/features/audit/signing-key.ts';
import { createTestDatabase, DB_KINDS, skipReason, type TestDatabase } from '../helpers/db.ts';

// Appending events together (one claim of sequence numbers, multi-row inserts) must leave exactly
// the log that appending them one by one leaves: the same leaves, tree nodes, frontier and roots.
describe.each(DB_KINDS)('audit appendAll on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'log', () => {
    const signer = signerFor(generateKeyPairSync('ed25519').privateKey, 'steward/append-all-test');
    const clock = { now: () => new Date('2026-12-06T05:00:00.000Z') };
    const dbs: { testDb: TestDatabase; handle: DatabaseHandle }[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 2; i++) {
        const testDb = await createTestDatabase(kind);
        const handle = testDb.open();
        await migrateToLatest(handle.db);
        dbs.push({ testDb, handle });
      }
    });
    afterAll(async () => {
      for (const d of dbs) {
        await d.handle.close();
        await d.testDb.drop();
      }
    });

    const user: RequestContext = {
      principal: {
        userId: '01a23812-262b-7000-8000-000000000001',
        username: 'nina',
        displayName: 'Nina Validator',
        tokenId: null,
      } as unknown as RequestContext['principal'],
      requestId: 'req-1',
      source: '127.0.0.1',
      reason: 'batched',
    };
    const system: RequestContext = { principal: null, requestId: 'sys', source: null, reason: null };
    // 1 + 37 + 1 + 300 events: odd sizes, so batches start and end inside perfect subtrees.
    const batches: { ctx: RequestContext; entry: AuditEntry }[][] = [1, 37, 1, 300].map((n, b) =>
      Array.from({ length: n }, (_, i) => ({
        ctx: i % 3 === 0 ? system : user,
        entry: {
          action: 'admission.review',
          subject: { type: 'workload', id: `ns/w-${b}-${i}` },
          before: i % 2 === 0 ? null : { n: i },
          after: { allowed: i % 2 === 0, reasons: [`reason ${i} of batch ${b}`], nested: { deep: [i, 'ü'] } },
        },
      })),
    );

    const dump = async (h: DatabaseHandle) => ({
      events: (
        await sql<{ seq: number; leaf: string }>`select seq, leaf from audit_events order by seq`.execute(h.db)
      ).rows.map((r) => [Number(r.seq), r.leaf]),
      nodes: (
        await sql<{
          level: number;
          idx: number;
          hash: string;
        }>`select level, idx, hash from audit_nodes order by level, idx`.execute(h.db)
      ).rows.map((r) => [Number(r.level), Number(r.idx), r.hash]),
      head: (
        await sql<{ size: number; frontier: string }>`select size, frontier from audit_head`.execute(h.db)
      ).rows.map((r) => [Number(r.size), r.frontier]),
      roots: (
        await sql<{
          tree_size: number;
          root_hash: string;
        }>`select tree_size, root_hash from audit_checkpoints order by tree_size`.execute(h.db)
      ).rows.map((r) => [Number(r.tree_size), r.root_hash]),
    });

    it('records the same log as one append per event, and it verifies', async () => {
      const [together, oneByOne] = dbs.map(({ handle }) => {
        const audit = createAuditLog({ repo: auditRepo, signer, clock });
        const transact = createTransact(handle.db, handle.dialect, {
          beforeCommit: (tx) => audit.checkpointIfGrown(tx),
        });
        return { handle, audit, transact };
      });
      const seqs: number[][] = [];
      for (const batch of batches) {
        seqs.push(await together!.transact((tx) => together!.audit.appendAll(tx, batch)));
        await oneByOne!.transact(async (tx) => {
          for (const { ctx, entry } of batch) await oneByOne!.audit.append(tx, ctx, entry);
        });
      }
      let next = 1;
      expect(seqs).toEqual(batches.map((b) => b.map(() => next++)));
      const a = await dump(together!.handle);
      expect(a.events).toHaveLength(339);
      expect(a.roots.map((r) => r[0])).toEqual([1, 38, 39, 339]);
      expect(a).toEqual(await dump(oneByOne!.handle));
      const key = { origin: signer.origin, keyName: signer.keyName, publicKey: signer.publicKey };
      const report = await verifyDatabase(together!.handle.db, key);
      expect(report).toMatchObject({ ok: true, events: 339, verifiedSize: 339, problems: [] });
      expect(await together!.transact((tx) => together!.audit.appendAll(tx, []))).toEqual([]);
    });

    it('an appendAll rolled back with its transaction leaves nothing, and the log still verifies', async () => {
      const { handle } = dbs[0]!;
      const audit = createAuditLog({ repo: auditRepo, signer, clock });
      const transact = createTransact(handle.db, handle.dialect, { beforeCommit: (tx) => audit.checkpointIfGrown(tx) });
      const before = await dump(handle);
      await expect(
        transact(async (tx) => {
          await audit.appendAll(tx, batches[1]!);
          throw new Error('the command fails after appending');
        }),
      ).rejects.toThrow('the command fails after appending');
      expect(await dump(handle)).toEqual(before);
      await transact((tx) => audit.appendAll(tx, batches[0]!));
      const key = { origin: signer.origin, keyName: signer.keyName, publicKey: signer.publicKey };
      expect(await verifyDatabase(handle.db, key)).toMatchObject({ ok: true, events: 340 });
    });

    it('one log appending before and after a command rolled back beside others (a shared commit) stays true', async () => {
      // The same service throughout: the frontier it stored last is the one a rolled-back command
      // wrote, so the next append must read the restored one instead.
      const { handle } = dbs[0]!;
      const audit = createAuditLog({ repo: auditRepo, signer, clock });
      const transact = createTransact(handle.db, handle.dialect, { beforeCommit: (tx) => audit.checkpointIfGrown(tx) });
      const size = async () => (await dump(handle)).events.length;
      const start = await size();
      await transact((tx) => audit.appendAll(tx, batches[1]!));
      const outcomes = await Promise.allSettled([
        transact((tx) => audit.appendAll(tx, batches[0]!)),
        transact(async (tx) => {
          await audit.appendAll(tx, batches[1]!);
          throw new Error('fails after appending');
        }),
        transact((tx) => audit.appendAll(tx, batches[0]!)),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      await transact((tx) => audit.appendAll(tx, batches[1]!));
      expect(await size()).toBe(start + 37 + 1 + 1 + 37);
      const key = { origin: signer.origin, keyName: signer.keyName, publicKey: signer.publicKey };
      expect(await verifyDatabase(handle.db, key)).toMatchObject({ ok: true, events: start + 76, problems: [] });
    });
  });
});
