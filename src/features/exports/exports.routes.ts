import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { Uuid, VersionParams } from '../common/common.schema.ts';
import type { ExportsService, Format, Rendered } from './exports.service.ts';
import { ExportQuery, ExportStatus, InventoryQuery, StoredDocument, VersionDocumentParams } from './exports.schema.ts';
import type { InventoryExport } from './inventory-export.service.ts';

const tags = ['exports'];

type Reply = { header(k: string, v: string): Reply; type(t: string): Reply; send(b: unknown): unknown };

/** Sends a generated file with its digests; inline for previews, as an attachment for downloads. */
function sendFile(reply: Reply, r: Rendered, download: boolean | undefined) {
  return reply
    .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="${r.filename}"`)
    .header('x-steward-inputs-digest', r.inputsDigest)
    .header('digest', `sha-256=${Buffer.from(r.digest.slice(7), 'hex').toString('base64')}`)
    .header('cache-control', 'no-store')
    .type(r.mediaType)
    .send(r.body);
}

const stored = (r: Rendered, document: string, format: string) => ({
  document,
  format,
  filename: r.filename,
  inputsDigest: r.inputsDigest,
  digest: r.digest,
  stored: r.stored!,
});

export function exportRoutes(
  app: App,
  { exports, inventory }: { exports: ExportsService; inventory: InventoryExport },
): void {
  app.get(
    '/exports/inventory',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary:
          'The model inventory as CSV or XLSX: one row per use case, model and version (owner, tier, EU AI Act category, status, last validation, next review, open findings, deployment), filtered like the inventory page',
        querystring: InventoryQuery,
      },
    },
    async (request, reply) => {
      const { format, ...filter } = request.query;
      const r = await inventory.export(contextOf(request), format ?? 'csv', filter);
      return reply
        .header('content-disposition', `attachment; filename="${r.filename}"`)
        .header('x-steward-rows', String(r.rows))
        .header('cache-control', 'no-store')
        .type(r.mediaType)
        .send(r.body);
    },
  );

  app.get(
    '/models/:name/versions/:version/exports/bom',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: "The version's CycloneDX 1.6 ML-BOM (application/vnd.cyclonedx+json)",
        params: VersionParams,
        querystring: Type.Object({ download: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const { name, version } = request.params;
      return sendFile(reply, await exports.bom(contextOf(request), name, version), request.query.download);
    },
  );

  app.get(
    '/models/:name/versions/:version/exports',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: "The version's generated documents: the current inputs digest and the stored ones, current or stale",
        params: VersionParams,
        response: { 200: ExportStatus },
      },
    },
    async (request) => exports.status(request.params.name, request.params.version),
  );

  app.get(
    '/models/:name/versions/:version/exports/:document',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'A model card or validation report generated from the record (Markdown, HTML or PDF)',
        description:
          'Audited as `export.generate`. With `store=true` the document is also stored as evidence of the version (its Markdown, which records the digest of its inputs).',
        params: VersionDocumentParams,
        querystring: ExportQuery,
      },
    },
    async (request, reply) => {
      const { name, version, document } = request.params;
      const format = (request.query.format ?? 'html') as Format;
      const r = await exports.versionDocument(contextOf(request), name, version, document, format, {
        store: request.query.store ?? false,
      });
      return sendFile(reply, r, request.query.download);
    },
  );

  app.post(
    '/models/:name/versions/:version/exports/:document',
    {
      // Reading the record first; storing then needs write permission on the version (checked by evidence).
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'Generate a model card or validation report and store it as evidence of the version',
        params: VersionDocumentParams,
        response: { 201: StoredDocument },
      },
    },
    async (request, reply) => {
      const { name, version, document } = request.params;
      const r = await exports.versionDocument(contextOf(request), name, version, document, 'md', { store: true });
      return reply.status(201).send(stored(r, document, 'md'));
    },
  );

  app.get(
    '/use-cases/:id/exports/annex-iv',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: "The use case's EU AI Act Annex IV technical documentation, generated from the record",
        description: 'Each Annex IV point filled from the record; what the record does not hold is listed as such.',
        params: Type.Object({ id: Uuid }),
        querystring: ExportQuery,
      },
    },
    async (request, reply) => {
      const format = (request.query.format ?? 'html') as Format;
      const r = await exports.useCaseDocument(contextOf(request), request.params.id, format, {
        store: request.query.store ?? false,
      });
      return sendFile(reply, r, request.query.download);
    },
  );

  app.post(
    '/use-cases/:id/exports/annex-iv',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'Generate the Annex IV documentation and store it as a document of the use case',
        params: Type.Object({ id: Uuid }),
        response: { 201: StoredDocument },
      },
    },
    async (request, reply) => {
      const r = await exports.useCaseDocument(contextOf(request), request.params.id, 'md', { store: true });
      return reply.status(201).send(stored(r, 'annex-iv', 'md'));
    },
  );
}
