import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Executor } from '../../db/database.ts';
import { canonicalState, type AuditEventRecord } from '../../domain/audit-event.ts';
import { parseVerifierKey } from '../../domain/checkpoint.ts';
import { verifyAuditLog, type StoredCheckpoint, type VerifyReport } from '../../domain/audit-verify.ts';
import { auditRepo } from './audit.repo.ts';

export const EXPORT_FORMAT = 'steward-audit-export/1';
const CHUNK = 5000;

export interface TrustedKey {
  origin: string;
  keyName: string;
  publicKey: Buffer;
}

/** Every event in seq order with its stored leaf hash, read in chunks so memory stays flat. */
async function* storedEvents(db: Executor): AsyncGenerator<{ event: AuditEventRecord; storedLeaf: string | null }> {
  let after = 0;
  for (;;) {
    const rows = await auditRepo.eventsWithLeaves(db, after, CHUNK);
    yield* rows;
    if (rows.length < CHUNK) return;
    after = rows[rows.length - 1]!.event.seq;
  }
}

/** Verifies the log in the database: every leaf re-derived, the tree recomputed, every checkpoint checked. */
export async function verifyDatabase(db: Executor, key: TrustedKey): Promise<VerifyReport> {
  const head = await auditRepo.head(db);
  return verifyAuditLog({ ...key, checkpoints: await auditRepo.allCheckpoints(db), events: storedEvents(db), claimedSize: head.size });
}

/** Writes header, checkpoints, then events as JSON Lines; returns how many events were written. */
export async function exportAudit(db: Executor, file: string, key: TrustedKey & { verifierKey: string; publicKeyPem: string }): Promise<{ events: number; checkpoints: number }> {
  const out = createWriteStream(file, { flags: 'wx' });
  const write = async (value: unknown) => {
    if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
  };
  const checkpoints = await auditRepo.allCheckpoints(db);
  const latest = checkpoints[checkpoints.length - 1] ?? null;
  await write({
    format: EXPORT_FORMAT,
    origin: key.origin,
    keyName: key.keyName,
    verifierKey: key.verifierKey,
    publicKeyPem: key.publicKeyPem,
    treeSize: latest?.treeSize ?? 0,
    latestCheckpoint: latest?.note ?? null,
    exportedAt: new Date().toISOString(),
  });
  for (const c of checkpoints) await write({ type: 'checkpoint', treeSize: c.treeSize, note: c.note });
  let events = 0;
  for await (const { event } of storedEvents(db)) {
    if (event.seq > (latest?.treeSize ?? 0)) break;
    await write({ type: 'event', ...event, before: event.before === null ? null : JSON.parse(event.before), after: event.after === null ? null : JSON.parse(event.after) });
    events++;
  }
  out.end();
  await once(out, 'finish');
  return { events, checkpoints: checkpoints.length };
}

export interface ExportHeader {
  format: string;
  origin: string;
  keyName: string;
  verifierKey: string;
  treeSize: number;
  latestCheckpoint: string | null;
}

/**
 * Verifies an export file without database or server. `trusted` pins the key; without it the key
 * named in the file's header is used (and the caller should say so: a forger controls the header).
 */
export async function verifyExportFile(file: string, trusted?: TrustedKey): Promise<{ header: ExportHeader; report: VerifyReport }> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`${file} is empty`);
  const header = JSON.parse(first.value) as ExportHeader;
  if (header.format !== EXPORT_FORMAT) throw new Error(`${file} is not a ${EXPORT_FORMAT} file`);
  const checkpoints: StoredCheckpoint[] = [];
  if (header.latestCheckpoint) checkpoints.push({ treeSize: header.treeSize, note: header.latestCheckpoint });
  let pending: Record<string, unknown> | undefined;
  for (;;) {
    const next = await lines.next();
    if (next.done) break;
    if (next.value.trim() === '') continue;
    const item = JSON.parse(next.value) as Record<string, unknown>;
    if (item.type !== 'checkpoint') {
      pending = item;
      break;
    }
    if (!checkpoints.some((c) => c.treeSize === item.treeSize && c.note === item.note)) checkpoints.push({ treeSize: Number(item.treeSize), note: String(item.note) });
  }
  async function* events(): AsyncGenerator<{ event: AuditEventRecord }> {
    let item = pending;
    while (item) {
      if (item.type !== 'event') throw new Error(`unexpected line of type '${String(item.type)}' among events`);
      const e = item as unknown as AuditEventRecord & { before: unknown; after: unknown };
      yield { event: { ...e, before: canonicalState(e.before), after: canonicalState(e.after) } };
      let next = await lines.next();
      while (!next.done && next.value.trim() === '') next = await lines.next();
      item = next.done ? undefined : (JSON.parse(next.value) as Record<string, unknown>);
    }
  }
  const key = trusted ?? { origin: header.origin, keyName: header.keyName, publicKey: parseVerifierKey(header.verifierKey).publicKey };
  const report = await verifyAuditLog({ ...key, checkpoints, events: events(), claimedSize: header.treeSize });
  return { header, report };
}
