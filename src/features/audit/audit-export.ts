import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Executor } from '../../db/database.ts';
import {
  verifyAuditLog,
  type StoredCheckpoint,
  type VerifyProblem,
  type VerifyReport,
} from '../../domain/audit-verify.ts';
import { parseVerifierKey } from '../../domain/checkpoint.ts';
import { leafHashOfText } from '../../domain/merkle.ts';
import { auditRepo } from './audit.repo.ts';
import { hashedChunks, inThreadHasher, workerHasher, type LeafHasher } from './leaf-hasher.ts';

export const EXPORT_FORMAT = 'steward-audit-export/1';
const CHUNK = 10_000;

export interface TrustedKey {
  origin: string;
  keyName: string;
  publicKey: Buffer;
}

/** Stored leaves with seq in (after, until], in seq order, in chunks so memory stays flat. */
async function* storedLeaves(
  db: Executor,
  after = 0,
  until = Number.MAX_SAFE_INTEGER,
): AsyncGenerator<{ seq: number; leaf: string }[]> {
  for (;;) {
    const rows = await auditRepo.leaves(db, after, CHUNK);
    const within = rows.filter((r) => r.seq <= until);
    if (within.length > 0) yield within;
    if (rows.length < CHUNK || within.length < rows.length) return;
    after = rows[rows.length - 1]!.seq;
  }
}

/** A second thread pays for itself only on large logs (starting one costs tens of milliseconds). */
const hasherFor = (events: number): LeafHasher => (events > 50_000 ? workerHasher() : inThreadHasher);

/**
 * Verifies the log in the database: every leaf re-derived from what is stored, the tree
 * recomputed, every checkpoint checked. The signed roots decide; where one fails, or beyond the
 * last checkpoint, a second pass compares each event with the leaf hash recorded when it was
 * appended, to name the exact event.
 */
export async function verifyDatabase(db: Executor, key: TrustedKey): Promise<VerifyReport> {
  const head = await auditRepo.head(db);
  const hasher = hasherFor(head.size);
  let report: VerifyReport;
  try {
    report = await verifyAuditLog({
      ...key,
      checkpoints: await auditRepo.allCheckpoints(db),
      events: hashedChunks(storedLeaves(db), hasher),
      claimedSize: head.size,
    });
  } finally {
    await hasher.close();
  }
  const ranges = report.problems.flatMap((p) => (p.range ? [p.range] : []));
  const pinned: VerifyProblem[] = [];
  for (const c of await auditRepo.checkpointRoots(db)) {
    const noteRoot = c.note.split('\n')[2] ?? '';
    if (Buffer.from(noteRoot, 'base64').toString('hex') !== c.rootHash) {
      pinned.push({
        seq: null,
        message: `checkpoint ${c.treeSize}: the stored root ${c.rootHash} is not the one its signed note carries`,
      });
    }
  }
  for (const [from, to] of ranges) {
    for (let after = from - 1; after < to; after += CHUNK) {
      for (const { seq, leaf, storedHash } of await auditRepo.leavesWithHashes(
        db,
        after,
        Math.min(CHUNK, to - after),
      )) {
        if (storedHash !== leafHashOfText(leaf).toString('hex')) {
          pinned.push({
            seq,
            message: `event ${seq} differs from what was recorded when it was appended (leaf hash mismatch)`,
          });
        }
      }
    }
  }
  if (pinned.length === 0) return report;
  // A range the signed roots could not vouch for, in which the culprit is now named, is said by the named events.
  const named = (r: [number, number]) => pinned.some((p) => p.seq !== null && p.seq >= r[0] && p.seq <= r[1]);
  const problems = [...pinned, ...report.problems.filter((p) => !(p.range && named(p.range)))].sort(
    (a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity),
  );
  return { ...report, ok: false, problems };
}

/**
 * Writes a JSON Lines export: a header, every checkpoint, then every event as its stored leaf
 * (canonical JSON, byte for byte what was hashed), so the file verifies without any database.
 */
export async function exportAudit(
  db: Executor,
  file: string,
  key: TrustedKey & { verifierKey: string; publicKeyPem: string },
  /** Told how many events there are, then how many were written after each chunk (for a progress bar). */
  progress: { total(events: number): void; written(events: number): void } = { total() {}, written() {} },
): Promise<{ events: number; checkpoints: number }> {
  const out = createWriteStream(file, { flags: 'wx' });
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  const checkpoints = await auditRepo.allCheckpoints(db);
  const latest = checkpoints[checkpoints.length - 1] ?? null;
  const size = latest?.treeSize ?? 0;
  await write(
    JSON.stringify({
      format: EXPORT_FORMAT,
      origin: key.origin,
      keyName: key.keyName,
      verifierKey: key.verifierKey,
      publicKeyPem: key.publicKeyPem,
      treeSize: size,
      latestCheckpoint: latest?.note ?? null,
      exportedAt: new Date().toISOString(),
    }),
  );
  for (const c of checkpoints) await write(JSON.stringify({ type: 'checkpoint', treeSize: c.treeSize, note: c.note }));
  progress.total(size);
  let events = 0;
  for await (const rows of storedLeaves(db, 0, size)) {
    for (const { leaf } of rows) await write(leaf);
    events += rows.length;
    progress.written(rows.length);
  }
  out.end();
  await once(out, 'finish');
  return { events, checkpoints: checkpoints.length };
}

const parseLine = (line: string): unknown => {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
};

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
export async function verifyExportFile(
  file: string,
  trusted?: TrustedKey,
): Promise<{ header: ExportHeader; report: VerifyReport }> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`${file} is empty`);
  const header = JSON.parse(first.value) as ExportHeader;
  if (header.format !== EXPORT_FORMAT) throw new Error(`${file} is not a ${EXPORT_FORMAT} file`);
  const checkpoints: StoredCheckpoint[] = [];
  if (header.latestCheckpoint) checkpoints.push({ treeSize: header.treeSize, note: header.latestCheckpoint });
  let pending: string | undefined;
  for (;;) {
    const next = await lines.next();
    if (next.done) break;
    if (next.value.trim() === '') continue;
    if (!next.value.startsWith('{"type":"checkpoint"')) {
      pending = next.value;
      break;
    }
    const item = parseLine(next.value) as { treeSize: number; note: string } | null;
    if (!item) throw new Error(`${file}: a checkpoint line is not JSON`);
    if (!checkpoints.some((c) => c.treeSize === item.treeSize && c.note === item.note))
      checkpoints.push({ treeSize: Number(item.treeSize), note: String(item.note) });
  }
  async function* events(): AsyncGenerator<{ seq: number; leaf: string }[]> {
    let chunk: { seq: number; leaf: string }[] = [];
    let lastSeq = 0;
    let leaf = pending;
    while (leaf !== undefined) {
      // An unreadable line keeps its place: its hash then fails the signed root of its range.
      const seq = (parseLine(leaf) as { seq?: unknown } | null)?.seq;
      chunk.push({ seq: typeof seq === 'number' ? seq : (chunk[chunk.length - 1]?.seq ?? lastSeq) + 1, leaf });
      lastSeq = chunk[chunk.length - 1]!.seq;
      if (chunk.length === CHUNK) {
        yield chunk;
        chunk = [];
      }
      let next = await lines.next();
      while (!next.done && next.value.trim() === '') next = await lines.next();
      leaf = next.done ? undefined : next.value;
    }
    if (chunk.length > 0) yield chunk;
  }
  const key = trusted ?? {
    origin: header.origin,
    keyName: header.keyName,
    publicKey: parseVerifierKey(header.verifierKey).publicKey,
  };
  const hasher = hasherFor(header.treeSize);
  try {
    const report = await verifyAuditLog({
      ...key,
      checkpoints,
      events: hashedChunks(events(), hasher),
      claimedSize: header.treeSize,
    });
    return { header, report };
  } finally {
    await hasher.close();
  }
}
