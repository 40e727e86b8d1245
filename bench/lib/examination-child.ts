// One measurement in a fresh process, so its peak RSS is its own: `seed DIR USE_CASES VERSIONS EVENTS`
// writes a store (audit trail only, through the real append path) and its key; `pack DIR` builds an
// organisation-wide examination pack of it as of now; `export DIR` runs `steward audit export`'s
// exporter over the same store.
import { generateKeyPairSync, createPrivateKey, randomUUID } from 'node:crypto';
import { createWriteStream, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { systemClock } from '../../src/clock.ts';
import type { RequestContext } from '../../src/context.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createTransact } from '../../src/db/transact.ts';
import { exportAudit } from '../../src/features/audit/audit-export.ts';
import { auditRepo } from '../../src/features/audit/audit.repo.ts';
import { createAuditLog } from '../../src/features/audit/audit.service.ts';
import { auditReaders } from '../../src/features/audit/index.ts';
import { signerFor } from '../../src/features/audit/signing-key.ts';
import { evidenceRepo } from '../../src/features/evidence/evidence.repo.ts';
import { createExaminationService } from '../../src/features/examinations/examinations.service.ts';
import { lifecycleRepo } from '../../src/features/lifecycle/lifecycle.repo.ts';
import { randomIds } from '../../src/lib/ids.ts';
import { peakRssMiB } from './peak-rss.ts';

const [mode, dir, ...rest] = process.argv.slice(2) as [string, string, ...string[]];
const ctx: RequestContext = {
  principal: {
    userId: '0192f0c4-7d1e-7000-8000-000000000001',
    username: 'bench',
    displayName: 'Bench Auditor',
    roles: [{ scope: '*', role: 'admin' }],
    scopes: null,
    via: 'token',
    tokenId: null,
    tokenExpiresAt: null,
    sessionId: null,
    mustChangePassword: false,
  },
  requestId: 'bench',
  source: '127.0.0.1',
  reason: null,
};
const handle = openDatabase({ kind: 'sqlite', file: join(dir, 'store.db') });
const keyFile = join(dir, 'key.pem');
const signer = () => signerFor(createPrivateKey(readFileSync(keyFile, 'utf8')), 'steward.bench/audit');
const audit = () => createAuditLog({ repo: auditRepo, signer: signer(), clock: systemClock });
const start = performance.now();
let out: Record<string, unknown> = {};

if (mode === 'seed') {
  const [useCases, versions, events] = rest.map(Number) as [number, number, number];
  await migrateToLatest(handle.db);
  writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const log = audit();
  const transact = createTransact(handle.db, 'sqlite', { beforeCommit: (tx) => log.checkpointIfGrown(tx) });
  const ucIds = Array.from({ length: useCases }, () => randomUUID());
  const modelIds = ucIds.map(() => randomUUID());
  const entries = function* () {
    for (let i = 0; i < useCases; i++) {
      yield {
        action: 'use-case.create',
        subject: { type: 'use-case', id: ucIds[i]! },
        after: { id: ucIds[i], name: `use-case-${i}`, ownerTeam: `team-${i % 20}`, objective: 'score applications' },
      };
      yield {
        action: 'assessment.create',
        subject: { type: 'use-case', id: ucIds[i]! },
        after: { tier: 1 + (i % 4), euAiAct: i % 4 === 3 ? 'high-risk' : 'minimal' },
      };
      yield {
        action: 'model.create',
        subject: { type: 'model', id: modelIds[i]! },
        after: { id: modelIds[i], name: `model-${i}`, useCaseId: ucIds[i] },
      };
    }
    const versionIds: string[] = [];
    for (let v = 0; v < versions; v++) {
      const id = randomUUID();
      versionIds.push(id);
      yield {
        action: 'version.create',
        subject: { type: 'model-version', id },
        after: {
          id,
          model: `model-${v % useCases}`,
          version: Math.floor(v / useCases) + 1,
          artifactDigest: `sha256:${'ab'.repeat(32)}`,
          metrics: { auc: 0.9 },
        },
      };
    }
    // The rest: evidence, the bulk of a real trail.
    for (let e = 3 * useCases + versions; e < events; e++) {
      const v = versionIds[e % versions]!;
      yield {
        action: 'evidence.create',
        subject: { type: 'model-version', id: v },
        after: {
          id: randomUUID(),
          kind: 'evaluation',
          contentHash: `sha256:${'cd'.repeat(32)}`,
          metrics: { auc: 0.9 },
        },
      };
    }
  };
  let batch: ReturnType<typeof entries> extends Generator<infer T> ? T[] : never = [];
  for (const entry of entries()) {
    batch.push(entry);
    if (batch.length === 1000) {
      const b = batch;
      await transact(async (tx) => {
        for (const x of b) await log.append(tx, ctx, x);
      });
      batch = [];
    }
  }
  if (batch.length > 0) {
    const b = batch;
    await transact(async (tx) => {
      for (const x of b) await log.append(tx, ctx, x);
    });
  }
  out = { events: (await auditRepo.head(handle.db)).size };
} else if (mode === 'pack') {
  const log = audit();
  const service = createExaminationService({
    db: handle.db,
    transact: createTransact(handle.db, 'sqlite', { beforeCommit: (tx) => log.checkpointIfGrown(tx) }),
    audit: log,
    clock: systemClock,
    ids: randomIds,
    signer: signer(),
    log: auditReaders,
    useCaseId: async () => null,
    teamExists: async () => true,
    evidence: (id) => evidenceRepo.ofVersion(handle.db, id),
    useCaseDocuments: (id) => lifecycleRepo.useCaseDocuments(handle.db, id),
    // The store holds no policy pack rows: the documents use the default templates.
    templates: async () => undefined,
  });
  const pack = await service.create(ctx, { asOf: new Date().toISOString(), scope: 'organisation' });
  // Written the way `steward examination create --out` writes it: streamed to a file.
  const file = join(dir, 'pack.zip');
  rmSync(file, { force: true });
  await pipeline(pack.body, createWriteStream(file));
  out = { bytes: statSync(file).size, treeSize: pack.treeSize };
} else if (mode === 'export') {
  const s = signer();
  const file = join(dir, 'audit-export.jsonl');
  rmSync(file, { force: true });
  const r = await exportAudit(handle.db, file, s);
  out = { events: r.events };
}
await handle.close();
console.log(JSON.stringify({ ...out, seconds: (performance.now() - start) / 1000, maxRssMiB: peakRssMiB() }));
