import { createHash } from 'node:crypto';
import type { RequestContext } from '../../context.ts';
import type { Tx } from '../../db/database.ts';
import { buildBom } from '../../domain/exports/bom.ts';
import type { DocumentKind, DocumentTemplate, GeneratedDocument } from '../../domain/exports/document.ts';
import { buildDocument, storeKindOf } from '../../domain/exports/documents.ts';
import { generatedInputsDigest, inputsDigest, type Dossier } from '../../domain/exports/dossier.ts';
import { renderHtml } from '../../domain/exports/html.ts';
import { renderMarkdown } from '../../domain/exports/markdown.ts';
import { VERSION } from '../../version.ts';
import type { CommandDeps } from '../common/deps.ts';
import { gatherUseCase, gatherVersion, type GatherDeps } from './exports.gather.ts';
import { renderPdf } from './pdf.ts';

export const FORMATS = ['md', 'html', 'pdf'] as const;
export type Format = (typeof FORMATS)[number];

const MEDIA: Record<Format, string> = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
};

export interface Rendered {
  body: Buffer;
  mediaType: string;
  filename: string;
  inputsDigest: string;
  /** sha256 of the bytes served. */
  digest: string;
  /** The evidence or use-case document it was stored as, when stored. */
  stored: { id: string; kind: string } | null;
}

export interface ExportsDeps extends CommandDeps {
  gather: GatherDeps;
  /** The pack's document templates for the use case (its assessment's pack, else the active pack). */
  templates(useCaseId: string | null): Promise<DocumentTemplate[] | undefined>;
  /** Records a generated document as evidence of the version, in the caller's transaction (authorises version:write). */
  recordVersionDocument(
    tx: Tx,
    ctx: RequestContext,
    model: string,
    version: number,
    doc: { kind: string; title: string; content: string },
  ): Promise<{ id: string }>;
  /** Records a generated document on the use case, in the caller's transaction (authorises use-case:write). */
  recordUseCaseDocument(
    tx: Tx,
    ctx: RequestContext,
    useCaseId: string,
    doc: { kind: string; title: string; content: string },
  ): Promise<{ id: string }>;
}

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export function createExportsService(deps: ExportsDeps) {
  const { transact, audit, gather } = deps;

  async function render(doc: GeneratedDocument, format: Format): Promise<Buffer> {
    if (format === 'md') return Buffer.from(renderMarkdown(doc));
    if (format === 'html') return Buffer.from(renderHtml(doc));
    return renderPdf(doc);
  }

  /** Audits the export (and stores it when asked) in one transaction. */
  async function export_(
    ctx: RequestContext,
    subject: { type: 'model-version' | 'use-case'; id: string },
    what: { document: string; format: string; filename: string; inputsDigest: string; digest: string },
    store: ((tx: Tx) => Promise<{ id: string; kind: string }>) | null,
  ) {
    return transact(async (tx) => {
      const stored = store ? await store(tx) : null;
      await audit.append(tx, ctx, {
        action: 'export.generate',
        subject,
        after: { ...what, stored },
      });
      return stored;
    });
  }

  async function versionDocument(
    ctx: RequestContext,
    model: string,
    version: number,
    kind: Exclude<DocumentKind, 'annex-iv'>,
    format: Format,
    opts: { store?: boolean } = {},
  ): Promise<Rendered> {
    const dossier = await gatherVersion(gather, model, version);
    return finish(ctx, dossier, kind, format, opts.store ?? false);
  }

  async function useCaseDocument(
    ctx: RequestContext,
    useCaseId: string,
    format: Format,
    opts: { store?: boolean } = {},
  ): Promise<Rendered> {
    const dossier = await gatherUseCase(gather, useCaseId);
    return finish(ctx, dossier, 'annex-iv', format, opts.store ?? false);
  }

  async function finish(
    ctx: RequestContext,
    dossier: Dossier,
    kind: DocumentKind,
    format: Format,
    store: boolean,
  ): Promise<Rendered> {
    const templates = await deps.templates(dossier.useCase.id);
    const doc = buildDocument(kind, dossier, templates, `steward/${VERSION}`);
    const body = await render(doc, format);
    const name =
      dossier.kind === 'use-case' ? dossier.useCase.name : `${dossier.model.name}-v${dossier.version.version}`;
    const filename = `${name}-${kind}.${format}`;
    const digest = sha256(body);
    const storeAs = storeKindOf(kind, templates, dossier.assessment?.tier ?? null);
    const title = `${doc.title}: ${doc.subject}`;
    // What is stored is the Markdown: the readable, diffable form, which records its inputs digest.
    const content = format === 'md' ? body.toString('utf8') : renderMarkdown(doc);
    const stored = await export_(
      ctx,
      dossier.kind === 'use-case'
        ? { type: 'use-case', id: dossier.useCase.id }
        : { type: 'model-version', id: dossier.version.id },
      { document: kind, format, filename, inputsDigest: doc.inputsDigest, digest },
      store
        ? async (tx) => {
            const r =
              dossier.kind === 'use-case'
                ? await deps.recordUseCaseDocument(tx, ctx, dossier.useCase.id, { kind: storeAs, title, content })
                : await deps.recordVersionDocument(tx, ctx, dossier.model.name, dossier.version.version, {
                    kind: storeAs,
                    title,
                    content,
                  });
            return { id: r.id, kind: storeAs };
          }
        : null,
    );
    return { body, mediaType: MEDIA[format], filename, inputsDigest: doc.inputsDigest, digest, stored };
  }

  return {
    versionDocument,
    useCaseDocument,

    /** The version's CycloneDX 1.6 ML-BOM (audited like the documents). */
    async bom(ctx: RequestContext, model: string, version: number): Promise<Rendered> {
      const dossier = await gatherVersion(gather, model, version);
      const body = Buffer.from(JSON.stringify(buildBom(dossier, { name: 'steward', version: VERSION }), null, 2));
      const filename = `${model}-v${version}.cdx.json`;
      const digest = sha256(body);
      const inputs = inputsDigest(dossier);
      await export_(
        ctx,
        { type: 'model-version', id: dossier.version.id },
        { document: 'bom', format: 'cyclonedx-1.6-json', filename, inputsDigest: inputs, digest },
        null,
      );
      return {
        body,
        mediaType: 'application/vnd.cyclonedx+json; version=1.6',
        filename,
        inputsDigest: inputs,
        digest,
        stored: null,
      };
    },

    /**
     * The version's generated documents as they stand: the current inputs digest of each, and the
     * stored ones with whether they are still current (a stored document whose inputs changed is stale).
     */
    async status(model: string, version: number) {
      const [dossier, evidence] = await Promise.all([
        gatherVersion(gather, model, version),
        gather.evidence.list(model, version),
      ]);
      const templates = await deps.templates(dossier.useCase.id);
      const current = inputsDigest(dossier);
      const tier = dossier.assessment?.tier ?? null;
      const kinds = (['model-card', 'validation-report'] as const).map((k) => ({
        document: k,
        storeAs: storeKindOf(k, templates, tier),
      }));
      return {
        inputsDigest: current,
        stored: evidence.flatMap((e) => {
          const r = e.result as { documentKind?: string; content?: string };
          const kind = e.kind === 'document' ? kinds.find((k) => k.storeAs === r.documentKind) : undefined;
          const recorded = generatedInputsDigest(r.content ?? null);
          if (!kind || !recorded) return [];
          return [
            {
              id: e.id,
              document: kind.document,
              kind: kind.storeAs,
              createdAt: e.createdAt,
              inputsDigest: recorded,
              status: (recorded === current ? 'current' : 'stale') as 'current' | 'stale',
            },
          ];
        }),
      };
    },
  };
}

export type ExportsService = ReturnType<typeof createExportsService>;
