import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody, fromQuery } from '../../http/input.ts';
import { etagOf } from '../../http/etag.ts';
import { PageOf, PageQuery } from '../../lib/pagination.ts';
import { PositiveInt, TeamSlug } from '../common/common.schema.ts';
import type { DatasetService } from './datasets.service.ts';
import {
  CreateDatasetBody,
  CreateDatasetVersionBody,
  Dataset,
  DatasetRef,
  DatasetUsage,
  DatasetVersion,
} from './datasets.schema.ts';

const tags = ['datasets'];
const DatasetParams = Type.Object({ id: DatasetRef });
const DatasetVersionParams = Type.Object({ id: DatasetRef, version: PositiveInt() });

export function datasetRoutes(app: App, { datasets }: { datasets: DatasetService }): void {
  app.post(
    '/datasets',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Register a dataset with its provenance and column flags',
        body: CreateDatasetBody,
        response: { 201: Dataset },
      },
    },
    async (request, reply) => {
      const d = await fromBody(() => datasets.create(contextOf(request), request.body));
      return reply
        .status(201)
        .header('location', `/api/v1/datasets/${d.id}`)
        .header('etag', etagOf('dataset', d.id, d.revision))
        .send(d);
    },
  );

  app.get(
    '/datasets',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'List datasets by name',
        querystring: Type.Object(
          {
            ...PageQuery,
            ownerTeam: Type.Optional(TeamSlug),
            personalData: Type.Optional(
              Type.Boolean({ description: 'only datasets that do (true) or do not (false) hold personal data' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(Dataset) },
      },
    },
    async (request) => fromQuery(() => datasets.list(request.query)),
  );

  app.get(
    '/datasets/:id',
    {
      config: { permission: 'inventory:read' },
      schema: { tags, summary: 'Read a dataset (by id or name)', params: DatasetParams, response: { 200: Dataset } },
    },
    async (request, reply) => {
      const d = await datasets.get(request.params.id);
      return reply.header('etag', etagOf('dataset', d.id, d.revision)).send(d);
    },
  );

  app.post(
    '/datasets/:id/versions',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Register a dataset version with its digest, schema and lineage',
        params: DatasetParams,
        body: CreateDatasetVersionBody,
        response: { 201: DatasetVersion },
      },
    },
    async (request, reply) => {
      const v = await fromBody(() => datasets.createVersion(contextOf(request), request.params.id, request.body));
      return reply.status(201).header('location', `/api/v1/datasets/${v.datasetId}/versions/${v.version}`).send(v);
    },
  );

  app.get(
    '/datasets/:id/versions',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: "List a dataset's versions",
        params: DatasetParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: PageOf(DatasetVersion) },
      },
    },
    async (request) => fromQuery(() => datasets.listVersions(request.params.id, request.query)),
  );

  app.get(
    '/datasets/:id/versions/:version',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'Read a dataset version',
        params: DatasetVersionParams,
        response: { 200: DatasetVersion },
      },
    },
    async (request) => datasets.getVersion(request.params.id, request.params.version),
  );

  app.get(
    '/datasets/:id/versions/:version/usage',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'Which model versions used this dataset version',
        description:
          'With `transitive=true` (default) also the model versions that used a dataset version derived from it, at any depth.',
        params: DatasetVersionParams,
        querystring: Type.Object({ transitive: Type.Boolean({ default: true }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(DatasetUsage) }) },
      },
    },
    async (request) => ({
      items: await datasets.usage(request.params.id, request.params.version, request.query.transitive),
    }),
  );
}
