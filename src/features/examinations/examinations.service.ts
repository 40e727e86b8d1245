import { createHash } from 'node:crypto';
import { Zip, ZipDeflate, strToU8 } from 'fflate';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import { parseAuditLeaf } from '../../domain/audit-event.ts';
import {
  citedEvents,
  stateFolder,
  levels,
  PACK_FORMAT,
  sha256Hex,
  type PackManifest,
  type Scope,
} from '../../domain/examination.ts';
import { inclusionProof, leafHashOfText, type Hash } from '../../domain/merkle.ts';
import { DomainError, notFound } from '../../errors.ts';
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
  /** A version's stored documents (evidence rows of kind `document`), with their content. */
  documents(
    versionId: string,
  ): Promise<{ id: string; created_at: string; result: string; data_digest: string | null }[]>;
}

const CHUNK = 10_000;

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

  return {
    /**
     * Builds the examination pack of `scope` as of `asOf`: a ZIP with the state then (derived from the
     * audit trail up to the signed checkpoint covering `asOf`), the events it cites (all of them for the
     * organisation) with inclusion proofs, the documents recorded by then, and a manifest signed by
     * the audit key. Audited as `examination.create`.
     */
    async create(ctx: RequestContext, input: { asOf: string; scope?: string }) {
      // The pack holds audit events and every team's records: only organisation-wide auditors may take one.
      authorize(ctx, 'audit:read', ORGANISATION);
      const parsed = parseScope(input.scope);
      let scope: Scope;
      if (parsed.kind === 'team') {
        if (!(await deps.teamExists(parsed.ref))) throw notFound('team', parsed.ref);
        scope = { kind: 'team', team: parsed.ref };
      } else if (parsed.kind === 'use-case') {
        const id = await deps.useCaseId(parsed.ref);
        if (!id) throw notFound('use case', parsed.ref);
        scope = { kind: 'use-case', id };
      } else scope = { kind: 'organisation' };

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
      const n = covering.treeSize;

      // Pass 1: every leaf hash (for proofs) and the state folded from the events, one at a time.
      const all = scope.kind === 'organisation';
      const hashes: Hash[] = [];
      const fold = stateFolder(asOf.toISOString(), n, {
        useCase: (id, s) =>
          all ||
          (scope.kind === 'use-case' && id === scope.id) ||
          (scope.kind === 'team' && (s as { ownerTeam?: string } | null)?.ownerTeam === scope.team),
      });
      for await (const rows of leaves(n))
        for (const r of rows) {
          if (!all) hashes.push(leafHashOfText(r.leaf));
          fold.add(parseAuditLeaf(r.leaf));
        }
      const state = fold.result();
      const cited = citedEvents(state);
      // A scoped pack holds only the events it cites, each with its inclusion proof. An organisation
      // pack holds every event up to the checkpoint: the examiner recomputes the whole tree against
      // the signed root, which proves each event's inclusion (and that none is missing) at once.
      const perfect = all ? null : levels(hashes);
      const proofs = perfect
        ? Object.fromEntries(
            cited.map((seq) => [String(seq), inclusionProof(seq - 1, n, perfect).map((h) => h.toString('base64'))]),
          )
        : {};

      // The ZIP, file by file; the manifest lists each file's digest and is signed last.
      const chunks: Uint8Array[] = [];
      let failed: Error | null = null;
      const zip = new Zip((err, chunk) => {
        if (err) failed = err;
        else chunks.push(chunk);
      });
      const files: PackManifest['files'] = [];
      const add = async (path: string, parts: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) => {
        const f = new ZipDeflate(path, { level: 1 });
        f.mtime = new Date(asOf);
        zip.add(f);
        const h = createHash('sha256');
        let bytes = 0;
        for await (const p of parts) {
          h.update(p);
          bytes += p.length;
          f.push(p, false);
        }
        f.push(new Uint8Array(0), true);
        files.push({ path, sha256: h.digest('hex'), bytes });
      };
      const citedSet = new Set(cited);
      await add(
        'events.jsonl',
        (async function* () {
          for await (const rows of leaves(n)) {
            const lines = rows.filter((r) => all || citedSet.has(r.seq)).map((r) => `${r.leaf}\n`);
            if (lines.length > 0) yield strToU8(lines.join(''));
          }
        })(),
      );
      await add('state.json', [strToU8(JSON.stringify(state))]);
      if (!all) await add('proofs.json', [strToU8(JSON.stringify(proofs))]);
      await add('checkpoint.txt', [strToU8(covering.note)]);
      // The documents recorded by then (their Markdown, as stored).
      const recorded = new Set(state.evidence.map((e) => (e.state as { id?: string } | null)?.id));
      for (const v of state.versions)
        for (const d of await deps.documents(v.id)) {
          if (!recorded.has(d.id) || d.created_at > asOf.toISOString()) continue;
          const content = (JSON.parse(d.result) as { content?: string }).content;
          if (content !== undefined) await add(`documents/${v.id}/${d.id}.md`, [strToU8(content)]);
        }
      const manifest: PackManifest = {
        format: PACK_FORMAT,
        asOf: asOf.toISOString(),
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
      if (failed) throw failed;
      await transact((tx) =>
        audit.append(tx, ctx, {
          action: 'examination.create',
          subject: { type: 'examination', id: manifestDigest },
          after: { asOf: manifest.asOf, scope, treeSize: n, manifest: manifestDigest, files: files.length },
        }),
      );
      const name = scope.kind === 'organisation' ? 'organisation' : scope.kind === 'team' ? scope.team : scope.id;
      return {
        body: Buffer.concat(chunks),
        filename: `examination-${name}-${manifest.asOf.slice(0, 10)}.zip`,
        manifestDigest,
        treeSize: n,
      };
    },
  };
}

export type ExaminationService = ReturnType<typeof createExaminationService>;
