import { createHash } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Zip, ZipDeflate, strToU8 } from 'fflate';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import { parseAuditLeaf } from '../../domain/audit-event.ts';
import {
  citedEvents,
  packedLevels,
  stateFolder,
  PACK_FORMAT,
  sha256Hex,
  type EvidenceEntry,
  type PackManifest,
  type Scope,
} from '../../domain/examination.ts';
import {
  indexState,
  useCaseDossierAsOf,
  versionDossierAsOf,
  type AsOfEvidence,
} from '../../domain/examination-documents.ts';
import type { DocumentKind, DocumentTemplate } from '../../domain/exports/document.ts';
import { buildDocument } from '../../domain/exports/documents.ts';
import type { DocumentSummary, VersionDossier } from '../../domain/exports/dossier.ts';
import { renderMarkdown } from '../../domain/exports/markdown.ts';
import { inclusionProof, leafHashOfText } from '../../domain/merkle.ts';
import { DomainError, notFound } from '../../errors.ts';
import { VERSION } from '../../version.ts';
import { authorize } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';

export interface ExaminationDeps extends CommandDeps {
  signer: { origin: string; keyName: string; verifierKey: string; signDigest(digest: string): string };
  log: {
    checkpointTimes(db: Executor): Promise<{ treeSize: number; note: string; createdAt: string }[]>;
    leaves(db: Executor, afterSeq: number, limit: number): Promise<{ seq: number; leaf: string }[]>;
  };
  /** Use case id by id or name (null when there is none). */
  useCaseId(ref: string): Promise<string | null>;
  teamExists(team: string): Promise<boolean>;
  /** A version's stored evidence (every kind), with its content: rows never change once recorded. */
  evidence(versionId: string): Promise<
    {
      id: string;
      kind: string;
      content_hash: string;
      created_at: string;
      data_digest: string | null;
      result: string;
      metrics: string;
    }[]
  >;
  /** A use case's own documents, with their content. */
  useCaseDocuments(useCaseId: string): Promise<
    {
      id: string;
      kind: string;
      title: string;
      uri: string | null;
      content: string | null;
      content_hash: string;
      created_at: string;
    }[]
  >;
  /** The document templates of a policy pack by id (a pack never changes once uploaded). */
  templates(policyId: string): Promise<DocumentTemplate[] | undefined>;
  /** Where packs are spooled while built (the system's temporary directory by default). */
  spoolDir?: string;
}

const CHUNK = 10_000;
/** Spooled writes are gathered to about this many bytes. */
const WRITE_BATCH = 1 << 20;

const invalid = (pointer: string, message: string) =>
  new DomainError('validation_failed', message, { errors: [{ pointer, message }] });

/** Parses `organisation`, `team:<name>` or `use-case:<id or name>`. */
export function parseScope(
  text: string | undefined,
): { kind: 'organisation' } | { kind: 'team' | 'use-case'; ref: string } {
  if (text === undefined || text === 'organisation') return { kind: 'organisation' };
  const m = /^(team|use-case):(.+)$/.exec(text);
  if (!m) throw invalid('/scope', `scope '${text}' is not one of: organisation, team:<name>, use-case:<id or name>`);
  return { kind: m[1] as 'team' | 'use-case', ref: m[2]! };
}

/** Appends to a file descriptor in batches (synchronously: the callers are synchronous producers). */
function batchedWriter(fd: number) {
  let parts: (string | Uint8Array)[] = [];
  let size = 0;
  let written = 0;
  const flush = () => {
    for (const p of parts) written += typeof p === 'string' ? writeSync(fd, p) : writeSync(fd, p);
    parts = [];
    size = 0;
  };
  return {
    write(p: string | Uint8Array) {
      parts.push(p);
      size += p.length;
      if (size >= WRITE_BATCH) flush();
    },
    end() {
      flush();
      return written;
    },
  };
}

/** The key that says a piece of evidence, with this very content, was recorded in the trail by then. */
const recordedKey = (id: string, contentHash: string) =>
  createHash('sha256').update(`${id}\n${contentHash}`).digest('base64').slice(0, 22);

export function createExaminationService(deps: ExaminationDeps) {
  const { db, transact, audit, clock, signer, log } = deps;

  async function* leaves(until: number) {
    for (let after = 0; after < until;) {
      const rows = (await log.leaves(db, after, CHUNK)).filter((r) => r.seq <= until);
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1]!.seq;
    }
  }

  async function resolveScope(text: string | undefined): Promise<Scope> {
    const parsed = parseScope(text);
    if (parsed.kind === 'team') {
      if (!(await deps.teamExists(parsed.ref))) throw notFound('team', parsed.ref);
      return { kind: 'team', team: parsed.ref };
    }
    if (parsed.kind === 'use-case') {
      const id = await deps.useCaseId(parsed.ref);
      if (!id) throw notFound('use case', parsed.ref);
      return { kind: 'use-case', id };
    }
    return { kind: 'organisation' };
  }

  return {
    /**
     * Builds the examination pack of `scope` as of `asOf`: a ZIP with the state then (derived from the
     * audit trail up to the signed checkpoint covering `asOf`), the events it cites (all of them for the
     * organisation) with inclusion proofs, the documents recorded by then, the documents generated
     * from the state then, and a manifest signed by the audit key. The ZIP is spooled to a temporary
     * file, never held in memory, and audited as `examination.create` before a byte of it is handed
     * out; the caller streams `open()` (the file is gone once that stream closes).
     */
    async create(ctx: RequestContext, input: { asOf: string; scope?: string }) {
      // The pack holds audit events and every team's records: only organisation-wide auditors may take one.
      authorize(ctx, 'audit:read', ORGANISATION);
      const scope = await resolveScope(input.scope);
      const asOf = new Date(input.asOf);
      if (Number.isNaN(asOf.getTime())) throw invalid('/asOf', `'${input.asOf}' is not a date-time`);
      const now = clock.now();
      if (asOf.getTime() > now.getTime())
        throw invalid('/asOf', `${asOf.toISOString()} is in the future (now is ${now.toISOString()})`);
      const checkpoints = await log.checkpointTimes(db);
      const first = (await log.leaves(db, 0, 1))[0];
      const firstTime = first ? parseAuditLeaf(first.leaf).time : null;
      const covering = checkpoints.filter((c) => c.createdAt <= asOf.toISOString() && c.treeSize > 0).at(-1);
      if (!firstTime || asOf.toISOString() < firstTime || !covering)
        throw invalid(
          '/asOf',
          `${asOf.toISOString()} is before the audit trail's first signed event${firstTime ? ` (${firstTime})` : ''}`,
        );
      const dir = mkdtempSync(join(deps.spoolDir ?? tmpdir(), 'steward-examination-'));
      try {
        const built = await build(ctx, scope, asOf, now, covering, dir);
        await transact((tx) =>
          audit.append(tx, ctx, {
            action: 'examination.create',
            subject: { type: 'examination', id: built.manifestDigest },
            after: {
              asOf: asOf.toISOString(),
              scope,
              treeSize: covering.treeSize,
              manifest: built.manifestDigest,
              files: built.files,
            },
          }),
        );
        const handle = await open(built.zipPath, 'r');
        const name = scope.kind === 'organisation' ? 'organisation' : scope.kind === 'team' ? scope.team : scope.id;
        return {
          /** The ZIP as a stream; the spooled file is removed already and freed when the stream closes. */
          body: handle.createReadStream() as Readable,
          bytes: built.bytes,
          filename: `examination-${name}-${asOf.toISOString().slice(0, 10)}.zip`,
          manifestDigest: built.manifestDigest,
          treeSize: covering.treeSize,
        };
      } finally {
        // An open handle keeps the ZIP readable after its name is gone.
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };

  async function build(
    ctx: RequestContext,
    scope: Scope,
    asOf: Date,
    now: Date,
    covering: { treeSize: number; note: string },
    dir: string,
  ) {
    const n = covering.treeSize;
    const asOfText = asOf.toISOString();
    const all = scope.kind === 'organisation';

    // Pass 1: the state folded from the events one at a time. Evidence entries (most of a large
    // trail) are spilled to a file; a short key per entry records which evidence existed by then,
    // and a scoped pack keeps every leaf hash, 32 bytes each in one buffer, for the proofs.
    const hashes = all ? null : Buffer.allocUnsafe(n * 32);
    const spillPath = join(dir, 'evidence.jsonl');
    const spillFd = openSync(spillPath, 'w');
    const spill = batchedWriter(spillFd);
    const recorded = new Set<string>();
    const fold = stateFolder(
      asOfText,
      n,
      {
        useCase: (id, s) =>
          all ||
          (scope.kind === 'use-case' && id === scope.id) ||
          (scope.kind === 'team' && (s as { ownerTeam?: string } | null)?.ownerTeam === scope.team),
      },
      (entry) => {
        spill.write(`${JSON.stringify(entry)}\n`);
        const f = entry.state as { id?: string; contentHash?: string } | null;
        if (f?.id && f.contentHash) recorded.add(recordedKey(f.id, f.contentHash));
      },
    );
    try {
      for await (const rows of leaves(n))
        for (const r of rows) {
          if (hashes) leafHashOfText(r.leaf).copy(hashes, (r.seq - 1) * 32);
          fold.add(parseAuditLeaf(r.leaf));
        }
      spill.end();
    } finally {
      closeSync(spillFd);
    }
    const state = fold.result();
    const spilled = async function* (): AsyncGenerator<EvidenceEntry> {
      const lines = createInterface({ input: createReadStream(spillPath), crlfDelay: Infinity });
      for await (const line of lines) {
        if (line === '') continue;
        const entry = JSON.parse(line) as EvidenceEntry;
        if (fold.evidenceInScope(entry)) yield entry;
      }
    };
    const citedSet = new Set(citedEvents(state));
    for await (const e of spilled()) citedSet.add(e.seq);
    const cited = [...citedSet].sort((a, b) => a - b);
    // A scoped pack holds only the events it cites, each with its inclusion proof. An organisation
    // pack holds every event up to the checkpoint: the examiner recomputes the whole tree against
    // the signed root, which proves each event's inclusion (and that none is missing) at once.
    const perfect = hashes ? packedLevels(hashes) : null;

    // The ZIP, file by file, spooled to disk as fflate produces it; the manifest lists each file's
    // digest and is signed last.
    const zipPath = join(dir, 'pack.zip');
    const zipFd = openSync(zipPath, 'w');
    const out = batchedWriter(zipFd);
    let failed: Error | null = null;
    let bytes = 0;
    const zip = new Zip((err, chunk) => {
      if (err) failed = err;
      else out.write(chunk);
    });
    const files: PackManifest['files'] = [];
    const add = async (path: string, parts: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>) => {
      const f = new ZipDeflate(path, { level: 1 });
      f.mtime = new Date(asOf);
      zip.add(f);
      const h = createHash('sha256');
      let size = 0;
      for await (const part of parts) {
        const p = typeof part === 'string' ? strToU8(part) : part;
        h.update(p);
        size += p.length;
        f.push(p, false);
      }
      f.push(new Uint8Array(0), true);
      files.push({ path, sha256: h.digest('hex'), bytes: size });
    };
    const generated: NonNullable<PackManifest['generated']> = [];
    try {
      await add(
        'events.jsonl',
        (async function* () {
          for await (const rows of leaves(n)) {
            const lines = rows.filter((r) => all || citedSet.has(r.seq)).map((r) => `${r.leaf}\n`);
            if (lines.length > 0) yield lines.join('');
          }
        })(),
      );
      await add('state.json', stateJson(state, spilled()));
      if (perfect)
        await add(
          'proofs.json',
          (function* () {
            yield '{';
            let i = 0;
            for (const seq of cited)
              yield `${i++ === 0 ? '' : ','}${JSON.stringify(String(seq))}:${JSON.stringify(
                inclusionProof(seq - 1, n, perfect).map((h) => h.toString('base64')),
              )}`;
            yield '}';
          })(),
        );
      await add('checkpoint.txt', [covering.note]);

      // The documents recorded by then (their Markdown, as stored), and those generated from the state then.
      const ix = indexState(state);
      const templateCache = new Map<string, Promise<DocumentTemplate[] | undefined>>();
      const templatesOf = (policyId: string | undefined) => {
        if (!policyId) return Promise.resolve(undefined);
        if (!templateCache.has(policyId)) templateCache.set(policyId, deps.templates(policyId));
        return templateCache.get(policyId)!;
      };
      const activePolicy = (state.policy?.state as { id?: string } | null)?.id;
      const generate = async (
        kind: DocumentKind,
        dossier: Parameters<typeof buildDocument>[1],
        subject: { type: string; id: string },
      ) => {
        // The templates of the pack the use case was assessed under then, else of the pack active then.
        const assessed = (ix.assessments.get(dossier.useCase.id)?.state as { policy?: { id?: string } } | undefined)
          ?.policy?.id;
        const doc = buildDocument(kind, dossier, await templatesOf(assessed ?? activePolicy), `steward/${VERSION}`);
        const path = `generated/${subject.id}/${kind}.md`;
        await add(path, [renderMarkdown(doc)]);
        generated.push({ path, document: kind, subject, inputsDigest: doc.inputsDigest });
      };
      const byUseCase = new Map<string, VersionDossier[]>();
      for (const v of state.versions) {
        const rows = (await deps.evidence(v.id)).filter((r) => recorded.has(recordedKey(r.id, r.content_hash)));
        for (const d of rows)
          if (d.kind === 'document') {
            const content = (JSON.parse(d.result) as { content?: string }).content;
            if (content !== undefined) await add(`documents/${v.id}/${d.id}.md`, [content]);
          }
        const evidence: AsOfEvidence[] = rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          contentHash: r.content_hash,
          createdAt: r.created_at,
          dataDigest: r.data_digest,
          result: JSON.parse(r.result) as unknown,
          metrics: JSON.parse(r.metrics) as Record<string, number | null>,
        }));
        const dossier = versionDossierAsOf(ix, v.id, evidence);
        if (!dossier) continue;
        await generate('model-card', dossier, { type: 'model-version', id: v.id });
        await generate('validation-report', dossier, { type: 'model-version', id: v.id });
        const list = byUseCase.get(dossier.useCase.id) ?? [];
        list.push(dossier);
        byUseCase.set(dossier.useCase.id, list);
      }
      // Annex IV technical documentation, for the use cases that were high-risk then.
      for (const u of state.useCases) {
        const a = ix.assessments.get(u.id)?.state as { euAiAct?: string } | undefined;
        if (a?.euAiAct !== 'high-risk') continue;
        const own: DocumentSummary[] = (await deps.useCaseDocuments(u.id))
          .filter((d) => recorded.has(recordedKey(d.id, d.content_hash)))
          .map((d) => ({
            id: d.id,
            kind: d.kind,
            title: d.title,
            contentHash: d.content_hash,
            createdAt: d.created_at,
            content: d.content,
            uri: d.uri,
          }));
        const dossier = useCaseDossierAsOf(ix, u.id, byUseCase.get(u.id) ?? [], own);
        if (dossier) await generate('annex-iv', dossier, { type: 'use-case', id: u.id });
      }
    } catch (err) {
      closeSync(zipFd);
      throw err;
    }

    const manifest: PackManifest = {
      format: PACK_FORMAT,
      asOf: asOfText,
      scope,
      createdAt: now.toISOString(),
      createdBy: actorId(ctx),
      origin: signer.origin,
      keyName: signer.keyName,
      verifierKey: signer.verifierKey,
      checkpoint: { treeSize: n, note: covering.note },
      events: all ? 'all' : 'cited',
      cited,
      files,
      generated,
    };
    const manifestBytes = strToU8(JSON.stringify(manifest, null, 1));
    const manifestDigest = `sha256:${sha256Hex(manifestBytes)}`;
    const raw = (path: string, data: Uint8Array) => {
      const f = new ZipDeflate(path, { level: 1 });
      f.mtime = new Date(asOf);
      zip.add(f);
      f.push(data, true);
    };
    raw('manifest.json', manifestBytes);
    raw('manifest.sig', strToU8(`${signer.signDigest(manifestDigest)}\n`));
    zip.end();
    try {
      bytes = out.end();
    } finally {
      closeSync(zipFd);
    }
    if (failed) throw failed;
    return { zipPath, bytes, manifestDigest, files: files.length };
  }
}

/** `state.json`, piece by piece: the spilled evidence entries go straight from the file into it. */
async function* stateJson(
  state: ReturnType<ReturnType<typeof stateFolder>['result']>,
  evidence: AsyncIterable<EvidenceEntry>,
): AsyncGenerator<string> {
  const { evidence: _kept, lifecycle, monitoring, findings, ...head } = state;
  yield `${JSON.stringify(head).slice(0, -1)},"evidence":[`;
  let batch: string[] = [];
  let first = true;
  for await (const e of evidence) {
    batch.push(JSON.stringify(e));
    if (batch.length >= 1000) {
      yield `${first ? '' : ','}${batch.join(',')}`;
      first = false;
      batch = [];
    }
  }
  if (batch.length > 0) yield `${first ? '' : ','}${batch.join(',')}`;
  yield `],"lifecycle":${JSON.stringify(lifecycle)},"monitoring":${JSON.stringify(monitoring)},"findings":${JSON.stringify(findings)}}`;
}

export type ExaminationService = ReturnType<typeof createExaminationService>;
