import { generateKeyPairSync, hash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/clock.ts';
import type { RequestContext } from '../../src/context.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createTransact } from '../../src/db/transact.ts';
import { verifyDatabase } from '../../src/features/audit/audit-export.ts';
import { auditRepo } from '../../src/features/audit/audit.repo.ts';
import { createAuditLog } from '../../src/features/audit/audit.service.ts';
import { signerFor } from '../../src/features/audit/signing-key.ts';

export interface AuditBenchResult {
  singleAppendsPerSec: number;
  bulkAppendsPerSec: number;
  events: number;
  checkpoints: number;
  verifySeconds: number;
  rawLeafHashSeconds: number;
  rawStreamHashSeconds: number;
  bytes: number;
}

const ctx: RequestContext = {
  principal: {
    userId: '0192f0c4-7d1e-7000-8000-000000000001',
    username: 'bench',
    displayName: 'Bench User',
    roles: [],
    scopes: null,
    via: 'token',
    tokenId: '0192f0c4-7d1e-7000-8000-000000000002',
    tokenExpiresAt: null,
    sessionId: null,
    mustChangePassword: false,
  },
  requestId: 'bench',
  source: '127.0.0.1',
  reason: null,
};

/** A realistic event: a model-version record as `after`. */
const entry = (i: number) => ({
  action: 'version.create',
  subject: { type: 'model-version', id: `0192f0c4-7d1e-7000-8000-${String(i).padStart(12, '0')}` },
  after: {
    model: 'credit-scoring',
    version: i,
    artifactUri: `s3://models/credit/${i}/model.onnx`,
    artifactDigest: `sha256:${'ab'.repeat(32)}`,
    framework: 'onnx',
    metrics: { auc: 0.91, accuracy: 0.87 },
    tags: { owner: 'bench' },
  },
});

/**
 * Appends through the real audit path inside real SQLite write transactions, then verifies the
 * whole log and compares with raw SHA-256 over the same leaf bytes.
 */
export async function auditBench(events: number, perTx = 1000, singles = 20_000): Promise<AuditBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'steward-audit-bench-'));
  const handle = openDatabase({ kind: 'sqlite', file: join(dir, 'audit.db') });
  try {
    await migrateToLatest(handle.db);
    const audit = createAuditLog({
      repo: auditRepo,
      signer: signerFor(generateKeyPairSync('ed25519').privateKey, 'steward.bench/audit'),
      clock: systemClock,
    });
    const transact = createTransact(handle.db, 'sqlite', { beforeCommit: (tx) => audit.checkpointIfGrown(tx) });

    // One event per command, many commands in flight: what API writes do (group commit applies).
    let t0 = performance.now();
    await Promise.all(Array.from({ length: singles }, (_, i) => transact((tx) => audit.append(tx, ctx, entry(i)))));
    const singleAppendsPerSec = singles / ((performance.now() - t0) / 1000);

    // Bulk: `perTx` events per transaction, one signed checkpoint per transaction.
    t0 = performance.now();
    for (let done = singles; done < events; done += perTx) {
      await transact(async (tx) => {
        for (let i = done; i < Math.min(done + perTx, events); i++) await audit.append(tx, ctx, entry(i));
      });
    }
    const bulkAppendsPerSec = (events - singles) / ((performance.now() - t0) / 1000);

    const key = { origin: audit.signer.origin, keyName: audit.signer.keyName, publicKey: audit.signer.publicKey };
    t0 = performance.now();
    const report = await verifyDatabase(handle.db, key);
    const verifySeconds = (performance.now() - t0) / 1000;
    if (!report.ok || report.events !== events)
      throw new Error(`verify failed: ${JSON.stringify(report.problems.slice(0, 3))}`);

    // Baseline: SHA-256 of exactly the same leaf bytes, one hash per event and one stream over all.
    let rawLeafHashSeconds = 0;
    let rawStreamHashSeconds = 0;
    let bytes = 0;
    for (let after = 0; after < events; after += 20_000) {
      const texts = (await auditRepo.leaves(handle.db, after, 20_000)).map(({ leaf }) => `\u0000${leaf}`);
      const buffers = texts.map((s) => Buffer.from(s));
      let t = performance.now();
      for (const b of buffers) hash('sha256', b, 'buffer');
      rawLeafHashSeconds += (performance.now() - t) / 1000;
      t = performance.now();
      hash('sha256', Buffer.concat(buffers), 'buffer');
      rawStreamHashSeconds += (performance.now() - t) / 1000;
      bytes += buffers.reduce((n, b) => n + b.length, 0);
    }
    return {
      singleAppendsPerSec,
      bulkAppendsPerSec,
      events,
      checkpoints: report.checkpoints,
      verifySeconds,
      rawLeafHashSeconds,
      rawStreamHashSeconds,
      bytes,
    };
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
