// One measurement in a fresh process, so its peak RSS is its own. `seed DIR USE_CASES VERSIONS
// EVENTS` builds a store through the app (one assessed use case, model and version, tasks and a
// production deployment), clones those rows up to the sizes asked for, and pads the audit trail to
// EVENTS through the real append path; `snapshot DIR` takes a KPI snapshot through the API;
// `count DIR` answers a plain inventory count through the API.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../../src/app.ts';
import { systemClock } from '../../src/clock.ts';
import { systemContext } from '../../src/context.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createTransact } from '../../src/db/transact.ts';
import { auditRepo } from '../../src/features/audit/audit.repo.ts';
import { createAuditLog } from '../../src/features/audit/audit.service.ts';
import { signerFor } from '../../src/features/audit/signing-key.ts';
import { creditScoring } from '../../test/helpers/policy.ts';
import { peakRssMiB } from './peak-rss.ts';

const TOKEN = 'stw_bench-kpi-admin-token-0123456789abcdef';
const [mode, dir, ...rest] = process.argv.slice(2) as [string, string, ...string[]];
const database = openDatabase({ kind: 'sqlite', file: join(dir, 'store.db') });
const keyFile = join(dir, 'key.pem');
const start = performance.now();
let out: Record<string, unknown> = {};

const app = async () => {
  const signer = signerFor(createPrivateKey(readFileSync(keyFile, 'utf8')), 'steward.bench/audit');
  const a = await buildApp({
    config: { bodyLimit: 1 << 20, logLevel: 'silent', session: { idleMs: 1e6, maxMs: 1e7, secureCookie: false } },
    database,
    signer,
    logger: false,
    monitoring: { jobs: false },
    bootstrap: { token: TOKEN },
  });
  await a.ready();
  return a;
};
const send = async (
  a: Awaited<ReturnType<typeof app>>,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  body?: unknown,
) => {
  const res = await a.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TOKEN}` },
    ...(body !== undefined ? { payload: body as object } : {}),
  });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
};

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const cloneId = (kind: number, n: number) => `0b${hex(kind, 6)}-${hex(n >>> 16, 4)}-7000-8000-${hex(n, 12)}`;

if (mode === 'seed') {
  const [useCases, versions, events] = rest.map(Number) as [number, number, number];
  await migrateToLatest(database.db);
  writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const a = await app();
  await send(a, 'POST', '/api/v1/teams', { name: 'lending' });
  const uc = await send(a, 'POST', '/api/v1/use-cases', {
    name: 'bench-uc',
    objective: 'score applications',
    kpis: [{ name: 'approval-rate', target: 0.8, direction: 'at-least', unit: 'ratio' }],
    ownerTeam: 'lending',
    consumers: 'public',
    regions: ['EU'],
    sector: 'finance',
    processesPersonalData: true,
  });
  await send(a, 'PUT', `/api/v1/use-cases/${uc.id}/assessment`, { answers: creditScoring });
  await send(a, 'POST', '/api/v1/models', { name: 'bench-model', useCaseId: uc.id });
  await send(a, 'POST', '/api/v1/models/bench-model/versions', {
    artifactUri: 's3://m/1',
    artifactDigest: `sha256:${'ab'.repeat(32)}`,
  });
  await a.close();

  // Clone the one of each into the sizes asked for (ids in a block of their own).
  const db = database.db;
  const [ucRow, aRow, mRow, vRow, sRow] = await Promise.all([
    db.selectFrom('use_cases').selectAll().executeTakeFirstOrThrow(),
    db.selectFrom('assessments').selectAll().executeTakeFirstOrThrow(),
    db.selectFrom('models').selectAll().executeTakeFirstOrThrow(),
    db.selectFrom('model_versions').selectAll().executeTakeFirstOrThrow(),
    db.selectFrom('lifecycle_states').selectAll().executeTakeFirstOrThrow(),
  ]);
  const tasks = await db.selectFrom('tasks').selectAll().where('subject_id', '=', vRow.id).execute();
  const CHUNK = 500;
  for (let i = 1; i < useCases; i += CHUNK) {
    const ns = Array.from({ length: Math.min(CHUNK, useCases - i) }, (_, k) => i + k);
    await db
      .insertInto('use_cases')
      .values(ns.map((n) => ({ ...ucRow, id: cloneId(1, n), name: `bench-uc-${n}` })))
      .execute();
    await db
      .insertInto('assessments')
      .values(ns.map((n) => ({ ...aRow, id: cloneId(2, n), use_case_id: cloneId(1, n), tier: 1 + (n % 4) })))
      .execute();
    await db
      .insertInto('models')
      .values(
        ns.map((n) => ({
          ...mRow,
          id: cloneId(3, n),
          name: `bench-model-${n}`,
          use_case_id: cloneId(1, n),
          search_text: `bench-model-${n}`,
        })),
      )
      .execute();
  }
  for (let i = 1; i < versions; i += CHUNK) {
    const ns = Array.from({ length: Math.min(CHUNK, versions - i) }, (_, k) => i + k);
    const model = (n: number) => (n % useCases === 0 ? mRow.id : cloneId(3, n % useCases));
    await db
      .insertInto('model_versions')
      .values(
        ns.map((n) => ({ ...vRow, id: cloneId(4, n), model_id: model(n), version: Math.floor(n / useCases) + 1 })),
      )
      .execute();
    await db
      .insertInto('lifecycle_states')
      .values(ns.map((n) => ({ ...sRow, model_version_id: cloneId(4, n) })))
      .execute();
    if (tasks.length > 0)
      await db
        .insertInto('tasks')
        .values(ns.flatMap((n) => tasks.map((t, k) => ({ ...t, id: cloneId(5 + k, n), subject_id: cloneId(4, n) }))))
        .execute();
  }

  // Pad the audit trail through the real append path.
  const signer = signerFor(createPrivateKey(readFileSync(keyFile, 'utf8')), 'steward.bench/audit');
  const log = createAuditLog({ repo: auditRepo, signer, clock: systemClock });
  const transact = createTransact(db, 'sqlite', { beforeCommit: (tx) => log.checkpointIfGrown(tx) });
  let size = (await auditRepo.head(db)).size;
  const ctx = systemContext('bench');
  while (size < events) {
    const n = Math.min(1000, events - size);
    await transact(async (tx) => {
      for (let k = 0; k < n; k++)
        await log.append(tx, ctx, {
          action: 'evidence.create',
          subject: { type: 'model-version', id: cloneId(4, (size + k) % versions) },
          after: { kind: 'evaluation', contentHash: `sha256:${'cd'.repeat(32)}`, metrics: { auc: 0.9 } },
        });
    });
    size += n;
  }
  out = { events: size };
} else if (mode === 'snapshot') {
  const a = await app();
  const t0 = performance.now();
  const r = await send(a, 'POST', '/api/v1/governance/kpis/snapshots');
  out = { rows: r.rows, requestSeconds: (performance.now() - t0) / 1000 };
  await a.close();
} else if (mode === 'count') {
  const a = await app();
  const t0 = performance.now();
  const r = await send(a, 'GET', '/api/v1/overview?limit=1');
  out = { total: r.total, requestSeconds: (performance.now() - t0) / 1000 };
  await a.close();
}
await database.close();
console.log(JSON.stringify({ ...out, seconds: (performance.now() - start) / 1000, maxRssMiB: peakRssMiB() }));
